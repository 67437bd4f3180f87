"""physdev: the bridge ports a bridged packet came in on or goes out by."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import INTERFACE

EXTENSION = match(
    "physdev",
    OptionSpec("physdev-in", value=INTERFACE, invertible=True,
               help="bridge port the packet came in on (INPUT, FORWARD, PREROUTING); + matches a prefix"),
    OptionSpec("physdev-out", value=INTERFACE, invertible=True,
               help="bridge port the packet will leave by (FORWARD, POSTROUTING); + matches a prefix"),
    OptionSpec("physdev-is-in", arity=0, invertible=True, help="the packet came in through a bridge port"),
    OptionSpec("physdev-is-out", arity=0, invertible=True,
               help="the packet will leave through a bridge port"),
    OptionSpec("physdev-is-bridged", arity=0, invertible=True,
               help="the packet is being bridged, not routed (FORWARD, POSTROUTING)"),
    summary="bridge port of bridged packets",
)
