"""TTL: set, lower or raise the IPv4 time to live."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT8, integer


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


def _nft(target, ctx):
    """--ttl-set as ``ip ttl set N``.  nft cannot add to or subtract from a header field:
    --ttl-inc and --ttl-dec have no nft form."""
    opts = ctx.options(target)
    for unsupported in ("ttl-inc", "ttl-dec"):
        if unsupported in opts:
            ctx.refuse(f"--{unsupported}: nft cannot do arithmetic on the TTL", opts[unsupported])
    if "ttl-set" not in opts:
        ctx.refuse("-j TTL needs an option (iptables refuses it)", target, refused=True)
    value = ctx.value(opts["ttl-set"])
    key = ctx.payload("ip", "ttl")
    return [ctx.statement(f"{key.text} set {value}", {"mangle": {"key": key.json, "value": value}})]


EXTENSION = target(
    "TTL",
    OptionSpec("ttl-set", value=UINT8, help="set the TTL to this value"),
    OptionSpec("ttl-dec", value=integer(1, 255), help="lower the TTL by this much"),
    OptionSpec("ttl-inc", value=integer(1, 255), help="raise the TTL by this much"),
    summary="change the IPv4 TTL and continue",
    tables=frozenset({"mangle"}),
    family=4,
    nft=_nft,
    meaning=_meaning,
    exclusive=(frozenset({"ttl-set", "ttl-dec", "ttl-inc"}),),
    required=(frozenset({"ttl-set", "ttl-dec", "ttl-inc"}),),
)
