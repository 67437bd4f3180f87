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


def _nft(target, ctx):
    """``dnat to 10.1.2.3:80`` (``dnat ip to`` in an inet table), ranges as ranges, with
    ``random``/``persistent``; a port needs the rule's protocol match, which is kept."""
    opts = ctx.options(target)
    if "to-destination" not in opts:
        ctx.refuse("-j DNAT needs --to-destination (iptables refuses it)", target, refused=True)
    opt = opts["to-destination"]
    if "/" in opt.values[0].rpartition(":")[2]:
        ctx.refuse(f"{opt.written} {opt.values[0]}: nft has no shifted port mapping (port/base)", opt)
    flags = [f for f in ("random", "persistent") if f in opts]
    return [ctx.nat("dnat", ctx.value(opt), flags)]


EXTENSION = target(
    "DNAT",
    OptionSpec("to-destination", value=NAT_RANGE, help="address[-address][:port[-port]]"),
    OptionSpec("random", arity=0, help="randomise the port mapping"),
    OptionSpec("persistent", arity=0, help="same mapping for a client across connections"),
    summary="rewrite the destination of a new connection",
    tables=frozenset({"nat"}),
    chains=frozenset({"PREROUTING", "OUTPUT"}),
    terminal=True,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"to-destination"}),),
)
