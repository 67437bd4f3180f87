"""CHECKSUM: fill in a missing checksum (for old DHCP clients behind checksum offload)."""

from fwlint.extensions import NoNft, OptionSpec, target


def _meaning(target, enc):
    """The packet goes on (its checksum is not a modelled field)."""
    enc.options(target)
    return enc.go_on()


_NFT = NoNft('nft has no statement that fills in a checksum')


EXTENSION = target(
    "CHECKSUM",
    OptionSpec("checksum-fill", arity=0, help="compute and fill in the checksum"),
    summary="fill in the packet's checksum and continue",
    tables=frozenset({"mangle"}),
    nft=_NFT,
    meaning=_meaning,
    required=(frozenset({"checksum-fill"}),),
)
