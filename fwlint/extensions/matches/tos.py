"""tos: the 8-bit Type of Service field (IPv4) or Traffic Class (IPv6)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import TOS


def _meaning(match, enc):
    """(TOS or traffic class & mask) == value."""
    opts = enc.options(match)
    if "tos" not in opts:
        enc.refuse("-m tos needs --tos")
    opt = opts["tos"]
    value, mask = enc.value(opt)
    return enc.negate(enc.masked("tos", value, mask), opt)


def _concrete(match, pkt):
    """As tos_mt: (TOS or traffic class & mask) == value, inverted by !."""
    opts = pkt.options(match)
    if "tos" not in opts:
        pkt.refuse("-m tos needs --tos")
    opt = opts["tos"]
    value, mask = pkt.value(opt)
    return pkt.invert(pkt.test("tos", lambda tos: tos & mask == value), opt)


def _nft(match, ctx):
    """The whole TOS (traffic class) byte under the mask, as a raw header field: ``@nh,8,8 &
    0x3f == 0x10`` (IPv6: ``@nh,4,8``); negated ``!=``."""
    opts = ctx.options(match)
    if "tos" not in opts:
        ctx.refuse("-m tos needs --tos (iptables refuses it)", match, refused=True)
    opt = opts["tos"]
    value, mask = ctx.value(opt)
    offset = 8 if ctx.family == 4 else 4
    left = ctx.term(f"@nh,{offset},8", {"payload": {"base": "nh", "offset": offset, "len": 8}})
    if mask != 0xFF:
        left = ctx.masked(left, ctx.hex(mask, "integer"))
    return [ctx.match(left, ctx.hex(value & mask, "integer"), opt.negated)]


EXTENSION = match(
    "tos",
    OptionSpec("tos", value=TOS, invertible=True,
               help="value[/mask], or (IPv4) a name like Minimize-Delay, which implies mask 0x3f"),
    summary="type of service / traffic class byte",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"tos"}),),
)
