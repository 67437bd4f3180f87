"""cluster: share load among cluster nodes that all see the same packets, by hash."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32

EXTENSION = match(
    "cluster",
    OptionSpec("cluster-total-nodes", value=UINT32, help="number of nodes in the cluster"),
    OptionSpec("cluster-local-node", value=UINT32, invertible=True, help="this node's number, from 1"),
    OptionSpec("cluster-local-nodemask", value=UINT32, invertible=True,
               help="this node's numbers as a bit mask (instead of --cluster-local-node)"),
    OptionSpec("cluster-hash-seed", value=UINT32, help="seed of the Jenkins hash"),
    summary="the packet's hash falls to this cluster node",
    meaning=Opaque("a hash of the packet decides, against the node numbers"),
    required=(
        frozenset({"cluster-local-node", "cluster-local-nodemask"}),
        frozenset({"cluster-total-nodes"}),
        frozenset({"cluster-hash-seed"}),
    ),
)
