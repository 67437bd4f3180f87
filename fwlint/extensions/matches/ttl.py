"""ttl: the time-to-live field of the IPv4 header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT8

EXTENSION = match(
    "ttl",
    OptionSpec("ttl-eq", aliases=("ttl",), value=UINT8, invertible=True, help="TTL equals this"),
    OptionSpec("ttl-gt", value=UINT8, help="TTL is greater than this"),
    OptionSpec("ttl-lt", value=UINT8, help="TTL is less than this"),
    summary="IPv4 time to live",
    family=4,
)
