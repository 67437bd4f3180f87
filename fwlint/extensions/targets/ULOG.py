"""ULOG: the old IPv4-only userspace logging target, replaced by NFLOG; the packet continues."""

from fwlint.extensions import NoNft, OptionSpec, target
from fwlint.extensions.values import UINT32, integer


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


_NFT = NoNft('ULOG is gone from the kernel (NFLOG replaced it)')


EXTENSION = target(
    "ULOG",
    OptionSpec("ulog-nlgroup", value=integer(1, 32), help="netlink group 1-32; 1 by default"),
    OptionSpec("ulog-prefix", help="text before the log message, up to 32 characters"),
    OptionSpec("ulog-cprange", value=UINT32, help="bytes copied to userspace; 0, the default, copies all"),
    OptionSpec("ulog-qthreshold", value=integer(1, 50),
               help="packets gathered in the kernel before one netlink message; 1 by default"),
    summary="log to userspace over netlink (deprecated: use NFLOG) and continue",
    family=4,
    removed="Linux 3.17 (2014) removed it; use -j NFLOG",
    nft=_NFT,
    meaning=_meaning,
)
