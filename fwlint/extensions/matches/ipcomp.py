"""ipcomp: the CPI of the IPsec IP Payload Compression header (loaded by ``-p ipcomp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT32_RANGE

EXTENSION = match(
    "ipcomp",
    OptionSpec("ipcompspi", value=UINT32_RANGE, invertible=True, help="CPI, cpi or cpi:cpi"),
    OptionSpec("compres", arity=0, help="the reserved field is zero"),
    summary="IPsec IPComp compression parameter index",
    protocols=frozenset({"ipcomp", "108"}),
    implied_by=frozenset({"ipcomp", "108"}),
)
