"""length: the length of the layer-3 packet, a value or a range."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT16_RANGE

EXTENSION = match(
    "length",
    OptionSpec("length", value=UINT16_RANGE, invertible=True, help="length or length:length in bytes"),
    summary="packet length",
)
