"""tcp: ports, flags and options of TCP segments (loaded by ``-p tcp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import PORT_RANGE, TCP_FLAG_LIST, UINT8

EXTENSION = match(
    "tcp",
    OptionSpec("source-port", aliases=("sport",), value=PORT_RANGE, invertible=True,
               help="source port or port:port range"),
    OptionSpec("destination-port", aliases=("dport",), value=PORT_RANGE, invertible=True,
               help="destination port or port:port range"),
    OptionSpec("tcp-flags", arity=2, value=(TCP_FLAG_LIST, TCP_FLAG_LIST), invertible=True,
               help="MASK COMP: of the flags in MASK, exactly those in COMP are set"),
    OptionSpec("syn", arity=0, invertible=True,
               help="SYN set, ACK, RST and FIN clear: a connection request"),
    OptionSpec("tcp-option", value=UINT8, invertible=True, help="TCP option number present"),
    summary="TCP ports, flags and options",
    protocols=frozenset({"tcp", "6"}),
    implied_by=frozenset({"tcp", "6"}),
)
