"""HL: set, lower or raise the IPv6 hop limit."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT8


def _meaning(target, enc):
    """The hop limit: --hl-set sets it; --hl-inc/--hl-dec change it (any value, as far as the model says)."""
    opts = enc.options(target)
    if len(opts) != 1:
        enc.refuse("-j HL takes exactly one action")
    (name, opt), = opts.items()
    value = enc.value(opt)
    if name == "hl-set":
        return enc.go_on(enc.set_bits("ttl", value, 0xFF))
    return enc.go_on(enc.havoc("ttl"))


EXTENSION = target(
    "HL",
    OptionSpec("hl-set", value=UINT8, help="set the hop limit to this value"),
    OptionSpec("hl-dec", value=UINT8, help="lower the hop limit by this much"),
    OptionSpec("hl-inc", value=UINT8, help="raise the hop limit by this much"),
    summary="change the IPv6 hop limit and continue",
    tables=frozenset({"mangle"}),
    family=6,
    meaning=_meaning,
    exclusive=(frozenset({"hl-set", "hl-dec", "hl-inc"}),),
    required=(frozenset({"hl-set", "hl-dec", "hl-inc"}),),
)
