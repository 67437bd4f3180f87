"""NFLOG: pass the packet to a userspace logger over nfnetlink_log; the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import UINT16, UINT32, text


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "NFLOG",
    OptionSpec("nflog-group", value=UINT16, help="netlink group 0-65535; 0 by default"),
    OptionSpec("nflog-prefix", value=text(truncated_at=63, what="log prefix"),
               help="text included in the log message, up to 63 characters (iptables cuts a longer one)"),
    OptionSpec("nflog-range", value=UINT32, help="never worked; use --nflog-size"),
    OptionSpec("nflog-size", value=UINT32, help="bytes of the packet copied to userspace"),
    OptionSpec("nflog-threshold", value=UINT16,
               help="packets queued in the kernel before they are sent; 1 by default"),
    summary="log the packet through nfnetlink_log and continue",
    meaning=_meaning,
    exclusive=(frozenset({"nflog-range", "nflog-size"}),),
)
