"""NOTRACK: exempt the packet from connection tracking (the same as CT --notrack)."""

from fwlint.extensions import target

EXTENSION = target(
    "NOTRACK",
    summary="do not track the packet's connection and continue",
    tables=frozenset({"raw"}),
)
