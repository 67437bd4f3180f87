"""devgroup: the device group of the incoming or outgoing interface.

The kernel refuses ``--src-group`` from OUTPUT and POSTROUTING (no incoming device) and
``--dst-group`` from PREROUTING and INPUT (no outgoing device yet), at commit.
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import Opaque, OptionSpec, Placement, match
from fwlint.extensions.values import number_or_name

_GROUP = number_or_name("device group", "/etc/iproute2/group")


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    for opt in options:
        if opt.name == "src-group":
            yield Placement(opt.name, chains=frozenset({"PREROUTING", "INPUT", "FORWARD"}))
        elif opt.name == "dst-group":
            yield Placement(opt.name, chains=frozenset({"FORWARD", "OUTPUT", "POSTROUTING"}))

def _nft(match, ctx):
    """``meta iifgroup 5`` / ``meta oifgroup & 0xf0 == 0x10``, negated ``!=``.  A group name comes
    from the host's /etc/iproute2/group when the rules are loaded: write its number."""
    from fwlint.extensions.values import MARK, BadValue

    parts = []
    for name, opt in ctx.options(match).items():
        key = "iifgroup" if name == "src-group" else "oifgroup"
        try:
            value, mask = MARK.parse(opt.values[0] if opt.values else "", ctx.family)
        except BadValue:
            ctx.refuse(f"{opt.written} {' '.join(opt.values)}: a group name is looked up in the host's "
                       "/etc/iproute2/group; write its number", opt)
        left = ctx.meta(key)
        if mask != 0xFFFFFFFF:
            left = ctx.masked(left, ctx.hex(mask))
        parts.append(ctx.match(left, ctx.number(value), opt.negated))
    return parts


EXTENSION = match(
    "devgroup",
    OptionSpec("src-group", value=_GROUP, invertible=True,
               help="group of the incoming device: value[/mask] or a name from /etc/iproute2/group"),
    OptionSpec("dst-group", value=_GROUP, invertible=True,
               help="group of the outgoing device: value[/mask] or a name"),
    summary="interface device group",
    placement=_placement,
    nft=_nft,
    meaning=Opaque("device groups are not modelled"),
    required=(frozenset({"src-group", "dst-group"}),),
)
