"""limit: match at most N packets per time unit (token bucket), for the whole rule."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import RATE, UINT32

EXTENSION = match(
    "limit",
    OptionSpec("limit", value=RATE,
               help="average rate, N/second, N/minute, N/hour or N/day; 3/hour by default"),
    OptionSpec("limit-burst", value=UINT32,
               help="packets that may match at once before the rate applies; 5 by default"),
    summary="rate limit for the rule as a whole (cannot be negated; hashlimit can)",
)
