"""frag: fields of the IPv6 fragment header."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32, UINT32_RANGE


def _nft(match, ctx):
    """The fragment header's fields: ``frag id 1-10``, ``frag reserved 0`` (--fragres: both reserved
    fields zero), ``frag frag-off 0`` (--fragfirst), ``frag more-fragments 1`` (--fragmore) or
    ``0`` (--fraglast); without options, ``exthdr frag exists``.  ip6t_frag never looks at
    --fraglen, so neither does the translation."""
    def field(name):
        return ctx.term(f"frag {name}", {"exthdr": {"name": "frag", "field": name}})

    parts = []
    for name, opt in ctx.options(match).items():
        if name == "fragid":
            low, high = ctx.value(opt)
            if low > high:
                if not opt.negated:
                    ctx.never(f"id range {opt.values[0]} runs backwards", opt)
                continue
            parts.append(ctx.match(field("id"), ctx.range(low, high), opt.negated))
        elif name == "fragres":
            parts.append(ctx.match(field("reserved"), ctx.number(0)))
            parts.append(ctx.match(field("reserved2"), ctx.number(0)))
        elif name == "fragfirst":
            parts.append(ctx.match(field("frag-off"), ctx.number(0)))
        elif name == "fragmore":
            parts.append(ctx.match(field("more-fragments"), ctx.number(1)))
        elif name == "fraglast":
            parts.append(ctx.match(field("more-fragments"), ctx.number(0)))
    if not parts:
        parts.append(ctx.match(ctx.term("exthdr frag", {"exthdr": {"name": "frag"}}),
                               ctx.literal("exists", True)))
    return parts


EXTENSION = match(
    "frag",
    OptionSpec("fragid", value=UINT32_RANGE, invertible=True, help="identification, id or id:id"),
    OptionSpec("fraglen", value=UINT32, invertible=True,
               help="header length; refused by kernels since 2.6.10 (the length is fixed)"),
    OptionSpec("fragres", arity=0, help="the reserved fields are zero"),
    OptionSpec("fragfirst", arity=0, help="the first fragment"),
    OptionSpec("fragmore", arity=0, help="more fragments follow"),
    OptionSpec("fraglast", arity=0, help="the last fragment"),
    summary="IPv6 fragment header",
    family=6,
    nft=_nft,
    meaning=Opaque("IPv6 fragment header fields are not modelled"),
)
