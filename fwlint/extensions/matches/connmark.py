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


EXTENSION = match(
    "connmark",
    OptionSpec("mark", value=MARK, invertible=True,
               help="value[/mask]: the connection mark, ANDed with mask, equals value"),
    summary="connection mark (ctmark)",
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"mark"}),),
)
