"""dscp: the 6-bit DiffServ code point of the IP header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import DSCP_CLASS, integer


def _meaning(match, enc):
    """The top six bits of the TOS / traffic class byte equal the code point."""
    opts = enc.options(match)
    if len(opts) != 1:
        enc.refuse("-m dscp takes exactly one of --dscp, --dscp-class")
    (opt,) = opts.values()
    return enc.negate(enc.masked("tos", enc.value(opt) << 2, 0xFC), opt)


def _concrete(match, pkt):
    """As dscp_mt: the TOS byte shifted right by two equals the code point, inverted by !."""
    opts = pkt.options(match)
    if len(opts) != 1:
        pkt.refuse("-m dscp takes exactly one of --dscp, --dscp-class")
    (name, opt), = opts.items()
    code = pkt.value(opt)
    return pkt.invert(pkt.test("tos", lambda tos: tos >> 2 == code), opt)


def _nft(match, ctx):
    """``ip dscp 0x2e`` (``ip6 dscp``), negated ``!=``."""
    parts = []
    for name, opt in ctx.options(match).items():
        parts.append(ctx.match(ctx.ip("dscp"), ctx.hex(ctx.value(opt), "dscp"), opt.negated))
    return parts


EXTENSION = match(
    "dscp",
    OptionSpec("dscp", value=integer(0, 63), invertible=True, help="code point 0-63 (decimal or hex)"),
    OptionSpec("dscp-class", value=DSCP_CLASS, invertible=True,
               help="a DiffServ class: BE, EF, AF11-AF43, CS0-CS7"),
    summary="DiffServ code point",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"dscp", "dscp-class"}),),
    required=(frozenset({"dscp", "dscp-class"}),),
)
