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


def _nft(target, ctx):
    """``dnat prefix to NET`` before routing and in OUTPUT, ``snat prefix to NET`` after
    routing and in INPUT: the network bits from NET, the host bits kept, as NETMAP.  In a user
    chain, by the built-in chains that reach it."""
    opts = ctx.options(target)
    if "to" not in opts:
        ctx.refuse("-j NETMAP needs --to (iptables refuses it)", target, refused=True)
    network = ctx.value(opts["to"])
    hooks = ctx.hooks()
    if hooks and hooks <= {"PREROUTING", "OUTPUT"}:
        verb = "dnat"
    elif hooks and hooks <= {"POSTROUTING", "INPUT"}:
        verb = "snat"
    elif not hooks:
        ctx.refuse("NETMAP in a chain no built-in chain reaches: nft needs dnat or snat chosen",
                   target)
    else:
        ctx.refuse("NETMAP in a chain reached both before and after routing: nft needs dnat or "
                   "snat chosen per rule", target)
    return [ctx.nat(verb, network)]


EXTENSION = target(
    "NETMAP",
    OptionSpec("to", value=NETWORK,
               help="address/mask: the network bits come from here, the host bits stay"),
    summary="1:1 network-to-network NAT (destination in PREROUTING/OUTPUT, source in "
            "POSTROUTING/INPUT)",
    tables=frozenset({"nat"}),
    terminal=True,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"to"}),),
)
