"""MASQUERADE: source NAT to the address of the outgoing interface, forgotten when it goes down."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import NAT_PORTS


def _meaning(target, enc):
    """Decides (the nat table's ACCEPT after rewriting)."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))


def _concrete(target, ctx):
    """The source becomes the output interface's address; the port is kept, or taken from
    --to-ports; the table accepts the packet."""
    opts = ctx.options(target)
    ports = ctx.value(opts["to-ports"]) if "to-ports" in opts else None
    return ctx.masquerade(target, ports, randomised="random" in opts or "random-fully" in opts)


def _nft(target, ctx):
    """``masquerade``, ``masquerade to :1024-65535``, with ``random``/``fully-random``."""
    opts = ctx.options(target)
    ports = ctx.value(opts["to-ports"]) if "to-ports" in opts else None
    flags = [nft for ipt, nft in (("random", "random"), ("random-fully", "fully-random")) if ipt in opts]
    return [ctx.nat("masquerade", None, flags, ports)]


EXTENSION = target(
    "MASQUERADE",
    OptionSpec("to-ports", value=NAT_PORTS,
               help="source port or port-port range to use (needs -p tcp, udp, dccp or sctp)"),
    OptionSpec("random", arity=0, help="randomise the source port mapping"),
    OptionSpec("random-fully", arity=0, help="fully randomise the source port mapping"),
    summary="rewrite the source to the outgoing interface's address (dynamic addresses)",
    tables=frozenset({"nat"}),
    chains=frozenset({"POSTROUTING"}),
    terminal=True,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
