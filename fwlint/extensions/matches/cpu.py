"""cpu: the CPU handling the packet."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32

EXTENSION = match(
    "cpu",
    OptionSpec("cpu", value=UINT32, invertible=True, help="CPU number, from 0"),
    summary="processing CPU",
    meaning=Opaque("the CPU is not a header field"),
    required=(frozenset({"cpu"}),),
)
