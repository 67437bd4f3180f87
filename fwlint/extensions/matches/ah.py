"""ah: the SPI (and, for IPv6, length and reserved field) of the IPsec Authentication Header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT32, UINT32_RANGE

EXTENSION = match(
    "ah",
    OptionSpec("ahspi", value=UINT32_RANGE, invertible=True, help="SPI, spi or spi:spi"),
    OptionSpec("ahlen", value=UINT32, invertible=True, help="header length in octets (IPv6 only)"),
    OptionSpec("ahres", arity=0, help="the reserved field is zero (IPv6 only)"),
    summary="IPsec AH header (IPv4 needs -p ah; IPv6 finds the header itself)",
    implied_by=frozenset({"ah", "51"}),
)
