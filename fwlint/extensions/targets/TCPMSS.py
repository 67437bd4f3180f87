"""TCPMSS: rewrite the MSS option of TCP SYN packets (work around broken path MTU discovery)."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT16

EXTENSION = target(
    "TCPMSS",
    OptionSpec("set-mss", value=UINT16, help="lower the MSS to this value (never raises it)"),
    OptionSpec("clamp-mss-to-pmtu", arity=0,
               help="lower the MSS to the path MTU minus 40 (IPv4) or 60 (IPv6)"),
    summary="clamp the TCP MSS of SYN packets and continue (rule must match SYN, e.g. "
            "--tcp-flags SYN,RST SYN)",
    protocols=frozenset({"tcp", "6"}),
)
