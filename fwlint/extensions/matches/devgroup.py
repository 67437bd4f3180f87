"""devgroup: the device group of the incoming or outgoing interface.

The kernel refuses ``--src-group`` from OUTPUT and POSTROUTING (no incoming device) and
``--dst-group`` from PREROUTING and INPUT (no outgoing device yet), at commit.
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import Opaque, OptionSpec, Placement, match


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    for opt in options:
        if opt.name == "src-group":
            yield Placement(opt.name, chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}))
        elif opt.name == "dst-group":
            yield Placement(opt.name, chains=frozenset({"FORWARD", "OUTPUT", "POSTROUTING"}))

EXTENSION = match(
    "devgroup",
    OptionSpec("src-group", invertible=True,
               help="group of the incoming device: value[/mask] or a name from /etc/iproute2/group"),
    OptionSpec("dst-group", invertible=True,
               help="group of the outgoing device: value[/mask] or a name"),
    summary="interface device group",
    placement=_placement,
    meaning=Opaque("device groups are not modelled"),
    required=(frozenset({"src-group", "dst-group"}),),
)
