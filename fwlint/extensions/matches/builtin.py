"""The built-in match every rule has: protocol, addresses, interfaces, fragments.

These options need no ``-m``; iptables parses them itself.
"""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import INTERFACE, NETWORK_LIST, PROTOCOL

EXTENSION = match(
    "builtin",
    OptionSpec("protocol", short="p", value=PROTOCOL, invertible=True,
               help="the layer-4 protocol: tcp, udp, icmp, a name from /etc/protocols, a number, or all"),
    OptionSpec("source", short="s", aliases=("src",), value=NETWORK_LIST, invertible=True,
               help="source address[/mask], or a comma-separated list (one rule each)"),
    OptionSpec("destination", short="d", aliases=("dst",), value=NETWORK_LIST, invertible=True,
               help="destination address[/mask], or a comma-separated list (one rule each)"),
    OptionSpec("in-interface", short="i", value=INTERFACE, invertible=True,
               help="the interface the packet came in on; a trailing + matches a prefix"),
    OptionSpec("out-interface", short="o", value=INTERFACE, invertible=True,
               help="the interface the packet will leave by; a trailing + matches a prefix"),
    OptionSpec("fragment", short="f", arity=0, invertible=True,
               help="second and later fragments only (IPv4)"),
    summary="protocol, address, interface and fragment options every rule may carry",
    loadable=False,
)
