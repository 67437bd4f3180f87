"""multiport: up to 15 ports or port ranges in one rule."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import PORT_LIST

EXTENSION = match(
    "multiport",
    OptionSpec("source-ports", aliases=("sports",), value=PORT_LIST, invertible=True,
               help="source ports, comma-separated, ranges with a colon"),
    OptionSpec("destination-ports", aliases=("dports",), value=PORT_LIST, invertible=True,
               help="destination ports, comma-separated, ranges with a colon"),
    OptionSpec("ports", value=PORT_LIST, invertible=True,
               help="source or destination port among these"),
    summary="several ports or port ranges at once",
    protocols=frozenset({"tcp", "udp", "udplite", "sctp", "dccp", "6", "17", "136", "132", "33"}),
)
