"""mac: the source MAC address of frames that arrived over Ethernet."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import MAC

EXTENSION = match(
    "mac",
    OptionSpec("mac-source", value=MAC, invertible=True, help="source MAC address XX:XX:XX:XX:XX:XX"),
    summary="source MAC address of incoming packets",
    chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}),
)
