"""tcpmss: the MSS option of TCP SYN and SYN/ACK segments."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT16_RANGE

EXTENSION = match(
    "tcpmss",
    OptionSpec("mss", value=UINT16_RANGE, invertible=True, help="MSS value or value:value range"),
    summary="TCP maximum segment size option",
    protocols=frozenset({"tcp", "6"}),
    meaning=Opaque("the TCP MSS option is not modelled"),
    required=(frozenset({"mss"}),),
)
