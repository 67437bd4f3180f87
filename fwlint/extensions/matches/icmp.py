"""icmp: the ICMP type and code of IPv4 ICMP messages (loaded by ``-p icmp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import ICMP_TYPE


def _meaning(match, enc):
    """An ICMP message that is not a later fragment, of this type and code range ("any", the
    default, takes every type)."""
    parts = [enc.protocol(1), enc.not_fragment()]
    for name, opt in enc.options(match).items():
        type_, low, high = enc.value(opt)
        parts.append(enc.negate(enc.icmp(type_, low, high), opt))
    return enc.all(*parts)



def _concrete(match, pkt):
    """As icmp_match: a later fragment never matches; type 255 ("any") takes every message,
    else the type equal and the code within the range; ! inverts that."""
    results = [pkt.test("proto", lambda proto: proto == 1), pkt.first_fragment()]
    for name, opt in pkt.options(match).items():
        type_, low, high = pkt.value(opt)
        if type_ == 255:
            hit = True
        else:
            hit = pkt.all(pkt.test("icmptype", lambda t: t == type_),
                          pkt.test("icmpcode", lambda code: low <= code <= high))
        results.append(pkt.invert(hit, opt))
    return pkt.all(*results)


EXTENSION = match(
    "icmp",
    OptionSpec("icmp-type", value=ICMP_TYPE, invertible=True,
               help="a type name (echo-request, port-unreachable ...), a number, or type/code"),
    summary="ICMP type and code (IPv4)",
    protocols=frozenset({"icmp", "1"}),
    family=4,
    implied_by=frozenset({"icmp", "1"}),
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"icmp-type"}),),
)
