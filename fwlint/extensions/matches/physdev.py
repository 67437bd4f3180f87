"""physdev: the bridge ports a bridged packet came in on or goes out by.

The kernel refuses ``--physdev-out`` and ``--physdev-is-out`` from OUTPUT unless the rule also
has a positive ``--physdev-is-bridged`` (at commit); every other hook accepts them.  The port a
packet leaves by is known only once the bridge has decided, so (checked with bridged traffic on
Linux 6.18) a positive ``--physdev-out`` or ``--physdev-is-out`` never matches in PREROUTING,
INPUT or OUTPUT: only in FORWARD and POSTROUTING.
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import NoNft, Opaque, OptionSpec, Placement, match
from fwlint.extensions.values import INTERFACE


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    bridged = any(o.name == "physdev-is-bridged" and not o.negated for o in options)
    for opt in options:
        if opt.name not in ("physdev-out", "physdev-is-out"):
            continue
        if not bridged:
            yield Placement(opt.name,
                            chains=frozenset({"PREROUTING", "INPUT", "FORWARD", "POSTROUTING"}),
                            note="or from OUTPUT with --physdev-is-bridged")
        if not opt.negated:
            yield Placement(opt.name, chains=frozenset({"FORWARD", "POSTROUTING"}), enforced=False,
                            note="the port a packet leaves by is known once the bridge has decided")


_NFT = NoNft(
    "physdev reads the bridge ports of packets bridged through br_netfilter; nft's ip and ip6 tables "
    "do not see them (use a bridge family table)")


EXTENSION = match(
    "physdev",
    OptionSpec("physdev-in", value=INTERFACE, invertible=True,
               help="bridge port the packet came in on (INPUT, FORWARD, PREROUTING); + matches a prefix"),
    OptionSpec("physdev-out", value=INTERFACE, invertible=True,
               help="bridge port the packet will leave by (FORWARD, POSTROUTING); + matches a prefix"),
    OptionSpec("physdev-is-in", arity=0, invertible=True, help="the packet came in through a bridge port"),
    OptionSpec("physdev-is-out", arity=0, invertible=True,
               help="the packet will leave through a bridge port"),
    OptionSpec("physdev-is-bridged", arity=0, invertible=True,
               help="the packet is being bridged, not routed (FORWARD, POSTROUTING)"),
    summary="bridge port of bridged packets",
    placement=_placement,
    nft=_NFT,
    meaning=Opaque("bridge ports are not modelled"),
    required=(
        frozenset({"physdev-in", "physdev-out", "physdev-is-in", "physdev-is-out", "physdev-is-bridged"}),
    ),
)
