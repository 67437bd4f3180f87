"""mh: the type of an IPv6 Mobility Header message (loaded by ``-p mh`` or ``-p ipv6-mh``)."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import MH_TYPE_RANGE

EXTENSION = match(
    "mh",
    OptionSpec("mh-type", value=MH_TYPE_RANGE, invertible=True,
               help="type or type:type, by number or name (binding-update, bu ...)"),
    summary="IPv6 mobility header type",
    protocols=frozenset({"mh", "ipv6-mh", "mobility-header", "135"}),
    family=6,
    implied_by=frozenset({"mh", "ipv6-mh", "135"}),
    meaning=Opaque("the mobility header type is not modelled"),
)
