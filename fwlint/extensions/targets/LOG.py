"""LOG: write the packet's headers to the kernel log; the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import choice

EXTENSION = target(
    "LOG",
    OptionSpec("log-level", value=choice("emerg", "alert", "crit", "error", "warning", "notice",
                                         "info", "debug", "0", "1", "2", "3", "4", "5", "6", "7",
                                         what="log level", fold=True),
               help="syslog level, name or 0-7"),
    OptionSpec("log-prefix", help="text before the log line, up to 29 characters"),
    OptionSpec("log-tcp-sequence", arity=0, help="log TCP sequence numbers"),
    OptionSpec("log-tcp-options", arity=0, help="log TCP options"),
    OptionSpec("log-ip-options", arity=0, help="log IP options"),
    OptionSpec("log-uid", arity=0, help="log the socket's owner"),
    OptionSpec("log-macdecode", arity=0, help="decode the MAC header"),
    summary="log the packet and continue",
)
