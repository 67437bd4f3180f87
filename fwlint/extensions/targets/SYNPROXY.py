"""SYNPROXY: answer TCP handshakes with SYN cookies; the server sees only completed ones."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT16, integer


def _meaning(target, enc):
    """Handshake packets it answers or drops are decided; the others go on."""
    enc.options(target)
    return enc.maybe("SYNPROXY")


EXTENSION = target(
    "SYNPROXY",
    OptionSpec("mss", value=UINT16, help="MSS announced to clients; must match the server"),
    OptionSpec("wscale", value=integer(0, 14),
               help="window scale announced to clients; must match the server"),
    OptionSpec("sack-perm", arity=0, help="pass selective acknowledgement on to the server"),
    OptionSpec("timestamp", arity=0, help="pass the timestamp option on to the server"),
    summary="proxy the TCP handshake with SYN cookies (packets it does not handle continue)",
    chains=frozenset({"INPUT", "FORWARD"}),  # any table with those hooks (filter, mangle, nat INPUT)
    protocols=frozenset({"tcp", "6"}),
    meaning=_meaning,
)
