"""dscp: the 6-bit DiffServ code point of the IP header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import DSCP_CLASS, integer

EXTENSION = match(
    "dscp",
    OptionSpec("dscp", value=integer(0, 63), invertible=True, help="code point 0-63 (decimal or hex)"),
    OptionSpec("dscp-class", value=DSCP_CLASS, invertible=True,
               help="a DiffServ class: BE, EF, AF11-AF43, CS0-CS7"),
    summary="DiffServ code point",
)
