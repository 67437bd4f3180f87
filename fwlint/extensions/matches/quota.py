"""quota: match until a byte budget, shared by the rule, is used up."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT64

EXTENSION = match(
    "quota",
    OptionSpec("quota", value=UINT64, invertible=True,
               help="bytes; matches until they are spent (negated: only afterwards)"),
    summary="byte quota",
    meaning=Opaque("a byte budget depends on the traffic before the packet"),
    required=(frozenset({"quota"}),),
)
