"""esp: the SPI of the IPsec Encapsulating Security Payload header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT32_RANGE


def _meaning(match, enc):
    """Not a later fragment; the SPI range is not modelled (without --espspi: every SPI)."""
    opts = enc.options(match)
    if not opts:
        return enc.not_fragment()
    return enc.all(enc.not_fragment(), enc.opaque("--espspi"))


def _concrete(match, pkt):
    """As esp_mt: a later fragment never matches; the SPI range is not modelled (without
    --espspi every SPI matches)."""
    opts = pkt.options(match)
    for opt in opts.values():
        pkt.value(opt)
    if not opts:
        return pkt.first_fragment()
    return pkt.all(pkt.first_fragment(), pkt.unknown("--espspi: the SPI is not modelled"))


def _nft(match, ctx):
    """``esp spi 1-10``, negated ``!=``."""
    parts = []
    for name, opt in ctx.options(match).items():
        low, high = ctx.value(opt)
        if low > high:
            if not opt.negated:
                ctx.never(f"SPI range {opt.values[0]} runs backwards", opt)
            continue
        parts.append(ctx.match(ctx.payload("esp", "spi"), ctx.range(low, high), opt.negated))
    if not parts:
        parts.append(ctx.match(ctx.meta("l4proto"), ctx.protocol_value(50)))
    return parts


EXTENSION = match(
    "esp",
    OptionSpec("espspi", value=UINT32_RANGE, invertible=True, help="SPI, spi or spi:spi"),
    summary="IPsec ESP SPI",
    protocols=frozenset({"esp", "50"}),
    implied_by=frozenset({"esp", "50"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
