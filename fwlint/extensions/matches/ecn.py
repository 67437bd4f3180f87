"""ecn: the ECN bits of the IP header and the ECN flags of the TCP header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import integer

EXTENSION = match(
    "ecn",
    OptionSpec("ecn-tcp-cwr", arity=0, invertible=True, help="TCP CWR flag set (needs -p tcp)"),
    OptionSpec("ecn-tcp-ece", arity=0, invertible=True, help="TCP ECE flag set (needs -p tcp)"),
    OptionSpec("ecn-ip-ect", value=integer(0, 3), invertible=True,
               help="the IP header's ECN field equals this, 0-3"),
    summary="explicit congestion notification bits",
)
