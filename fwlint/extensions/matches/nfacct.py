"""nfacct: count the matching traffic in an extended accounting object (see nfacct(8)); matches always."""

from fwlint.extensions import NoNft, OptionSpec, match


def _meaning(match, enc):
    """Every packet (it only counts them)."""
    enc.options(match)
    return enc.true


def _concrete(match, pkt):
    """Every packet."""
    pkt.options(match)
    return True


_NFT = NoNft("nfacct objects live outside the ruleset; nft's named counters are its own")


EXTENSION = match(
    "nfacct",
    OptionSpec("nfacct-name", help="the accounting object, created beforehand with nfacct add"),
    summary="extended accounting; matches every packet",
    nft=_NFT,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"nfacct-name"}),),
)
