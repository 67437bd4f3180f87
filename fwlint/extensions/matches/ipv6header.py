"""ipv6header: which IPv6 extension headers (and upper-layer header) the packet carries."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import IPV6_HEADER_LIST

EXTENSION = match(
    "ipv6header",
    OptionSpec("header", value=IPV6_HEADER_LIST, invertible=True,
               help="comma-separated: hop (hop-by-hop), dst, route, frag, auth, esp, none, prot, "
                    "or a protocol name or number; exactly these unless --soft"),
    OptionSpec("soft", arity=0, help="match if any of the --header headers is present"),
    summary="IPv6 extension headers present",
    family=6,
    meaning=Opaque("IPv6 extension headers are not modelled"),
    required=(frozenset({"header"}),),
)
