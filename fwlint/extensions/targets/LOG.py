"""LOG: write the packet's headers to the kernel log; the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import LOG_LEVEL, text


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


_NFT_LEVELS = ("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug")
_NFT_FLAGS = (("log-tcp-sequence", "tcp sequence"), ("log-tcp-options", "tcp options"),
              ("log-ip-options", "ip options"), ("log-uid", "skuid"), ("log-macdecode", "ether"))


def _nft(target, ctx):
    """``log prefix "..." level warn flags ...``: the same syslog logger, level and flags."""
    opts = ctx.options(target)
    words, data = ["log"], {}
    if "log-prefix" in opts:
        prefix = ctx.string(ctx.value(opts["log-prefix"]), opts["log-prefix"], lossy="log prefix")
        words.append(f"prefix {prefix.text}")
        data["prefix"] = prefix.json
    if "log-level" in opts:
        level = _NFT_LEVELS[ctx.value(opts["log-level"])]
        if level != "warn":
            words.append(f"level {level}")
            data["level"] = level
    flags = [nft for ipt, nft in _NFT_FLAGS if ipt in opts]
    if flags:
        tcp = [f[4:] for f in flags if f.startswith("tcp ")]
        rest = [f for f in flags if not f.startswith("tcp ")]
        if tcp:
            words.append("flags tcp " + ",".join(tcp))
        words.extend(f"flags {f}" for f in rest)
        data["flags"] = flags
    return [ctx.statement(" ".join(words), {"log": data or None})]


EXTENSION = target(
    "LOG",
    OptionSpec("log-level", value=LOG_LEVEL,
               help="syslog level, 0-7 or a lower-case name (emerg, alert ... debug)"),
    OptionSpec("log-prefix", value=text(1, truncated_at=29, what="log prefix"),
               help="text before the log line, up to 29 characters (iptables cuts a longer one)"),
    OptionSpec("log-tcp-sequence", arity=0, help="log TCP sequence numbers"),
    OptionSpec("log-tcp-options", arity=0, help="log TCP options"),
    OptionSpec("log-ip-options", arity=0, help="log IP options"),
    OptionSpec("log-uid", arity=0, help="log the socket's owner"),
    OptionSpec("log-macdecode", arity=0, help="decode the MAC header"),
    summary="log the packet and continue",
    nft=_nft,
    meaning=_meaning,
)
