"""DNPT: stateless IPv6 destination prefix translation (RFC 6296); SNPT undoes it."""

from fwlint.extensions import NoNft, OptionSpec, target
from fwlint.extensions.values import NETWORK


def _meaning(target, enc):
    """The destination prefix is rewritten: any destination, as far as the model says."""
    enc.options(target)
    return enc.go_on(enc.havoc("dst"))


_NFT = NoNft('nft has no stateless NPTv6 prefix translation')


EXTENSION = target(
    "DNPT",
    OptionSpec("src-pfx", value=NETWORK, help="prefix/length translated from"),
    OptionSpec("dst-pfx", value=NETWORK, help="prefix/length translated to"),
    summary="rewrite the IPv6 destination prefix and continue (pair with SNPT and NOTRACK)",
    tables=frozenset({"mangle"}),
    chains=frozenset({"PREROUTING", "OUTPUT"}),
    family=6,
    nft=_NFT,
    meaning=_meaning,
    required=(frozenset({"src-pfx"}), frozenset({"dst-pfx"})),
)
