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


EXTENSION = match(
    "length",
    OptionSpec("length", value=UINT16_RANGE, invertible=True, help="length or length:length in bytes"),
    summary="packet length",
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"length"}),),
)
