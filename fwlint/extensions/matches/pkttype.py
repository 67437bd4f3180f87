"""pkttype: the link-layer packet type: unicast, broadcast or multicast."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import choice

EXTENSION = match(
    "pkttype",
    OptionSpec("pkt-type", value=choice("unicast", "broadcast", "multicast", "host", "bcast", "mcast",
                                        what="packet type", fold=True),
               invertible=True, help="unicast, broadcast or multicast"),
    summary="link-layer packet type",
)
