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



def _concrete(match, pkt):
    """As icmp6_match: a later fragment never matches; the type equal and the code within the
    range (ICMPv6 has no "any" type: 255 is the type 255); ! inverts that."""
    results = [pkt.test("proto", lambda proto: proto == 58), pkt.first_fragment()]
    for name, opt in pkt.options(match).items():
        type_, low, high = pkt.value(opt)
        hit = pkt.all(pkt.test("icmptype", lambda t: t == type_),
                      pkt.test("icmpcode", lambda code: low <= code <= high))
        results.append(pkt.invert(hit, opt))
    return pkt.all(*results)


EXTENSION = match(
    "icmp6",
    OptionSpec("icmpv6-type", value=ICMPV6_TYPE, invertible=True,
               help="a type name (echo-request, neighbour-solicitation ...), a number, or type/code"),
    summary="ICMPv6 type and code",
    protocols=_ICMPV6,
    family=6,
    implied_by=_ICMPV6,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"icmpv6-type"}),),
)
