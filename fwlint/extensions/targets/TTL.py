"""TTL: set, lower or raise the IPv4 time to live."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT8


def _meaning(target, enc):
    """The TTL: --ttl-set sets it; --ttl-inc/--ttl-dec change it (any value, as far as the model says)."""
    opts = enc.options(target)
    if len(opts) != 1:
        enc.refuse("-j TTL takes exactly one action")
    (name, opt), = opts.items()
    value = enc.value(opt)
    if name == "ttl-set":
        return enc.go_on(enc.set_bits("ttl", value, 0xFF))
    return enc.go_on(enc.havoc("ttl"))


EXTENSION = target(
    "TTL",
    OptionSpec("ttl-set", value=UINT8, help="set the TTL to this value"),
    OptionSpec("ttl-dec", value=UINT8, help="lower the TTL by this much"),
    OptionSpec("ttl-inc", value=UINT8, help="raise the TTL by this much"),
    summary="change the IPv4 TTL and continue",
    tables=frozenset({"mangle"}),
    family=4,
    meaning=_meaning,
    exclusive=(frozenset({"ttl-set", "ttl-dec", "ttl-inc"}),),
    required=(frozenset({"ttl-set", "ttl-dec", "ttl-inc"}),),
)
