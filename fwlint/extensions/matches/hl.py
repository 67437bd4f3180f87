"""hl: the hop limit field of the IPv6 header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT8

EXTENSION = match(
    "hl",
    OptionSpec("hl-eq", aliases=("hl",), value=UINT8, invertible=True, help="hop limit equals this"),
    OptionSpec("hl-gt", value=UINT8, help="hop limit is greater than this"),
    OptionSpec("hl-lt", value=UINT8, help="hop limit is less than this"),
    summary="IPv6 hop limit",
    family=6,
)
