"""hl: the hop limit field of the IPv6 header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT8


def _meaning(match, enc):
    """The hop limit equal to (! : different from), greater than or less than the value."""
    opts = enc.options(match)
    if len(opts) != 1:
        enc.refuse("-m hl takes exactly one of --hl-eq, --hl-gt, --hl-lt")
    (name, opt), = opts.items()
    value = enc.value(opt)
    if name == "hl-eq":
        return enc.negate(enc.equals("ttl", value), opt)
    if name == "hl-gt":
        return enc.range("ttl", value + 1, 255)
    return enc.range("ttl", 0, value - 1)


def _concrete(match, pkt):
    """As hl_mt6: the hop limit equal to (! : different from), less than or greater than the value."""
    opts = pkt.options(match)
    if len(opts) != 1:
        pkt.refuse("-m hl takes exactly one of --hl-eq, --hl-gt, --hl-lt")
    (name, opt), = opts.items()
    value = pkt.value(opt)
    if name == "hl-eq":
        return pkt.invert(pkt.test("ttl", lambda ttl: ttl == value), opt)
    if name == "hl-gt":
        return pkt.test("ttl", lambda ttl: ttl > value)
    return pkt.test("ttl", lambda ttl: ttl < value)


def _nft(match, ctx):
    """``ip6 hoplimit 64``, ``ip6 hoplimit > 10``, ``ip6 hoplimit < 10``; negated ``!=``."""
    parts = []
    for name, opt in ctx.options(match).items():
        value = ctx.number(ctx.value(opt))
        if name == "hl-eq":
            parts.append(ctx.match(ctx.payload("ip6", "hoplimit"), value, opt.negated))
        else:
            parts.append(ctx.compare(ctx.payload("ip6", "hoplimit"), ">" if name == "hl-gt" else "<", value))
    return parts


EXTENSION = match(
    "hl",
    OptionSpec("hl-eq", aliases=("hl",), value=UINT8, invertible=True, help="hop limit equals this"),
    OptionSpec("hl-gt", value=UINT8, help="hop limit is greater than this"),
    OptionSpec("hl-lt", value=UINT8, help="hop limit is less than this"),
    summary="IPv6 hop limit",
    family=6,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"hl-eq", "hl-gt", "hl-lt"}),),
    required=(frozenset({"hl-eq", "hl-lt", "hl-gt"}),),
)
