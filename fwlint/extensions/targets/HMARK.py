"""HMARK: set the packet mark from a hash of chosen header fields, within a range."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import PREFIX_LENGTH, UINT8, UINT16, UINT32, choice_list, integer


def _meaning(target, enc):
    """The mark becomes a hash of header fields: any value, as far as the model says."""
    enc.options(target)
    return enc.go_on(enc.havoc("mark"))


EXTENSION = target(
    "HMARK",
    OptionSpec("hmark-tuple", value=choice_list("src", "dst", "sport", "dport", "spi", "proto", "ct",
                                                what="hash field"),
               help="fields hashed, comma-separated: src, dst, sport, dport, spi, proto, ct"),
    OptionSpec("hmark-mod", value=integer(1, 0xFFFFFFFF), help="modulus of the hash (> 0): number of marks"),
    OptionSpec("hmark-offset", value=UINT32, help="first mark of the range"),
    OptionSpec("hmark-src-prefix", value=PREFIX_LENGTH, help="source address prefix length hashed"),
    OptionSpec("hmark-dst-prefix", value=PREFIX_LENGTH, help="destination address prefix length hashed"),
    OptionSpec("hmark-sport-mask", value=UINT16, help="16-bit mask of the source port"),
    OptionSpec("hmark-dport-mask", value=UINT16, help="16-bit mask of the destination port"),
    OptionSpec("hmark-spi-mask", value=UINT32, help="32-bit mask of the SPI"),
    OptionSpec("hmark-proto-mask", value=UINT8, help="8-bit mask of the layer-4 protocol"),
    OptionSpec("hmark-rnd", value=UINT32, help="random seed of the hash"),
    summary="set the packet mark from a hash and continue",
    meaning=_meaning,
    required=(frozenset({"hmark-mod"}), frozenset({"hmark-rnd"})),
)
