"""icmp6: the ICMPv6 type and code (loaded by ``-p ipv6-icmp``, ``icmpv6`` or ``icmp6`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import ICMPV6_TYPE

_ICMPV6 = frozenset({"ipv6-icmp", "icmpv6", "icmp6", "58"})

EXTENSION = match(
    "icmp6",
    OptionSpec("icmpv6-type", value=ICMPV6_TYPE, invertible=True,
               help="a type name (echo-request, neighbour-solicitation ...), a number, or type/code"),
    summary="ICMPv6 type and code",
    protocols=_ICMPV6,
    family=6,
    implied_by=_ICMPV6,
)
