"""RATEEST: estimate the rate of the matching traffic, for the rateest match to test."""

from fwlint.extensions import OptionSpec, target


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "RATEEST",
    OptionSpec("rateest-name", help="the estimator's name"),
    OptionSpec("rateest-interval", help="measurement interval, with unit s, ms or us"),
    OptionSpec("rateest-ewmalog", help="averaging time constant"),
    summary="feed a rate estimator and continue",
    meaning=_meaning,
    required=(frozenset({"rateest-name"}), frozenset({"rateest-interval"}), frozenset({"rateest-ewmalog"})),
)
