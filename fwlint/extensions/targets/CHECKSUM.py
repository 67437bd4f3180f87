"""CHECKSUM: fill in a missing checksum (for old DHCP clients behind checksum offload)."""

from fwlint.extensions import OptionSpec, target

EXTENSION = target(
    "CHECKSUM",
    OptionSpec("checksum-fill", arity=0, help="compute and fill in the checksum"),
    summary="fill in the packet's checksum and continue",
    tables=frozenset({"mangle"}),
)
