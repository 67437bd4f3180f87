"""DSCP: rewrite the DiffServ code point of the IP header."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import DSCP_CLASS, integer


def _meaning(target, enc):
    """The top six bits of the TOS / traffic class byte become the code point."""
    opts = enc.options(target)
    if len(opts) != 1:
        enc.refuse("-j DSCP takes exactly one of --set-dscp, --set-dscp-class")
    (opt,) = opts.values()
    return enc.go_on(enc.set_bits("tos", enc.value(opt) << 2, 0xFC))


def _nft(target, ctx):
    """``ip dscp set 0x2e`` (``ip6 dscp set``)."""
    opts = ctx.options(target)
    opt = opts.get("set-dscp") or opts.get("set-dscp-class")
    if opt is None:
        ctx.refuse("-j DSCP needs --set-dscp or --set-dscp-class (iptables refuses it)", target, refused=True)
    value = ctx.value(opt)
    key = ctx.ip("dscp")
    return [ctx.statement(f"{key.text} set 0x{value:x}", {"mangle": {"key": key.json, "value": value}})]


EXTENSION = target(
    "DSCP",
    OptionSpec("set-dscp", value=integer(0, 63), help="code point 0-63 (decimal or hex)"),
    OptionSpec("set-dscp-class", value=DSCP_CLASS, help="a DiffServ class: BE, EF, AF11-AF43, CS0-CS7"),
    summary="set the DSCP field and continue",
    tables=frozenset({"mangle"}),
    nft=_nft,
    meaning=_meaning,
    exclusive=(frozenset({"set-dscp", "set-dscp-class"}),),
    required=(frozenset({"set-dscp", "set-dscp-class"}),),
)
