"""DSCP: rewrite the DiffServ code point of the IP header."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import DSCP_CLASS, integer

EXTENSION = target(
    "DSCP",
    OptionSpec("set-dscp", value=integer(0, 63), help="code point 0-63 (decimal or hex)"),
    OptionSpec("set-dscp-class", value=DSCP_CLASS, help="a DiffServ class: BE, EF, AF11-AF43, CS0-CS7"),
    summary="set the DSCP field and continue",
    tables=frozenset({"mangle"}),
)
