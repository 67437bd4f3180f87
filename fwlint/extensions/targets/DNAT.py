"""DNAT: rewrite the destination address (and port) of a new connection."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import NAT_RANGE


def _meaning(target, enc):
    """Decides (the nat table's ACCEPT after rewriting): the outcome is the mapping."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))



def _concrete(target, ctx):
    """The destination becomes the address (one of the range: the kernel picks by a hash) and
    port given (a port already in the range is kept); the table accepts the packet."""
    opts = ctx.options(target)
    mapping = ctx.value(opts["to-destination"]) if "to-destination" in opts else None
    if mapping is None:
        ctx.refuse("-j DNAT needs --to-destination")
    return ctx.nat_destination(target, mapping.first, mapping.last, mapping.ports,
                               randomised="random" in opts)


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
    concrete=_concrete,
    required=(frozenset({"to-destination"}),),
)
