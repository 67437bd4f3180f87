"""TRACE: trace the packet through every table, chain and rule it meets."""

from fwlint.extensions import target


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "TRACE",
    summary="trace the packet's path through the rules and continue",
    tables=frozenset({"raw"}),
    meaning=_meaning,
)
