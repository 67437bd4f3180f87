"""realm: the routing realm the route lookup assigned (IPv4)."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import number_or_name


def _nft(match, ctx):
    """``meta rtclassid 5`` / ``meta rtclassid & 0xff == 5`` (the route's realm), negated ``!=``.
    A realm name comes from the host's /etc/iproute2/rt_realms: write its number."""
    from fwlint.extensions.values import MARK, BadValue

    parts = []
    for name, opt in ctx.options(match).items():
        try:
            value, mask = MARK.parse(opt.values[0] if opt.values else "", ctx.family)
        except BadValue:
            ctx.refuse(f"{opt.written} {' '.join(opt.values)}: a realm name is looked up in the host's "
                       "/etc/iproute2/rt_realms; write its number", opt)
        left = ctx.meta("rtclassid")
        if mask != 0xFFFFFFFF:
            left = ctx.masked(left, ctx.hex(mask))
        parts.append(ctx.match(left, ctx.number(value), opt.negated))
    return parts


EXTENSION = match(
    "realm",
    OptionSpec("realm", value=number_or_name("realm", "/etc/iproute2/rt_realms"), invertible=True,
               help="value[/mask], or a name from /etc/iproute2/rt_realms (no mask then)"),
    summary="routing realm (IPv4)",
    chains=frozenset({"INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}),
    family=4,
    nft=_nft,
    meaning=Opaque("routing realms are not modelled"),
    required=(frozenset({"realm"}),),
)
