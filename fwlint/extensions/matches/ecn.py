"""ecn: the ECN bits of the IP header and the ECN flags of the TCP header."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import integer


def _meaning(match, enc):
    """--ecn-ip-ect: the low two bits of the TOS byte; --ecn-tcp-cwr/--ecn-tcp-ece: the TCP
    flag (read from the TCP header, fragment or not)."""
    opts = enc.options(match)
    if not opts:
        enc.refuse("-m ecn needs an option")
    out = enc.true
    for name, opt in opts.items():
        if name == "ecn-ip-ect":
            out &= enc.negate(enc.masked("tos", enc.value(opt), 0x03), opt)
        else:
            flag = "CWR" if name == "ecn-tcp-cwr" else "ECE"
            out &= enc.negate(enc.tcp_flags((flag,), (flag,)), opt)
    return out


EXTENSION = match(
    "ecn",
    OptionSpec("ecn-tcp-cwr", arity=0, invertible=True, help="TCP CWR flag set (needs -p tcp)"),
    OptionSpec("ecn-tcp-ece", arity=0, invertible=True, help="TCP ECE flag set (needs -p tcp)"),
    OptionSpec("ecn-ip-ect", value=integer(0, 3), invertible=True,
               help="the IP header's ECN field equals this, 0-3"),
    summary="explicit congestion notification bits",
    meaning=_meaning,
    required=(frozenset({"ecn-tcp-cwr", "ecn-tcp-ece", "ecn-ip-ect"}),),
)
