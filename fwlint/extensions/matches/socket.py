"""socket: an open local socket exists for the packet (transparent proxying)."""

from fwlint.extensions import Opaque, OptionSpec, match


def _nft(match, ctx):
    """A local socket for the packet: ``socket wildcard 0`` (one bound to a specific address, as
    socket_mt takes by default), ``socket wildcard 0-1`` with --nowildcard (any); with
    --transparent also ``socket transparent 1``.  --restore-skmark has no nft form."""
    opts = ctx.options(match)
    if "restore-skmark" in opts:
        ctx.refuse("--restore-skmark: the match also sets the packet mark; nft needs that written as "
                   "a rule of its own", opts["restore-skmark"])
    parts = []
    if "transparent" in opts:
        parts.append(ctx.match(ctx.term("socket transparent", {"socket": {"key": "transparent"}}),
                               ctx.number(1)))
    wildcard = ctx.term("socket wildcard", {"socket": {"key": "wildcard"}})
    parts.append(ctx.match(wildcard, ctx.range(0, 1) if "nowildcard" in opts else ctx.number(0)))
    return parts


EXTENSION = match(
    "socket",
    OptionSpec("transparent", arity=0, help="only transparent (IP_TRANSPARENT) sockets count"),
    OptionSpec("nowildcard", arity=0, help="also count sockets bound to the any address"),
    OptionSpec("restore-skmark", arity=0, help="copy the socket's mark to the packet"),
    summary="a local TCP/UDP socket for the packet",
    chains=frozenset({"PREROUTING", "INPUT"}),
    nft=_nft,
    meaning=Opaque("depends on the sockets open at the time"),
)
