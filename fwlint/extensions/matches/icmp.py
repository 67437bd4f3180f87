"""icmp: the ICMP type and code of IPv4 ICMP messages (loaded by ``-p icmp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import ICMP_TYPE

EXTENSION = match(
    "icmp",
    OptionSpec("icmp-type", value=ICMP_TYPE, invertible=True,
               help="a type name (echo-request, port-unreachable ...), a number, or type/code"),
    summary="ICMP type and code (IPv4)",
    protocols=frozenset({"icmp", "1"}),
    family=4,
    implied_by=frozenset({"icmp", "1"}),
)
