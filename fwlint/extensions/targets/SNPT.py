"""SNPT: stateless IPv6 source prefix translation (RFC 6296); DNPT undoes it."""

from fwlint.extensions import NoNft, OptionSpec, target
from fwlint.extensions.values import NETWORK


def _meaning(target, enc):
    """The source prefix is rewritten: any source, as far as the model says."""
    enc.options(target)
    return enc.go_on(enc.havoc("src"))


_NFT = NoNft('nft has no stateless NPTv6 prefix translation')


EXTENSION = target(
    "SNPT",
    OptionSpec("src-pfx", value=NETWORK, help="prefix/length translated from"),
    OptionSpec("dst-pfx", value=NETWORK, help="prefix/length translated to"),
    summary="rewrite the IPv6 source prefix and continue (pair with DNPT and NOTRACK)",
    tables=frozenset({"mangle"}),
    chains=frozenset({"INPUT", "POSTROUTING"}),
    family=6,
    nft=_NFT,
    meaning=_meaning,
    required=(frozenset({"src-pfx"}), frozenset({"dst-pfx"})),
)
