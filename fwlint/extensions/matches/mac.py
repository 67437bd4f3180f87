"""mac: the source MAC address of frames that arrived over Ethernet."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import MAC


def _meaning(match, enc):
    """The packet came in with an Ethernet header from this MAC (! inverts only the address:
    a packet without an Ethernet header never matches)."""
    opts = enc.options(match)
    if "mac-source" not in opts:
        enc.refuse("-m mac needs --mac-source")
    opt = opts["mac-source"]
    return enc.has_mac() & enc.negate(enc.mac_source(enc.value(opt)), opt)


EXTENSION = match(
    "mac",
    OptionSpec("mac-source", value=MAC, invertible=True, help="source MAC address XX:XX:XX:XX:XX:XX"),
    summary="source MAC address of incoming packets",
    chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}),
    meaning=_meaning,
    required=(frozenset({"mac-source"}),),
)
