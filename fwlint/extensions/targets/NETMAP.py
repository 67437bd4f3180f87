"""NETMAP: map a whole network onto another, keeping the host part of each address."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import NETWORK


def _meaning(target, enc):
    """Decides (the nat table's ACCEPT after rewriting)."""
    enc.options(target)
    return enc.decide(enc.outcome_label(target))



def _concrete(target, ctx):
    """The network bits of the destination (PREROUTING, OUTPUT) or source (POSTROUTING, INPUT)
    become those of --to, the host bits stay; the table accepts the packet."""
    opts = ctx.options(target)
    if "to" not in opts:
        ctx.refuse("-j NETMAP needs --to")
    network = ctx.value(opts["to"])
    if network.version != ctx.family:
        ctx.refuse(f"{network} is not an IPv{ctx.family} network")
    return ctx.netmap(target, network)


EXTENSION = target(
    "NETMAP",
    OptionSpec("to", value=NETWORK,
               help="address/mask: the network bits come from here, the host bits stay"),
    summary="1:1 network-to-network NAT (destination in PREROUTING/OUTPUT, source in "
            "POSTROUTING/INPUT)",
    tables=frozenset({"nat"}),
    terminal=True,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"to"}),),
)
