"""icmp6: the ICMPv6 type and code (loaded by ``-p ipv6-icmp`` or ``icmpv6`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import ICMPV6_TYPE

_ICMPV6 = frozenset({"ipv6-icmp", "icmpv6", "58"})  # `-p icmp6` is no protocol name to iptables


def _meaning(match, enc):
    """An ICMPv6 message that is not a later fragment, of this type and code range."""
    parts = [enc.protocol(58), enc.not_fragment()]
    for name, opt in enc.options(match).items():
        type_, low, high = enc.value(opt)
        parts.append(enc.negate(enc.icmp(type_, low, high), opt))
    return enc.all(*parts)


EXTENSION = match(
    "icmp6",
    OptionSpec("icmpv6-type", value=ICMPV6_TYPE, invertible=True,
               help="a type name (echo-request, neighbour-solicitation ...), a number, or type/code"),
    summary="ICMPv6 type and code",
    protocols=_ICMPV6,
    family=6,
    implied_by=_ICMPV6,
    meaning=_meaning,
    required=(frozenset({"icmpv6-type"}),),
)
