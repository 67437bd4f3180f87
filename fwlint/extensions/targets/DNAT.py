"""DNAT: rewrite the destination address (and port) of a new connection."""

from fwlint.extensions import OptionSpec, target

EXTENSION = target(
    "DNAT",
    OptionSpec("to-destination", help="address[-address][:port[-port]]"),
    OptionSpec("random", arity=0, help="randomise the port mapping"),
    OptionSpec("persistent", arity=0, help="same mapping for a client across connections"),
    summary="rewrite the destination of a new connection",
    tables=frozenset({"nat"}),
    chains=frozenset({"PREROUTING", "OUTPUT"}),
    terminal=True,
)
