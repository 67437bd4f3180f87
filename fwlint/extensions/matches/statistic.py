"""statistic: match a random share of packets, or every nth packet."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import PROBABILITY, UINT32, choice, integer

EXTENSION = match(
    "statistic",
    OptionSpec("mode", value=choice("random", "nth", what="statistic mode"), help="random or nth"),
    OptionSpec("probability", value=PROBABILITY, invertible=True,
               help="chance 0.0-1.0 that a packet matches (mode random)"),
    OptionSpec("every", value=integer(1, 0xFFFFFFFF), invertible=True,
               help="match one packet in every N (mode nth)"),
    OptionSpec("packet", value=UINT32, help="initial counter, 0 to N-1 (mode nth)"),
    summary="random or every-nth sampling",
    meaning=Opaque("a random or every-nth choice"),
    exclusive=(frozenset({"probability", "every"}),),
    required=(frozenset({"mode"}),),
)
