"""cluster: share load among cluster nodes that all see the same packets, by hash."""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import NoNft, Opaque, OptionSpec, ValueProblem, match
from fwlint.extensions.values import UINT32, integer

_NODES = integer(1, 32)  # XT_CLUSTER_NODES_MAX

_NFT = NoNft(
    "nft cannot do what the cluster match does besides its hash: take a multicast link-layer packet "
    "for a unicast address as addressed to the host, and hash a related connection by its master")


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """The local node (or the highest bit of the node mask) cannot be past the total."""
    given = {o.name: o for o in options}
    try:
        total = int(_NODES.parse(given["cluster-total-nodes"].value or "", family)) \
            if "cluster-total-nodes" in given else None  # type: ignore[arg-type]
        node = int(_NODES.parse(given["cluster-local-node"].value or "", family)) \
            if "cluster-local-node" in given else None  # type: ignore[arg-type]
        mask = int(UINT32.parse(given["cluster-local-nodemask"].value or "", family)) \
            if "cluster-local-nodemask" in given else None  # type: ignore[arg-type]
    except ValueError:
        return  # reported for itself
    if total is None:
        return
    if node is not None and node > total:
        yield ValueProblem("cluster-local-node", f"--cluster-local-node {node} is past "
                                                 f"--cluster-total-nodes {total}: iptables refuses it")
    if mask is not None and mask >> total:
        yield ValueProblem("cluster-local-nodemask", f"--cluster-local-nodemask {mask:#x} names a "
                                                     f"node past --cluster-total-nodes {total}: "
                                                     "iptables refuses it")


EXTENSION = match(
    "cluster",
    OptionSpec("cluster-total-nodes", value=_NODES, help="number of nodes in the cluster, 1-32"),
    OptionSpec("cluster-local-node", value=_NODES, invertible=True, help="this node's number, from 1"),
    OptionSpec("cluster-local-nodemask", value=UINT32, invertible=True,
               help="this node's numbers as a bit mask (instead of --cluster-local-node)"),
    OptionSpec("cluster-hash-seed", value=UINT32, help="seed of the Jenkins hash"),
    summary="the packet's hash falls to this cluster node",
    nft=_NFT,
    meaning=Opaque("a hash of the packet decides, against the node numbers"),
    required=(
        frozenset({"cluster-local-node", "cluster-local-nodemask"}),
        frozenset({"cluster-total-nodes"}),
        frozenset({"cluster-hash-seed"}),
    ),
    validate=_validate,
)
