"""iprange: source or destination address within an arbitrary from-to range."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import IP_RANGE


def _meaning(match, enc):
    """Source and/or destination address within from-to."""
    opts = enc.options(match)
    if not opts:
        enc.refuse("-m iprange needs --src-range or --dst-range")
    out = enc.true
    for name, opt in opts.items():
        low, high = enc.value(opt)
        field = "src" if name == "src-range" else "dst"
        out &= enc.negate(enc.address_range(field, low, high), opt)
    return out


def _concrete(match, pkt):
    """As iprange_mt: each address given a range is within it, each test inverted by its !."""
    opts = pkt.options(match)
    if not opts:
        pkt.refuse("-m iprange needs --src-range or --dst-range")
    results = []
    for name, opt in opts.items():
        low, high = pkt.value(opt)
        field = "src" if name == "src-range" else "dst"
        results.append(pkt.invert(pkt.in_address_range(field, low, high), opt))
    return pkt.all(*results)


def _nft(match, ctx):
    """``ip saddr 10.0.0.1-10.0.0.9`` (``ip6``), negated ``!=``."""
    parts = []
    for name, opt in ctx.options(match).items():
        low, high = ctx.value(opt)
        field = "saddr" if name == "src-range" else "daddr"
        parts.append(ctx.match(ctx.ip(field), ctx.address_range(low, high), opt.negated))
    return parts


EXTENSION = match(
    "iprange",
    OptionSpec("src-range", value=IP_RANGE, invertible=True, help="source address in from[-to]"),
    OptionSpec("dst-range", value=IP_RANGE, invertible=True, help="destination address in from[-to]"),
    summary="address ranges that are not a single prefix",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"src-range", "dst-range"}),),
)
