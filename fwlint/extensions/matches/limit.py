"""limit: match at most N packets per time unit (token bucket), for the whole rule.

iptables stores the rate as the interval between packets, 10000 * seconds-per-unit / N, and the
kernel refuses a burst of 0 and a burst whose product with that interval overflows 32 bits in
its credit arithmetic ("Overflow, try lower"): `--limit 1/day` with the default burst of 5, or
`--limit 1/hour --limit-burst 120`.  The arithmetic below is xt_limit's for HZ 250 or 1000
(HZ times credits per jiffy is 32000 for both).
"""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import Opaque, OptionSpec, ValueProblem, match
from fwlint.extensions.values import LIMIT_SCALE, RATE, integer

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_HZ_CREDITS = 32000  # HZ * CREDITS_PER_JIFFY


def _credits(user: int) -> int:
    if user > 0xFFFFFFFF // _HZ_CREDITS:
        return (user // LIMIT_SCALE) * _HZ_CREDITS & 0xFFFFFFFF
    return user * _HZ_CREDITS // LIMIT_SCALE


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    rate_text, per = "3/hour", (3, "h")
    burst = 5
    for opt in options:
        try:
            if opt.name == "limit" and opt.value is not None:
                rate_text, per = opt.value, RATE.parse(opt.value)  # type: ignore[assignment]
            elif opt.name == "limit-burst" and opt.value is not None:
                burst = int(_BURST.parse(opt.value))  # type: ignore[arg-type]
        except ValueError:
            return  # a bad value: reported for itself
    if burst == 0:
        yield ValueProblem("limit-burst", "--limit-burst 0: the kernel refuses a burst of 0")
        return
    interval = LIMIT_SCALE * _UNIT_SECONDS[per[1]] // per[0]
    if _credits(interval * burst & 0xFFFFFFFF) < _credits(interval):
        yield ValueProblem("limit" if any(o.name == "limit" for o in options) else "limit-burst",
                           f"rate {rate_text} with a burst of {burst} overflows the kernel's "
                           "token arithmetic and the kernel refuses the rule: use a faster rate "
                           "or a smaller burst")


_BURST = integer(0, 10000)

_NFT_UNITS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def _nft(match, ctx):
    """``limit rate N/unit burst B packets`` (3/hour and 5 by default, as iptables): the same
    token bucket, one per rule."""
    opts = ctx.options(match)
    rate, unit = ctx.value(opts["limit"]) if "limit" in opts else (3, "h")
    burst = ctx.value(opts["limit-burst"]) if "limit-burst" in opts else 5
    per = _NFT_UNITS[unit]
    return [ctx.matching(f"limit rate {rate}/{per} burst {burst} packets",
                         {"limit": {"rate": rate, "per": per, "burst": burst}})]


EXTENSION = match(
    "limit",
    OptionSpec("limit", value=RATE,
               help="average rate, N/second, N/minute, N/hour or N/day; 3/hour by default"),
    OptionSpec("limit-burst", value=_BURST,
               help="packets that may match at once before the rate applies; 5 by default"),
    summary="rate limit for the rule as a whole (cannot be negated; hashlimit can)",
    nft=_nft,
    meaning=Opaque("a rate limit depends on the traffic before the packet"),
    validate=_validate,
)
