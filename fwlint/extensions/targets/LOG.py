"""LOG: write the packet's headers to the kernel log; the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import LOG_LEVEL, text


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


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
    meaning=_meaning,
)
