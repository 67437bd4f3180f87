"""HL: set, lower or raise the IPv6 hop limit."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT8, integer


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


def _nft(target, ctx):
    """--hl-set as ``ip6 hoplimit set N``.  nft cannot add to or subtract from a header field:
    --hl-inc and --hl-dec have no nft form."""
    opts = ctx.options(target)
    for unsupported in ("hl-inc", "hl-dec"):
        if unsupported in opts:
            ctx.refuse(f"--{unsupported}: nft cannot do arithmetic on the hop limit", opts[unsupported])
    if "hl-set" not in opts:
        ctx.refuse("-j HL needs an option (ip6tables refuses it)", target, refused=True)
    value = ctx.value(opts["hl-set"])
    key = ctx.payload("ip6", "hoplimit")
    return [ctx.statement(f"{key.text} set {value}", {"mangle": {"key": key.json, "value": value}})]


EXTENSION = target(
    "HL",
    OptionSpec("hl-set", value=UINT8, help="set the hop limit to this value"),
    OptionSpec("hl-dec", value=integer(1, 255), help="lower the hop limit by this much"),
    OptionSpec("hl-inc", value=integer(1, 255), help="raise the hop limit by this much"),
    summary="change the IPv6 hop limit and continue",
    tables=frozenset({"mangle"}),
    family=6,
    nft=_nft,
    meaning=_meaning,
    exclusive=(frozenset({"hl-set", "hl-dec", "hl-inc"}),),
    required=(frozenset({"hl-set", "hl-dec", "hl-inc"}),),
)
