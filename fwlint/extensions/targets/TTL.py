"""TTL: set, lower or raise the IPv4 time to live."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT8

EXTENSION = target(
    "TTL",
    OptionSpec("ttl-set", value=UINT8, help="set the TTL to this value"),
    OptionSpec("ttl-dec", value=UINT8, help="lower the TTL by this much"),
    OptionSpec("ttl-inc", value=UINT8, help="raise the TTL by this much"),
    summary="change the IPv4 TTL and continue",
    tables=frozenset({"mangle"}),
    family=4,
)
