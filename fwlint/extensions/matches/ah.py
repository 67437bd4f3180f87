"""ah: the SPI (and, for IPv6, length and reserved field) of the IPsec Authentication Header."""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import OptionSpec, Placement, match
from fwlint.extensions.values import UINT32, UINT32_RANGE


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    """The IPv4 match reads the AH as the transport header: the kernel takes it only with -p ah
    ("ah match: only valid for protocol 51", at commit)."""
    yield Placement("ahspi", protocols=frozenset({"ah", "51"}), family=4)


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


def _nft(match, ctx):
    """``ah spi 1-10`` (IPv4).  In IPv6 the AH is an extension header nft's ``ah`` expression
    does not reach (it reads the transport header, after the extension headers)."""
    opts = ctx.options(match)
    if ctx.family == 6:
        ctx.refuse("-m ah in IPv6: nft reads AH fields only as the transport header, and in IPv6 "
                   "the AH is an extension header before it", match)
    parts = []
    for name, opt in opts.items():
        if name == "ahspi":
            low, high = ctx.value(opt)
            parts.append(ctx.match(ctx.payload("ah", "spi"), ctx.range(low, high), opt.negated))
    if not parts:
        parts.append(ctx.match(ctx.meta("l4proto"), ctx.protocol_value(51)))
    return parts


EXTENSION = match(
    "ah",
    OptionSpec("ahspi", value=UINT32_RANGE, invertible=True, help="SPI, spi or spi:spi"),
    OptionSpec("ahlen", value=UINT32, invertible=True, help="header length in octets (IPv6 only)",
               family=6),
    OptionSpec("ahres", arity=0, help="the reserved field is zero (IPv6 only)", family=6),
    summary="IPsec AH header (IPv4 needs -p ah; IPv6 finds the header itself)",
    implied_by=frozenset({"ah", "51"}),
    placement=_placement,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
