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



def _concrete(match, pkt):
    """IPv4 (ah_mt): a later fragment never matches; the SPI range is not modelled (without
    --ahspi every SPI matches).  IPv6 finds the header among the extension headers: not
    modelled."""
    opts = pkt.options(match)
    for opt in opts.values():
        if opt.values:
            pkt.value(opt)
    if pkt.family == 6:
        return pkt.unknown("-m ah: IPv6 extension headers are not modelled")
    if not opts:
        return pkt.first_fragment()
    return pkt.all(pkt.first_fragment(), pkt.unknown("--ahspi: the SPI is not modelled"))


EXTENSION = match(
    "ah",
    OptionSpec("ahspi", value=UINT32_RANGE, invertible=True, help="SPI, spi or spi:spi"),
    OptionSpec("ahlen", value=UINT32, invertible=True, help="header length in octets (IPv6 only)",
               family=6),
    OptionSpec("ahres", arity=0, help="the reserved field is zero (IPv6 only)", family=6),
    summary="IPsec AH header (IPv4 needs -p ah; IPv6 finds the header itself)",
    implied_by=frozenset({"ah", "51"}),
    meaning=_meaning,
    concrete=_concrete,
)
