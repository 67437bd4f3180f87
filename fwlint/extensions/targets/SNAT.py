"""SNAT: rewrite the source address (and port) of a new connection."""

from fwlint.extensions import OptionSpec, target

EXTENSION = target(
    "SNAT",
    OptionSpec("to-source", help="[address[-address]][:port[-port]]"),
    OptionSpec("random", arity=0, help="randomise the port mapping (hash-based)"),
    OptionSpec("random-fully", arity=0, help="fully randomise the port mapping (PRNG)"),
    OptionSpec("persistent", arity=0, help="same mapping for a client across connections"),
    summary="rewrite the source of a new connection",
    tables=frozenset({"nat"}),
    chains=frozenset({"POSTROUTING", "INPUT"}),
    terminal=True,
)
