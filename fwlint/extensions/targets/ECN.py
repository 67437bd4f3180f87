"""ECN: clear (or set) ECN bits to get past hosts that mishandle them (IPv4)."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import integer

EXTENSION = target(
    "ECN",
    OptionSpec("ecn-tcp-remove", arity=0, help="clear the ECN bits of the TCP header (needs -p tcp)"),
    OptionSpec("ecn-tcp-cwr", value=integer(0, 1), help="set the TCP CWR flag to 0 or 1 (needs -p tcp)"),
    OptionSpec("ecn-tcp-ece", value=integer(0, 1), help="set the TCP ECE flag to 0 or 1 (needs -p tcp)"),
    OptionSpec("ecn-ip-ect", value=integer(0, 3), help="set the IP header's ECN field, 0-3"),
    summary="rewrite ECN bits and continue",
    tables=frozenset({"mangle"}),
    family=4,
)
