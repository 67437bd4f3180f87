"""rt: fields of the IPv6 routing header."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import ADDRESS_LIST, UINT32, UINT32_RANGE


def _nft(match, ctx):
    """The routing header's fields: ``rt type 2``, ``rt seg-left 0-5``, --rt-len as ``rt
    hdrlength`` (8-octet units less one); negated ``!=``.  The type-0 address tests have no nft
    form.  Without options, ``exthdr rt exists``."""
    def field(name):
        return ctx.term(f"rt {name}", {"exthdr": {"name": "rt", "field": name}})

    parts = []
    for name, opt in ctx.options(match).items():
        if name == "rt-type":
            parts.append(ctx.match(field("type"), ctx.number(ctx.value(opt)), opt.negated))
        elif name == "rt-segsleft":
            low, high = ctx.value(opt)
            if low > high:
                if not opt.negated:
                    ctx.never(f"range {opt.values[0]} runs backwards", opt)
                continue
            parts.append(ctx.match(field("seg-left"), ctx.range(low, high), opt.negated))
        elif name == "rt-len":
            octets = ctx.value(opt)
            if octets % 8 or octets < 8:
                if not opt.negated:
                    ctx.never(f"--rt-len {octets}: the header is a multiple of 8 octets", opt)
                continue
            parts.append(ctx.match(field("hdrlength"), ctx.number(octets // 8 - 1), opt.negated))
        else:
            ctx.refuse(f"{opt.written}: nft cannot test a type-0 routing header's addresses or "
                       "reserved field", opt)
    if not parts:
        parts.append(ctx.match(ctx.term("exthdr rt", {"exthdr": {"name": "rt"}}),
                               ctx.literal("exists", True)))
    return parts


EXTENSION = match(
    "rt",
    OptionSpec("rt-type", value=UINT32, invertible=True, help="routing header type (a number)"),
    OptionSpec("rt-segsleft", value=UINT32_RANGE, invertible=True,
               help="segments left, num or num:num"),
    OptionSpec("rt-len", value=UINT32, invertible=True, help="length of the header"),
    OptionSpec("rt-0-res", arity=0, help="also match the reserved field (type 0)"),
    OptionSpec("rt-0-addrs", value=ADDRESS_LIST, help="the type-0 address list, comma-separated"),
    OptionSpec("rt-0-not-strict", arity=0, help="the --rt-0-addrs list need not be exact"),
    summary="IPv6 routing header",
    family=6,
    nft=_nft,
    meaning=Opaque("IPv6 routing header fields are not modelled"),
)
