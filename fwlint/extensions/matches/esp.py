"""esp: the SPI of the IPsec Encapsulating Security Payload header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT32_RANGE

EXTENSION = match(
    "esp",
    OptionSpec("espspi", value=UINT32_RANGE, invertible=True, help="SPI, spi or spi:spi"),
    summary="IPsec ESP SPI",
    protocols=frozenset({"esp", "50"}),
    implied_by=frozenset({"esp", "50"}),
)
