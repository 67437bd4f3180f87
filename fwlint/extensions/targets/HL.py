"""HL: set, lower or raise the IPv6 hop limit."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT8

EXTENSION = target(
    "HL",
    OptionSpec("hl-set", value=UINT8, help="set the hop limit to this value"),
    OptionSpec("hl-dec", value=UINT8, help="lower the hop limit by this much"),
    OptionSpec("hl-inc", value=UINT8, help="raise the hop limit by this much"),
    summary="change the IPv6 hop limit and continue",
    tables=frozenset({"mangle"}),
    family=6,
)
