"""NFQUEUE: hand the packet to a userspace program over nfnetlink_queue, which decides its fate."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import OptionSpec, ValueProblem, target
from fwlint.extensions.values import UINT16, int_range


def _meaning(target, enc):
    """Decides: userspace (or, with --queue-bypass and nobody listening, the next table)."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))


def _nft(target, ctx):
    """``queue num 3``, ``queue num 0-3`` (--queue-balance), with ``bypass`` and ``fanout`` (which
    iptables and nft refuse without a range)."""
    opts = ctx.options(target)
    data = {}
    if "queue-balance" in opts:
        low, high = ctx.value(opts["queue-balance"])
        number_text = f"{low}-{high}"
        data["num"] = {"range": [low, high]}
    else:
        number = ctx.value(opts["queue-num"]) if "queue-num" in opts else 0
        number_text = str(number)
        data["num"] = number
    flags = [nft for ipt, nft in (("queue-bypass", "bypass"), ("queue-cpu-fanout", "fanout")) if ipt in opts
             and (nft != "fanout" or "queue-balance" in opts)]  # fanout spreads over a range only
    text = f"queue num {number_text}" + (f" {','.join(flags)}" if flags else "")
    if flags:
        data["flags"] = flags[0] if len(flags) == 1 else flags
    return [ctx.statement(text, {"queue": data}, "verdict")]


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """--queue-cpu-fanout spreads packets over the --queue-balance range: iptables 1.8.9 refuses
    it without one ('option "--queue-cpu-fanout" also requires "--queue-balance"'), with or
    without --queue-num."""
    names = {o.name for o in options}
    if "queue-cpu-fanout" in names and "queue-balance" not in names:
        yield ValueProblem("queue-cpu-fanout", "--queue-cpu-fanout needs --queue-balance (a range of "
                                               "queues to spread over): iptables refuses it without")


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
    nft=_nft,
    meaning=_meaning,
    exclusive=(frozenset({"queue-num", "queue-balance"}),),
    validate=_validate,
)
