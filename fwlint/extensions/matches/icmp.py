"""icmp: the ICMP type and code of IPv4 ICMP messages (loaded by ``-p icmp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import ICMP_TYPE


def _meaning(match, enc):
    """An ICMP message that is not a later fragment, of this type and code range ("any", the
    default, takes every type)."""
    parts = [enc.protocol(1), enc.not_fragment()]
    for opt in enc.options(match).values():
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


_NFT_TYPES = {0: "echo-reply", 3: "destination-unreachable", 4: "source-quench", 5: "redirect",
              8: "echo-request", 9: "router-advertisement", 10: "router-solicitation",
              11: "time-exceeded", 12: "parameter-problem", 13: "timestamp-request",
              14: "timestamp-reply", 15: "info-request", 16: "info-reply", 17: "address-mask-request",
              18: "address-mask-reply"}


def _nft(match, ctx):
    """``icmp type echo-request``; with codes, ``icmp code``; negated, a type and code pair is
    two disjoint rules (another type; the type with another code).  ``any`` is every ICMP
    packet that is no later fragment (``icmp type 0-255``)."""
    opts = ctx.options(match)
    if "icmp-type" not in opts:
        ctx.refuse("-m icmp needs --icmp-type (iptables refuses it)", match, refused=True)
    opt = opts["icmp-type"]
    type_, low, high = ctx.value(opt)
    icmp_type, icmp_code = ctx.payload("icmp", "type"), ctx.payload("icmp", "code")
    if type_ == 255:
        if opt.negated:
            ctx.never("! --icmp-type any excludes every ICMP packet", opt)
        return [ctx.match(icmp_type, ctx.range(0, 255))]
    named = ctx.symbol(_NFT_TYPES[type_], "icmp_type", type_) if type_ in _NFT_TYPES else \
        ctx.number(type_, "icmp_type")
    if (low, high) == (0, 255):
        return [ctx.match(icmp_type, named, opt.negated)]
    codes = ctx.range(low, high, "icmp_code")
    if not opt.negated:
        return [ctx.match(icmp_type, named), ctx.match(icmp_code, codes)]
    return ctx.any_of([ctx.match(icmp_type, named, True)],
                      [ctx.match(icmp_type, named), ctx.match(icmp_code, codes, True)])


EXTENSION = match(
    "icmp",
    OptionSpec("icmp-type", value=ICMP_TYPE, invertible=True,
               help="a type name (echo-request, port-unreachable ...), a number, or type/code"),
    summary="ICMP type and code (IPv4)",
    protocols=frozenset({"icmp", "1"}),
    family=4,
    implied_by=frozenset({"icmp", "1"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"icmp-type"}),),
)
