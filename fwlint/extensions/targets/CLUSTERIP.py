"""CLUSTERIP: share one IP and multicast MAC among cluster nodes, each taking a hash share of connections."""

from fwlint.extensions import NoNft, OptionSpec, target
from fwlint.extensions.values import MAC, UINT16, UINT32, choice


def _meaning(target, enc):
    """Packets of connections another node handles are dropped; the others go on."""
    enc.options(target)
    return enc.maybe("CLUSTERIP")


_NFT = NoNft('nft has no CLUSTERIP (it answers ARP for a shared address)')


EXTENSION = target(
    "CLUSTERIP",
    OptionSpec("new", arity=0, help="create the cluster IP; needed on its first rule"),
    OptionSpec("hashmode", value=choice("sourceip", "sourceip-sourceport",
                                        "sourceip-sourceport-destport", what="hash mode"),
               help="sourceip, sourceip-sourceport or sourceip-sourceport-destport"),
    OptionSpec("clustermac", value=MAC, help="the shared MAC; must be a multicast address"),
    OptionSpec("total-nodes", value=UINT16, help="number of nodes in the cluster"),
    OptionSpec("local-node", value=UINT16, help="this node's number"),
    OptionSpec("hash-init", value=UINT32, help="seed of the hash"),
    summary="IPv4 cluster IP (deprecated in favour of -m cluster; gone from Linux 6.3)",
    family=4,
    removed="Linux 6.3 (2023) removed it; use -m cluster",
    nft=_NFT,
    meaning=_meaning,
)
