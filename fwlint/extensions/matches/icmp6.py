"""icmp6: the ICMPv6 type and code (loaded by ``-p ipv6-icmp`` or ``icmpv6`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import ICMPV6_TYPE

_ICMPV6 = frozenset({"ipv6-icmp", "icmpv6", "58"})  # `-p icmp6` is no protocol name to iptables


def _meaning(match, enc):
    """An ICMPv6 message that is not a later fragment, of this type and code range."""
    parts = [enc.protocol(58), enc.not_fragment()]
    for opt in enc.options(match).values():
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


_NFT_TYPES = {1: "destination-unreachable", 2: "packet-too-big", 3: "time-exceeded",
              4: "parameter-problem", 128: "echo-request", 129: "echo-reply",
              130: "mld-listener-query", 131: "mld-listener-report", 132: "mld-listener-done",
              133: "nd-router-solicit", 134: "nd-router-advert", 135: "nd-neighbor-solicit",
              136: "nd-neighbor-advert", 137: "nd-redirect", 138: "router-renumbering",
              141: "ind-neighbor-solicit", 142: "ind-neighbor-advert", 143: "mld2-listener-report"}


def _nft(match, ctx):
    """``icmpv6 type echo-request``; with codes, ``icmpv6 code``; negated, a type and code pair
    is two disjoint rules (another type; the type with another code)."""
    opts = ctx.options(match)
    if "icmpv6-type" not in opts:
        ctx.refuse("-m icmp6 needs --icmpv6-type (ip6tables refuses it)", match, refused=True)
    opt = opts["icmpv6-type"]
    type_, low, high = ctx.value(opt)
    icmp_type, icmp_code = ctx.payload("icmpv6", "type"), ctx.payload("icmpv6", "code")
    named = ctx.symbol(_NFT_TYPES[type_], "icmpv6_type", type_) if type_ in _NFT_TYPES else \
        ctx.number(type_, "icmpv6_type")
    if (low, high) == (0, 255):
        return [ctx.match(icmp_type, named, opt.negated)]
    codes = ctx.range(low, high, "icmpv6_code")
    if not opt.negated:
        return [ctx.match(icmp_type, named), ctx.match(icmp_code, codes)]
    return ctx.any_of([ctx.match(icmp_type, named, True)],
                      [ctx.match(icmp_type, named), ctx.match(icmp_code, codes, True)])


EXTENSION = match(
    "icmp6",
    OptionSpec("icmpv6-type", value=ICMPV6_TYPE, invertible=True,
               help="a type name (echo-request, neighbour-solicitation ...), a number, or type/code"),
    summary="ICMPv6 type and code",
    protocols=_ICMPV6,
    family=6,
    implied_by=_ICMPV6,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"icmpv6-type"}),),
)
