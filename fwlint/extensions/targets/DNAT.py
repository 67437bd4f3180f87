"""DNAT: rewrite the destination address (and port) of a new connection."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import NAT_RANGE


def _meaning(target, enc):
    """Decides (the nat table's ACCEPT after rewriting): the outcome is the mapping."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))


EXTENSION = target(
    "DNAT",
    OptionSpec("to-destination", value=NAT_RANGE, help="address[-address][:port[-port]]"),
    OptionSpec("random", arity=0, help="randomise the port mapping"),
    OptionSpec("persistent", arity=0, help="same mapping for a client across connections"),
    summary="rewrite the destination of a new connection",
    tables=frozenset({"nat"}),
    chains=frozenset({"PREROUTING", "OUTPUT"}),
    terminal=True,
    meaning=_meaning,
    required=(frozenset({"to-destination"}),),
)
