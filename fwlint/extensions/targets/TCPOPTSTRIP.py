"""TCPOPTSTRIP: blank out TCP options (they become NO-OPs)."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import TCP_OPTION_LIST


def _meaning(target, enc):
    """The packet goes on (TCP options are not modelled fields)."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "TCPOPTSTRIP",
    OptionSpec("strip-options", value=TCP_OPTION_LIST,
               help="comma-separated option numbers or names: mss, wscale, sack-permitted, sack, "
                    "timestamp, md5"),
    summary="remove TCP options and continue",
    tables=frozenset({"mangle"}),
    protocols=frozenset({"tcp", "6"}),
    meaning=_meaning,
)
