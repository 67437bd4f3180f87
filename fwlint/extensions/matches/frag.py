"""frag: fields of the IPv6 fragment header."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32, UINT32_RANGE

EXTENSION = match(
    "frag",
    OptionSpec("fragid", value=UINT32_RANGE, invertible=True, help="identification, id or id:id"),
    OptionSpec("fraglen", value=UINT32, invertible=True,
               help="header length; refused by kernels since 2.6.10 (the length is fixed)"),
    OptionSpec("fragres", arity=0, help="the reserved fields are zero"),
    OptionSpec("fragfirst", arity=0, help="the first fragment"),
    OptionSpec("fragmore", arity=0, help="more fragments follow"),
    OptionSpec("fraglast", arity=0, help="the last fragment"),
    summary="IPv6 fragment header",
    family=6,
    meaning=Opaque("IPv6 fragment header fields are not modelled"),
)
