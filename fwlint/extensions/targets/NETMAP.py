"""NETMAP: map a whole network onto another, keeping the host part of each address."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import NETWORK


def _meaning(target, enc):
    """Decides (the nat table's ACCEPT after rewriting)."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))


EXTENSION = target(
    "NETMAP",
    OptionSpec("to", value=NETWORK,
               help="address/mask: the network bits come from here, the host bits stay"),
    summary="1:1 network-to-network NAT (destination in PREROUTING/OUTPUT, source in "
            "POSTROUTING/INPUT)",
    tables=frozenset({"nat"}),
    terminal=True,
    meaning=_meaning,
    required=(frozenset({"to"}),),
)
