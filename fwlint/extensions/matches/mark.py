"""mark: the packet's netfilter mark (nfmark), as set by the MARK target."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import MARK


def _meaning(match, enc):
    """(nfmark & mask) == value."""
    opts = enc.options(match)
    if "mark" not in opts:
        enc.refuse("-m mark needs --mark")
    opt = opts["mark"]
    value, mask = enc.value(opt)
    return enc.negate(enc.masked("mark", value, mask), opt)


def _concrete(match, pkt):
    """As mark_mt: (nfmark & mask) == value, inverted by !."""
    opts = pkt.options(match)
    if "mark" not in opts:
        pkt.refuse("-m mark needs --mark")
    opt = opts["mark"]
    value, mask = pkt.value(opt)
    return pkt.invert(pkt.test("mark", lambda mark: mark & mask == value), opt)


def _nft(match, ctx):
    """``meta mark 0x1``, or ``meta mark & 0xff == 0x1`` with a mask; negated ``!=``."""
    opts = ctx.options(match)
    if "mark" not in opts:
        ctx.refuse("-m mark needs --mark (iptables refuses it)", match, refused=True)
    opt = opts["mark"]
    value, mask = ctx.value(opt)
    left = ctx.meta("mark")
    if mask != 0xFFFFFFFF:
        left = ctx.masked(left, ctx.hex(mask))
    return [ctx.match(left, ctx.hex(value), opt.negated)]


EXTENSION = match(
    "mark",
    OptionSpec("mark", value=MARK, invertible=True,
               help="value[/mask]: the mark, ANDed with mask, equals value"),
    summary="packet mark (nfmark)",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"mark"}),),
)
