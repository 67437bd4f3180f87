"""REDIRECT: destination NAT to this machine (the incoming interface's address, or loopback)."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import NAT_PORTS_UNSHIFTED


def _meaning(target, enc):
    """Decides (the nat table's ACCEPT after rewriting)."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))


def _concrete(target, ctx):
    """The destination becomes this host (the input interface's address; loopback from
    OUTPUT); the port is kept, or taken from --to-ports; the table accepts the packet."""
    opts = ctx.options(target)
    ports = ctx.value(opts["to-ports"]) if "to-ports" in opts else None
    return ctx.redirect(target, ports, randomised="random" in opts)


def _nft(target, ctx):
    """``redirect``, ``redirect to :8080``, with ``random``."""
    opts = ctx.options(target)
    ports = ctx.value(opts["to-ports"]) if "to-ports" in opts else None
    return [ctx.nat("redirect", None, ["random"] if "random" in opts else [], ports)]


EXTENSION = target(
    "REDIRECT",
    OptionSpec("to-ports", value=NAT_PORTS_UNSHIFTED,
               help="destination port or port-port range (needs -p tcp, udp, dccp or sctp)"),
    OptionSpec("random", arity=0, help="randomise the port mapping"),
    summary="send the connection to a local port",
    tables=frozenset({"nat"}),
    chains=frozenset({"PREROUTING", "OUTPUT"}),
    terminal=True,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
