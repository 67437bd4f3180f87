"""NFQUEUE: hand the packet to a userspace program over nfnetlink_queue, which decides its fate."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT16, int_range


def _meaning(target, enc):
    """Decides: userspace (or, with --queue-bypass and nobody listening, the next table)."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))


EXTENSION = target(
    "NFQUEUE",
    OptionSpec("queue-num", value=UINT16, help="queue number 0-65535; 0 by default"),
    OptionSpec("queue-balance",
               value=int_range(0, 65535, backwards="refused", strict=True, needs_both=True),
               help="first:last: spread connections over this range of queues"),
    OptionSpec("queue-bypass", arity=0,
               help="when no program listens, accept the packet instead of dropping it"),
    OptionSpec("queue-cpu-fanout", arity=0, help="with --queue-balance: pick the queue by CPU id"),
    summary="queue the packet to userspace for a verdict",
    terminal=True,
    meaning=_meaning,
    exclusive=(frozenset({"queue-num", "queue-balance"}),),
)
