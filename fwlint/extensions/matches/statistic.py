"""statistic: match a random share of packets, or every nth packet."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import Opaque, OptionSpec, ValueProblem, match
from fwlint.extensions.values import PROBABILITY, UINT32, choice, integer


def _validate(options: tuple[Option, ...]) -> Iterator[ValueProblem]:
    """random mode needs --probability; nth mode needs --every, and --packet below it."""
    given = {o.name: o for o in options}
    mode = given.get("mode")
    if mode is None or mode.value not in ("random", "nth"):
        return
    if mode.value == "random" and "probability" not in given:
        yield ValueProblem("mode", "--mode random needs --probability")
    if mode.value == "nth":
        if "every" not in given:
            yield ValueProblem("mode", "--mode nth needs --every")
        every, packet = given.get("every"), given.get("packet")
        try:
            n = int(every.value, 0) if every is not None and every.value else None
            p = int(packet.value, 0) if packet is not None and packet.value else None
        except ValueError:
            return
        if n is not None and p is not None and p >= n:
            yield ValueProblem("packet", f"--packet {p} must be below --every {n}")


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
    exclusive=(frozenset({"probability", "every"}), frozenset({"probability", "packet"})),
    validate=lambda options, family: _validate(options),
    required=(frozenset({"mode"}),),
)
