"""tcpmss: the MSS option of TCP SYN and SYN/ACK segments."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import int_range

EXTENSION = match(
    "tcpmss",
    OptionSpec("mss", value=int_range(0, 65535, backwards="refused"), invertible=True,
               help="MSS value or value:value range"),
    summary="TCP maximum segment size option",
    protocols=frozenset({"tcp", "6"}),
    meaning=Opaque("the TCP MSS option is not modelled"),
    required=(frozenset({"mss"}),),
)
