"""SYNPROXY: answer TCP handshakes with SYN cookies; the server sees only completed ones."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import stored_in


def _meaning(target, enc):
    """Handshake packets it answers or drops are decided; the others go on."""
    enc.options(target)
    return enc.maybe("SYNPROXY")


def _nft(target, ctx):
    """``synproxy mss 1460 wscale 7 timestamp sack-perm``: the same SYN proxy."""
    opts = ctx.options(target)
    words, data = ["synproxy"], {}
    if "mss" in opts:
        data["mss"] = ctx.value(opts["mss"])
        words.append(f"mss {data['mss']}")
    if "wscale" in opts:
        data["wscale"] = ctx.value(opts["wscale"])
        words.append(f"wscale {data['wscale']}")
    flags = [f for f in ("timestamp", "sack-perm") if f in opts]
    words.extend(flags)
    if flags:
        data["flags"] = flags
    return [ctx.terminal(" ".join(words), {"synproxy": data or None})]


EXTENSION = target(
    "SYNPROXY",
    OptionSpec("mss", value=stored_in(16), help="MSS announced to clients; must match the server"),
    OptionSpec("wscale", value=stored_in(8),
               help="window scale announced to clients; must match the server"),
    OptionSpec("sack-perm", arity=0, help="pass selective acknowledgement on to the server"),
    OptionSpec("timestamp", arity=0, help="pass the timestamp option on to the server"),
    summary="proxy the TCP handshake with SYN cookies (packets it does not handle continue)",
    chains=frozenset({"INPUT", "FORWARD"}),  # any table with those hooks (filter, mangle, nat INPUT)
    protocols=frozenset({"tcp", "6"}),
    nft=_nft,
    meaning=_meaning,
)
