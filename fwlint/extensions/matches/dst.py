"""dst: length and options of the IPv6 Destination Options header."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32

EXTENSION = match(
    "dst",
    OptionSpec("dst-len", value=UINT32, invertible=True, help="header length in octets"),
    OptionSpec("dst-opts", help="type[:length][,type[:length]]...: the options, by number"),
    summary="IPv6 destination options header",
    family=6,
    meaning=Opaque("IPv6 extension headers are not modelled"),
)
