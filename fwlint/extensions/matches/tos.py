"""tos: the 8-bit Type of Service field (IPv4) or Traffic Class (IPv6)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import TOS

EXTENSION = match(
    "tos",
    OptionSpec("tos", value=TOS, invertible=True,
               help="value[/mask], or (IPv4) a name like Minimize-Delay, which implies mask 0x3f"),
    summary="type of service / traffic class byte",
)
