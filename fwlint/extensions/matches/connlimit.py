"""connlimit: the number of connections open per client address (or address block)."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import PREFIX_LENGTH, UINT32

EXTENSION = match(
    "connlimit",
    OptionSpec("connlimit-upto", value=UINT32, invertible=True, help="at most this many connections"),
    OptionSpec("connlimit-above", value=UINT32, invertible=True, help="more than this many connections"),
    OptionSpec("connlimit-mask", value=PREFIX_LENGTH,
               help="prefix length addresses are grouped by (0-32 IPv4, 0-128 IPv6)"),
    OptionSpec("connlimit-saddr", arity=0, help="count per source group (the default)"),
    OptionSpec("connlimit-daddr", arity=0, help="count per destination group"),
    summary="number of parallel connections per address group",
    meaning=Opaque("counts the connections open at the time"),
    exclusive=(
        frozenset({"connlimit-upto", "connlimit-above"}),
        frozenset({"connlimit-saddr", "connlimit-daddr"}),
    ),
    required=(frozenset({"connlimit-upto", "connlimit-above"}),),
)
