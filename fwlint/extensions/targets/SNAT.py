"""SNAT: rewrite the source address (and port) of a new connection."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import NAT_RANGE


def _meaning(target, enc):
    """Decides (the nat table's ACCEPT after rewriting): the outcome is the mapping."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))



def _concrete(target, ctx):
    """The source becomes the address (the original when it is in the range, else one of it)
    and port given (a port already in the range is kept); the table accepts the packet."""
    opts = ctx.options(target)
    mapping = ctx.value(opts["to-source"]) if "to-source" in opts else None
    if mapping is None:
        ctx.refuse("-j SNAT needs --to-source")
    return ctx.nat_source(target, mapping.first, mapping.last, mapping.ports,
                          randomised="random" in opts or "random-fully" in opts)


EXTENSION = target(
    "SNAT",
    OptionSpec("to-source", value=NAT_RANGE, help="[address[-address]][:port[-port]]"),
    OptionSpec("random", arity=0, help="randomise the port mapping (hash-based)"),
    OptionSpec("random-fully", arity=0, help="fully randomise the port mapping (PRNG)"),
    OptionSpec("persistent", arity=0, help="same mapping for a client across connections"),
    summary="rewrite the source of a new connection",
    tables=frozenset({"nat"}),
    chains=frozenset({"POSTROUTING", "INPUT"}),
    terminal=True,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"to-source"}),),
)
