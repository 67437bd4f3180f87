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


def _nft(target, ctx):
    """``snat to 192.0.2.1`` (``snat ip to`` in an inet table), ranges as ranges, with
    ``random``, ``fully-random``, ``persistent``."""
    opts = ctx.options(target)
    if "to-source" not in opts:
        ctx.refuse("-j SNAT needs --to-source (iptables refuses it)", target, refused=True)
    opt = opts["to-source"]
    if "/" in opt.values[0].rpartition(":")[2]:
        ctx.refuse(f"{opt.written} {opt.values[0]}: nft has no shifted port mapping (port/base)", opt)
    flags = [nft for ipt, nft in (("random", "random"), ("random-fully", "fully-random"),
                                  ("persistent", "persistent")) if ipt in opts]
    return [ctx.nat("snat", ctx.value(opt), flags)]


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
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"to-source"}),),
)
