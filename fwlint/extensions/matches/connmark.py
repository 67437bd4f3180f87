"""connmark: the mark on the packet's connection (ctmark), as set by the CONNMARK target."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import MARK


def _meaning(match, enc):
    """The packet has a conntrack entry and (ctmark & mask) == value (! inverts only the
    comparison: a packet without an entry never matches)."""
    opts = enc.options(match)
    if "mark" not in opts:
        enc.refuse("-m connmark needs --mark")
    opt = opts["mark"]
    value, mask = enc.value(opt)
    return enc.tracked() & enc.negate(enc.masked("ctmark", value, mask), opt)


def _concrete(match, pkt):
    """As connmark_mt: a packet without a connection never matches; else (ctmark & mask) ==
    value, inverted by !."""
    opts = pkt.options(match)
    if "mark" not in opts:
        pkt.refuse("-m connmark needs --mark")
    opt = opts["mark"]
    value, mask = pkt.value(opt)
    tracked = pkt.test("ctstate", lambda state: state in ("NEW", "ESTABLISHED", "RELATED"))
    return pkt.all(tracked, pkt.invert(pkt.test("ctmark", lambda mark: mark & mask == value), opt))


def _nft(match, ctx):
    """``ct mark 0x1``, or ``ct mark & 0xff == 0x1`` with a mask; negated ``!=``; a packet
    without a connection never matches (in nft: ct mark is not there to read)."""
    opts = ctx.options(match)
    if "mark" not in opts:
        ctx.refuse("-m connmark needs --mark (iptables refuses it)", match, refused=True)
    opt = opts["mark"]
    value, mask = ctx.value(opt)
    left = ctx.ct("mark")
    if mask != 0xFFFFFFFF:
        left = ctx.masked(left, ctx.hex(mask))
    return [ctx.match(left, ctx.hex(value), opt.negated)]


EXTENSION = match(
    "connmark",
    OptionSpec("mark", value=MARK, invertible=True,
               help="value[/mask]: the connection mark, ANDed with mask, equals value"),
    summary="connection mark (ctmark)",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"mark"}),),
)
