"""hbh: length and options of the IPv6 Hop-by-Hop Options header."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32

EXTENSION = match(
    "hbh",
    OptionSpec("hbh-len", value=UINT32, invertible=True, help="header length in octets"),
    OptionSpec("hbh-opts", help="type[:length][,type[:length]]...: the options, by number"),
    summary="IPv6 hop-by-hop options header",
    family=6,
    meaning=Opaque("IPv6 extension headers are not modelled"),
)
