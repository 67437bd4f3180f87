"""ecn: the ECN bits of the IP header and the ECN flags of the TCP header."""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import OptionSpec, Placement, match
from fwlint.extensions.values import integer


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    """The TCP flags only with a positive -p tcp (the kernel refuses them otherwise, at commit:
    "cannot match TCP bits for non-tcp packets")."""
    for opt in options:
        if opt.name in ("ecn-tcp-cwr", "ecn-tcp-ece"):
            yield Placement(opt.name, protocols=frozenset({"tcp", "6"}))


_LATER_FRAGMENT = ("-m ecn --ecn-tcp-cwr/--ecn-tcp-ece on a later fragment (the kernel reads "
                   "the fragment's payload as a TCP header, if it is long enough)")


def _meaning(match, enc):
    """--ecn-ip-ect: the low two bits of the TOS byte.  --ecn-tcp-cwr/--ecn-tcp-ece: the TCP
    flag, each inverted by its `!`; xt_ecn reads the TCP header at the transport offset
    without looking at the fragment offset, and returns false (whatever the `!`) when fewer
    bytes than a TCP header are there: in a first fragment the flag (the model has no
    truncated headers, as for the tcp match's ports), in a later one whatever its payload
    holds there, or false (not modelled: may match, surely does not)."""
    from fwlint.analysis.meaning import Meaning

    opts = enc.options(match)
    if not opts:
        enc.refuse("-m ecn needs an option")
    out = enc.true
    tcp = None
    for name, opt in opts.items():
        if name == "ecn-ip-ect":
            out &= enc.negate(enc.masked("tos", enc.value(opt), 0x03), opt)
        else:
            flag = "CWR" if name == "ecn-tcp-cwr" else "ECE"
            cond = enc.negate(enc.tcp_flags((flag,), (flag,)), opt)
            tcp = cond if tcp is None else tcp & cond
    if tcp is None:
        return out
    later = enc.fragment()
    return Meaning(out & (tcp | later), out & tcp & ~later, (_LATER_FRAGMENT,))


def _concrete(match, pkt):
    """As ecn_mt: the ECN field (the TOS byte's low two bits) equals --ecn-ip-ect; the TCP
    header's ECE / CWR flag is set, each inverted by its !; in a later fragment the TCP
    flags are read from its payload: unknown."""
    opts = pkt.options(match)
    if not opts:
        pkt.refuse("-m ecn needs an option")
    results = []
    for name, opt in opts.items():
        if name == "ecn-ip-ect":
            ect = pkt.value(opt)
            results.append(pkt.invert(pkt.test("tos", lambda tos: tos & 0x03 == ect), opt))
        else:
            bit = 0x80 if name == "ecn-tcp-cwr" else 0x40
            flag = pkt.invert(pkt.test("tcpflags", lambda flags: bool(flags & bit)), opt)
            first = pkt.first_fragment()
            results.append(pkt.any(pkt.all(first, flag),
                                   pkt.all(pkt.invert(first), pkt.unknown(_LATER_FRAGMENT))))
    return pkt.all(*results)


def _nft(match, ctx):
    """--ecn-tcp-cwr/--ecn-tcp-ece as ``tcp flags & cwr == cwr`` (``ecn``), --ecn-ip-ect as
    ``ip ecn N``; negated ``!=``."""
    parts = []
    for name, opt in ctx.options(match).items():
        if name in ("ecn-tcp-cwr", "ecn-tcp-ece"):
            flag = "cwr" if name == "ecn-tcp-cwr" else "ecn"
            bit = ctx.bits([flag])
            parts.append(ctx.compare(ctx.masked(ctx.payload("tcp", "flags"), bit),
                                     "!=" if opt.negated else "==", bit))
        elif name == "ecn-ip-ect":
            parts.append(ctx.match(ctx.ip("ecn"), ctx.number(ctx.value(opt)), opt.negated))
    return parts


EXTENSION = match(
    "ecn",
    OptionSpec("ecn-tcp-cwr", arity=0, invertible=True, help="TCP CWR flag set (needs -p tcp)"),
    OptionSpec("ecn-tcp-ece", arity=0, invertible=True, help="TCP ECE flag set (needs -p tcp)"),
    OptionSpec("ecn-ip-ect", value=integer(0, 3), invertible=True,
               help="the IP header's ECN field equals this, 0-3"),
    summary="explicit congestion notification bits",
    placement=_placement,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"ecn-tcp-cwr", "ecn-tcp-ece", "ecn-ip-ect"}),),
)
