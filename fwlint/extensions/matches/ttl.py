"""ttl: the time-to-live field of the IPv4 header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT8


def _meaning(match, enc):
    """The TTL equal to (! : different from), greater than or less than the value."""
    opts = enc.options(match)
    if len(opts) != 1:
        enc.refuse("-m ttl takes exactly one of --ttl-eq, --ttl-gt, --ttl-lt")
    (name, opt), = opts.items()
    value = enc.value(opt)
    if name == "ttl-eq":
        return enc.negate(enc.equals("ttl", value), opt)
    if name == "ttl-gt":
        return enc.range("ttl", value + 1, 255)
    return enc.range("ttl", 0, value - 1)


def _concrete(match, pkt):
    """As ttl_mt: the TTL equal to (! : different from), less than or greater than the value."""
    opts = pkt.options(match)
    if len(opts) != 1:
        pkt.refuse("-m ttl takes exactly one of --ttl-eq, --ttl-gt, --ttl-lt")
    (name, opt), = opts.items()
    value = pkt.value(opt)
    if name == "ttl-eq":
        return pkt.invert(pkt.test("ttl", lambda ttl: ttl == value), opt)
    if name == "ttl-gt":
        return pkt.test("ttl", lambda ttl: ttl > value)
    return pkt.test("ttl", lambda ttl: ttl < value)


def _nft(match, ctx):
    """``ip ttl 64``, ``ip ttl > 10``, ``ip ttl < 10``; negated ``!=``."""
    parts = []
    for name, opt in ctx.options(match).items():
        value = ctx.number(ctx.value(opt))
        if name == "ttl-eq":
            parts.append(ctx.match(ctx.payload("ip", "ttl"), value, opt.negated))
        else:
            parts.append(ctx.compare(ctx.payload("ip", "ttl"), ">" if name == "ttl-gt" else "<", value))
    return parts


EXTENSION = match(
    "ttl",
    OptionSpec("ttl-eq", aliases=("ttl",), value=UINT8, invertible=True, help="TTL equals this"),
    OptionSpec("ttl-gt", value=UINT8, help="TTL is greater than this"),
    OptionSpec("ttl-lt", value=UINT8, help="TTL is less than this"),
    summary="IPv4 time to live",
    family=4,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"ttl-eq", "ttl-gt", "ttl-lt"}),),
    required=(frozenset({"ttl-eq", "ttl-lt", "ttl-gt"}),),
)
