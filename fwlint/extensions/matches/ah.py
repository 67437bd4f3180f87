"""ah: the SPI (and, for IPv6, length and reserved field) of the IPsec Authentication Header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT32, UINT32_RANGE


def _meaning(match, enc):
    """IPv4: not a later fragment, the SPI not modelled; IPv6 finds the header itself: not
    modelled."""
    opts = enc.options(match)
    if enc.family == 6:
        return enc.opaque("-m ah")
    if not opts:
        return enc.not_fragment()
    return enc.all(enc.not_fragment(), enc.opaque("--ahspi"))


EXTENSION = match(
    "ah",
    OptionSpec("ahspi", value=UINT32_RANGE, invertible=True, help="SPI, spi or spi:spi"),
    OptionSpec("ahlen", value=UINT32, invertible=True, help="header length in octets (IPv6 only)",
               family=6),
    OptionSpec("ahres", arity=0, help="the reserved field is zero (IPv6 only)", family=6),
    summary="IPsec AH header (IPv4 needs -p ah; IPv6 finds the header itself)",
    implied_by=frozenset({"ah", "51"}),
    meaning=_meaning,
)
