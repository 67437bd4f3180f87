"""SYNPROXY: answer TCP handshakes with SYN cookies; the server sees only completed ones."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT16, integer

EXTENSION = target(
    "SYNPROXY",
    OptionSpec("mss", value=UINT16, help="MSS announced to clients; must match the server"),
    OptionSpec("wscale", value=integer(0, 14),
               help="window scale announced to clients; must match the server"),
    OptionSpec("sack-perm", arity=0, help="pass selective acknowledgement on to the server"),
    OptionSpec("timestamp", arity=0, help="pass the timestamp option on to the server"),
    summary="proxy the TCP handshake with SYN cookies (packets it does not handle continue)",
    tables=frozenset({"filter"}),
    chains=frozenset({"INPUT", "FORWARD"}),
    protocols=frozenset({"tcp", "6"}),
)
