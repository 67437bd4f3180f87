"""udp: ports of UDP datagrams (loaded by ``-p udp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import PORT_RANGE

EXTENSION = match(
    "udp",
    OptionSpec("source-port", aliases=("sport",), value=PORT_RANGE, invertible=True,
               help="source port or port:port range"),
    OptionSpec("destination-port", aliases=("dport",), value=PORT_RANGE, invertible=True,
               help="destination port or port:port range"),
    summary="UDP ports",
    protocols=frozenset({"udp", "17"}),
    implied_by=frozenset({"udp", "17"}),
)
