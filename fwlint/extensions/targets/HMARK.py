"""HMARK: set the packet mark from a hash of chosen header fields, within a range."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import NoNft, OptionSpec, ValueProblem, target
from fwlint.extensions.values import PREFIX_OR_MASK, UINT8, UINT16, UINT32, choice_list, integer

_TUPLE = choice_list("src", "dst", "sport", "dport", "spi", "proto", "ct", what="hash field",
                     prefix=True)  # libxt_HMARK: a case-blind beginning, the first in this order
# --hmark-tuple sets the mask option of each field it names: giving that option too is giving it
# twice ("HMARK: option "--hmark-src-prefix" can only be used once")
_TUPLE_SETS = {"src": "hmark-src-prefix", "dst": "hmark-dst-prefix", "sport": "hmark-sport-mask",
               "dport": "hmark-dport-mask", "spi": "hmark-spi-mask", "proto": "hmark-proto-mask"}


def _tuple_fields(options: tuple[Option, ...], family: int) -> list[str]:
    """The fields --hmark-tuple names, in lower case (none when it is absent or refused: a
    value iptables refuses is reported for itself)."""
    fields: list[str] = []
    for opt in options:
        if opt.name == "hmark-tuple" and opt.value is not None:
            try:
                fields.extend(f.lower() for f in _TUPLE.parse(opt.value, family))  # type: ignore[attr-defined]
            except ValueError:
                continue
    return fields


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    given = {o.name for o in options}
    fields = _tuple_fields(options, family)
    # what the options and the tuple set (checked by the kernel at commit)
    masks = given | {_TUPLE_SETS.get(field, "") for field in fields}
    if "hmark-spi-mask" in masks and masks & {"hmark-sport-mask", "hmark-dport-mask"}:
        yield ValueProblem("hmark-tuple" if "hmark-tuple" in given else "hmark-spi-mask",
                           "an SPI mask with a port mask (spi and sport/dport): the kernel refuses "
                           "to hash both")
    if "hmark-spi" in given and given & {"hmark-sport", "hmark-dport"}:
        yield ValueProblem("hmark-spi", "--hmark-spi with --hmark-sport or --hmark-dport: the kernel "
                                        "refuses to set both")
    for field in sorted(fields):
        if _TUPLE_SETS.get(field) in given:
            yield ValueProblem(_TUPLE_SETS[field], f"--{_TUPLE_SETS[field]} given with "
                               f"--hmark-tuple {field}, which sets it already: iptables "
                               "refuses it twice")


def _meaning(target, enc):
    """The mark becomes a hash of header fields: any value, as far as the model says."""
    enc.options(target)
    return enc.go_on(enc.havoc("mark"))


_NFT = NoNft('nft cannot hash the header fields HMARK hashes the way it does')


EXTENSION = target(
    "HMARK",
    OptionSpec("hmark-tuple", value=_TUPLE,
               help="fields hashed, comma-separated: src, dst, sport, dport, spi, proto, ct"),
    OptionSpec("hmark-mod", value=integer(1, 0xFFFFFFFF), help="modulus of the hash (> 0): number of marks"),
    OptionSpec("hmark-offset", value=UINT32, help="first mark of the range"),
    OptionSpec("hmark-src-prefix", value=PREFIX_OR_MASK, help="source address prefix length hashed"),
    OptionSpec("hmark-dst-prefix", value=PREFIX_OR_MASK, help="destination address prefix length hashed"),
    OptionSpec("hmark-sport-mask", value=UINT16, help="16-bit mask of the source port"),
    OptionSpec("hmark-dport-mask", value=UINT16, help="16-bit mask of the destination port"),
    OptionSpec("hmark-spi-mask", value=UINT32, help="32-bit mask of the SPI"),
    OptionSpec("hmark-sport", value=UINT16, help="OR the source port with this before hashing"),
    OptionSpec("hmark-dport", value=UINT16, help="OR the destination port with this before hashing"),
    OptionSpec("hmark-spi", value=UINT32, help="OR the SPI (ESP, AH) with this before hashing"),
    OptionSpec("hmark-proto-mask", value=UINT8, help="8-bit mask of the layer-4 protocol"),
    OptionSpec("hmark-rnd", value=UINT32, help="random seed of the hash"),
    summary="set the packet mark from a hash and continue",
    nft=_NFT,
    meaning=_meaning,
    # "you have to specify --hmark-tuple at least" (or one of the masks it would set, or a value
    # to OR a port or the SPI with: checked with iptables 1.8.9; --hmark-offset is not enough)
    required=(frozenset({"hmark-mod"}), frozenset({"hmark-rnd"}),
              frozenset({"hmark-tuple", *_TUPLE_SETS.values(), "hmark-sport", "hmark-dport", "hmark-spi"})),
    validate=_validate,
)
