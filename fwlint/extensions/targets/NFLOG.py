"""NFLOG: pass the packet to a userspace logger over nfnetlink_log; the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT16, UINT32, text


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


def _nft(target, ctx):
    """``log group N prefix "..." snaplen S queue-threshold T``: nfnetlink_log, as NFLOG.
    --nflog-range never reached the kernel (it is read only with --nflog-size's flag), so it
    has no nft form to need."""
    opts = ctx.options(target)
    group = ctx.value(opts["nflog-group"]) if "nflog-group" in opts else 0
    words, data = [f"log group {group}"], {"group": group}
    if "nflog-prefix" in opts:
        prefix = ctx.string(ctx.value(opts["nflog-prefix"]), opts["nflog-prefix"], lossy="log prefix")
        words.append(f"prefix {prefix.text}")
        data["prefix"] = prefix.json
    if "nflog-size" in opts:
        size = ctx.value(opts["nflog-size"])
        words.append(f"snaplen {size}")
        data["snaplen"] = size
    if "nflog-threshold" in opts:
        threshold = ctx.value(opts["nflog-threshold"])
        words.append(f"queue-threshold {threshold}")
        data["queue-threshold"] = threshold
    return [ctx.statement(" ".join(words), {"log": data})]


EXTENSION = target(
    "NFLOG",
    OptionSpec("nflog-group", value=UINT16, help="netlink group 0-65535; 0 by default"),
    OptionSpec("nflog-prefix", value=text(min_length=1, truncated_at=63, what="log prefix"),
               help="text included in the log message, up to 63 characters (iptables cuts a longer one)"),
    OptionSpec("nflog-range", value=UINT32, help="never worked; use --nflog-size"),
    OptionSpec("nflog-size", value=UINT32, help="bytes of the packet copied to userspace"),
    OptionSpec("nflog-threshold", value=UINT16,
               help="packets queued in the kernel before they are sent; 1 by default"),
    summary="log the packet through nfnetlink_log and continue",
    nft=_nft,
    meaning=_meaning,
    exclusive=(frozenset({"nflog-range", "nflog-size"}),),
)
