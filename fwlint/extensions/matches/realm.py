"""realm: the routing realm the route lookup assigned (IPv4)."""

from fwlint.extensions import Opaque, OptionSpec, match

EXTENSION = match(
    "realm",
    OptionSpec("realm", invertible=True,
               help="value[/mask], or a name from /etc/iproute2/rt_realms (no mask then)"),
    summary="routing realm (IPv4)",
    chains=frozenset({"INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}),
    family=4,
    meaning=Opaque("routing realms are not modelled"),
    required=(frozenset({"realm"}),),
)
