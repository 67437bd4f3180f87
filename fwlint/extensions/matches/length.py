"""length: the length of the layer-3 packet, a value or a range."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT16_RANGE


def _meaning(match, enc):
    """The layer-3 length is within the range."""
    opts = enc.options(match)
    if "length" not in opts:
        enc.refuse("-m length needs --length")
    opt = opts["length"]
    low, high = enc.value(opt)
    return enc.negate(enc.range("length", low, high), opt)


def _concrete(match, pkt):
    """As length_mt: min <= layer-3 length <= max, inverted by !."""
    opts = pkt.options(match)
    if "length" not in opts:
        pkt.refuse("-m length needs --length")
    opt = opts["length"]
    low, high = pkt.value(opt)
    return pkt.invert(pkt.test("length", lambda length: low <= length <= high), opt)


def _nft(match, ctx):
    """``ip length 100-200`` (the IPv4 total length, as length_mt reads it); in IPv6 the payload
    length plus the 40-octet header: ``ip6 length`` of the range less 40.  Negated ``!=``."""
    opts = ctx.options(match)
    if "length" not in opts:
        ctx.refuse("-m length needs --length (iptables refuses it)", match, refused=True)
    opt = opts["length"]
    low, high = ctx.value(opt)
    if low > high:
        if not opt.negated:
            ctx.never(f"length range {opt.values[0]} runs backwards", opt)
        return []
    if ctx.family == 6:
        if high < 40:
            if not opt.negated:
                ctx.never(f"an IPv6 packet is 40 octets at least, not {opt.values[0]}", opt)
            return []
        low, high = max(low, 40) - 40, high - 40
    return [ctx.match(ctx.ip("length"), ctx.range(low, high), opt.negated)]


EXTENSION = match(
    "length",
    OptionSpec("length", value=UINT16_RANGE, invertible=True, help="length or length:length in bytes"),
    summary="packet length",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"length"}),),
)
