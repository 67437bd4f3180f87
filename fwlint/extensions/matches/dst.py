"""dst: length and options of the IPv6 Destination Options header."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import IPV6_OPTIONS, UINT32


def _nft(match, ctx):
    """--dst-len as ``dst hdrlength`` (nft reads the field, in 8-octet units less one, ip6t_dst
    compares octets); --dst-opts has no nft form.  Without options, ``exthdr dst exists``."""
    parts = []
    for name, opt in ctx.options(match).items():
        if name == "dst-opts":
            ctx.refuse("--dst-opts: nft cannot test the options of a destination options header", opt)
        octets = ctx.value(opt)
        if octets % 8 or octets < 8:
            if not opt.negated:
                ctx.never(f"--dst-len {octets}: the header is a multiple of 8 octets", opt)
            parts.append(ctx.match(ctx.term("exthdr dst", {"exthdr": {"name": "dst"}}),
                                   ctx.literal("exists", True)))
            continue
        left = ctx.term("dst hdrlength", {"exthdr": {"name": "dst", "field": "hdrlength"}})
        parts.append(ctx.match(left, ctx.number(octets // 8 - 1), opt.negated))
    if not parts:
        parts.append(ctx.match(ctx.term("exthdr dst", {"exthdr": {"name": "dst"}}),
                               ctx.literal("exists", True)))
    return parts


EXTENSION = match(
    "dst",
    OptionSpec("dst-len", value=UINT32, invertible=True, help="header length in octets"),
    OptionSpec("dst-opts", value=IPV6_OPTIONS,
               help="type[:length][,type[:length]]...: the options, by number"),
    summary="IPv6 destination options header",
    family=6,
    nft=_nft,
    meaning=Opaque("IPv6 extension headers are not modelled"),
)
