"""addrtype: the routing type of the source or destination address (LOCAL, BROADCAST ...)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import choice_list

_TYPE = choice_list("UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
                    "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
                    what="address type")

EXTENSION = match(
    "addrtype",
    OptionSpec("src-type", value=_TYPE, invertible=True,
               help="the source address is of this type (LOCAL, UNICAST, BROADCAST, MULTICAST ...)"),
    OptionSpec("dst-type", value=_TYPE, invertible=True,
               help="the destination address is of this type"),
    OptionSpec("limit-iface-in", arity=0,
               help="judge the type on the incoming interface only (PREROUTING, INPUT, FORWARD)"),
    OptionSpec("limit-iface-out", arity=0,
               help="judge the type on the outgoing interface only (POSTROUTING, OUTPUT, FORWARD)"),
    summary="address type (local, broadcast, multicast ...)",
)
