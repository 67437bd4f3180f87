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


EXTENSION = match(
    "tos",
    OptionSpec("tos", value=TOS, invertible=True,
               help="value[/mask], or (IPv4) a name like Minimize-Delay, which implies mask 0x3f"),
    summary="type of service / traffic class byte",
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"tos"}),),
)
