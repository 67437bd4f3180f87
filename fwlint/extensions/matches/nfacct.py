"""nfacct: count the matching traffic in an extended accounting object (see nfacct(8)); true
unless the object has a quota that is not yet used up."""

from fwlint.extensions import NoNft, Opaque, OptionSpec, match


def _concrete(match, pkt):
    """As nfacct_mt: true unless the object has a quota the traffic so far has not used up
    (the object lives outside the ruleset: unknown)."""
    pkt.options(match)
    return pkt.unknown("-m nfacct (true unless its object has a quota not yet used up)")


_NFT = NoNft("nfacct objects live outside the ruleset; nft's named counters are its own")


EXTENSION = match(
    "nfacct",
    OptionSpec("nfacct-name", help="the accounting object, created beforehand with nfacct add"),
    summary="extended accounting; true unless the object's quota is not yet used up",
    nft=_NFT,
    meaning=Opaque("an accounting object with a quota is false until the quota is used up"),
    concrete=_concrete,
    required=(frozenset({"nfacct-name"}),),
)
