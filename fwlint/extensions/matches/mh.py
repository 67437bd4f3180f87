"""mh: the type of an IPv6 Mobility Header message (loaded by ``-p mh`` or ``-p ipv6-mh``)."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import MH_TYPE_RANGE


def _nft(match, ctx):
    """``mh type 1-4`` (the Mobility Header type), negated ``!=``."""
    parts = []
    for name, opt in ctx.options(match).items():
        low, high = ctx.value(opt)
        if low > high:
            if not opt.negated:
                ctx.never(f"type range {opt.values[0]} runs backwards", opt)
            continue
        left = ctx.term("mh type", {"exthdr": {"name": "mh", "field": "type"}})
        parts.append(ctx.match(left, ctx.range(low, high), opt.negated))
    if not parts:
        parts.append(ctx.match(ctx.term("exthdr mh", {"exthdr": {"name": "mh"}}),
                               ctx.literal("exists", True)))
    return parts


EXTENSION = match(
    "mh",
    OptionSpec("mh-type", value=MH_TYPE_RANGE, invertible=True,
               help="type or type:type, by number or name (binding-update, bu ...)"),
    summary="IPv6 mobility header type",
    protocols=frozenset({"mh", "ipv6-mh", "mobility-header", "135"}),
    family=6,
    implied_by=frozenset({"mh", "ipv6-mh", "135"}),
    nft=_nft,
    meaning=Opaque("the mobility header type is not modelled"),
)
