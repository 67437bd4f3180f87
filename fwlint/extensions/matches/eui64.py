"""eui64: the IPv6 source address's interface identifier is the EUI-64 of the source MAC."""

from fwlint.extensions import NoNft, Opaque, match

_NFT = NoNft('nft cannot compare the source address with the EUI-64 made from the source MAC')


EXTENSION = match(
    "eui64",
    summary="IPv6 source address derived from the sender's MAC (SLAAC)",
    chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}),
    family=6,
    nft=_NFT,
    meaning=Opaque("compares the address with the MAC, not modelled"),
)
