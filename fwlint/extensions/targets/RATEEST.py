"""RATEEST: estimate the rate of the matching traffic, for the rateest match to test."""

import math
import re
from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import NoNft, OptionSpec, ValueProblem, target
from fwlint.extensions.values import BadValue, ValueType, text

_UNITS = {"": 1, "s": 1_000_000, "sec": 1_000_000, "secs": 1_000_000, "ms": 1000, "msec": 1000,
          "msecs": 1000, "us": 1, "usec": 1, "usecs": 1}
_NUMBER = re.compile(r"[ \t\n\v\f\r]*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")


def _time(word: str, family: int) -> int:
    """libxt_RATEEST's times: a number (strtod) and a unit s, ms or us (microseconds without
    one), in microseconds."""
    m = _NUMBER.match(word)
    unit = word[m.end():].lower() if m else None
    if m is None or unit not in _UNITS:
        raise BadValue(f"{word!r} is not a time (a number with s, ms or us)")
    return int(float(m.group()) * _UNITS[unit]) & 0xFFFFFFFF


_TIME = ValueType("time", _time)


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """As RATEEST_final_check: the interval is rounded up to 250ms, 500ms, 1s, 2s, 4s or 8s
    (more is refused); the averaging constant must come out as a shift of 1 to 30."""
    given = {o.name: o for o in options}
    try:
        interval = _time(given["rateest-interval"].value or "", family)
        ewma = _time(given["rateest-ewmalog"].value or "", family)
    except (KeyError, ValueError):
        return  # missing (FW116) or bad (reported for itself)
    if interval > 8_000_000:
        yield ValueProblem("rateest-interval", "--rateest-interval: more than 8s; iptables refuses it")
        return
    for shift in range(1, 32):
        if interval / -math.log(1.0 - 1.0 / (1 << shift)) > ewma:
            break
    else:
        shift = 32
    if not 1 <= shift - 1 <= 30:
        yield ValueProblem("rateest-ewmalog", "--rateest-ewmalog is out of range for this interval "
                                              "(iptables refuses it): make it a few times the interval")


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


_NFT = NoNft('nft has no rate estimators')


EXTENSION = target(
    "RATEEST",
    OptionSpec("rateest-name", value=text(min_length=1, truncated_at=15, what="estimator name"),
               help="the estimator's name"),
    OptionSpec("rateest-interval", value=_TIME, help="measurement interval, with unit s, ms or us"),
    OptionSpec("rateest-ewmalog", value=_TIME, help="averaging time constant"),
    summary="feed a rate estimator and continue",
    nft=_NFT,
    meaning=_meaning,
    required=(frozenset({"rateest-name"}), frozenset({"rateest-interval"}), frozenset({"rateest-ewmalog"})),
    validate=_validate,
)
