"""rt: fields of the IPv6 routing header."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import ADDRESS_LIST, UINT32, UINT32_RANGE

EXTENSION = match(
    "rt",
    OptionSpec("rt-type", value=UINT32, invertible=True, help="routing header type (a number)"),
    OptionSpec("rt-segsleft", value=UINT32_RANGE, invertible=True,
               help="segments left, num or num:num"),
    OptionSpec("rt-len", value=UINT32, invertible=True, help="length of the header"),
    OptionSpec("rt-0-res", arity=0, help="also match the reserved field (type 0)"),
    OptionSpec("rt-0-addrs", value=ADDRESS_LIST, help="the type-0 address list, comma-separated"),
    OptionSpec("rt-0-not-strict", arity=0, help="the --rt-0-addrs list need not be exact"),
    summary="IPv6 routing header",
    family=6,
    meaning=Opaque("IPv6 routing header fields are not modelled"),
)
