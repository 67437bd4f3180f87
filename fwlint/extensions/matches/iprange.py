"""iprange: source or destination address within an arbitrary from-to range."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import IP_RANGE

EXTENSION = match(
    "iprange",
    OptionSpec("src-range", value=IP_RANGE, invertible=True, help="source address in from[-to]"),
    OptionSpec("dst-range", value=IP_RANGE, invertible=True, help="destination address in from[-to]"),
    summary="address ranges that are not a single prefix",
)
