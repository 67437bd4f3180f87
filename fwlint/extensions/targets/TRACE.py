"""TRACE: trace the packet through every table, chain and rule it meets."""

from fwlint.extensions import target

EXTENSION = target(
    "TRACE",
    summary="trace the packet's path through the rules and continue",
    tables=frozenset({"raw"}),
)
