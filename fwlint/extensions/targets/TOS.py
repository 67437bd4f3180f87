"""TOS: rewrite the Type of Service byte (IPv4) or Traffic Class (IPv6)."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import TOS, UINT8

EXTENSION = target(
    "TOS",
    OptionSpec("set-tos", value=TOS,
               help="value[/mask]: clear the mask bits, then XOR value in; or (IPv4) a TOS name"),
    OptionSpec("and-tos", value=UINT8, help="AND the TOS byte with these bits"),
    OptionSpec("or-tos", value=UINT8, help="OR these bits into the TOS byte"),
    OptionSpec("xor-tos", value=UINT8, help="XOR these bits into the TOS byte"),
    summary="set the TOS / traffic class byte and continue",
    tables=frozenset({"mangle"}),
)
