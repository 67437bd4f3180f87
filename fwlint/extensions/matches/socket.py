"""socket: an open local socket exists for the packet (transparent proxying)."""

from fwlint.extensions import Opaque, OptionSpec, match

EXTENSION = match(
    "socket",
    OptionSpec("transparent", arity=0, help="only transparent (IP_TRANSPARENT) sockets count"),
    OptionSpec("nowildcard", arity=0, help="also count sockets bound to the any address"),
    OptionSpec("restore-skmark", arity=0, help="copy the socket's mark to the packet"),
    summary="a local TCP/UDP socket for the packet",
    chains=frozenset({"PREROUTING", "INPUT"}),
    meaning=Opaque("depends on the sockets open at the time"),
)
