"""hbh: length and options of the IPv6 Hop-by-Hop Options header."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import IPV6_OPTIONS, UINT32


def _nft(match, ctx):
    """--hbh-len as ``hbh hdrlength`` (nft reads the field, in 8-octet units less one, ip6t_hbh
    compares octets); --hbh-opts has no nft form.  Without options, ``exthdr hbh exists``."""
    parts = []
    for name, opt in ctx.options(match).items():
        if name == "hbh-opts":
            ctx.refuse("--hbh-opts: nft cannot test the options of a hop-by-hop header", opt)
        octets = ctx.value(opt)
        if octets % 8 or octets < 8:
            if not opt.negated:
                ctx.never(f"--hbh-len {octets}: the header is a multiple of 8 octets", opt)
            parts.append(ctx.match(ctx.term("exthdr hbh", {"exthdr": {"name": "hbh"}}),
                                   ctx.literal("exists", True)))
            continue
        left = ctx.term("hbh hdrlength", {"exthdr": {"name": "hbh", "field": "hdrlength"}})
        parts.append(ctx.match(left, ctx.number(octets // 8 - 1), opt.negated))
    if not parts:
        parts.append(ctx.match(ctx.term("exthdr hbh", {"exthdr": {"name": "hbh"}}),
                               ctx.literal("exists", True)))
    return parts


EXTENSION = match(
    "hbh",
    OptionSpec("hbh-len", value=UINT32, invertible=True, help="header length in octets"),
    OptionSpec("hbh-opts", value=IPV6_OPTIONS,
               help="type[:length][,type[:length]]...: the options, by number"),
    summary="IPv6 hop-by-hop options header",
    family=6,
    nft=_nft,
    meaning=Opaque("IPv6 extension headers are not modelled"),
)
