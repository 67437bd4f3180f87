"""ipcomp: the CPI of the IPsec IP Payload Compression header (loaded by ``-p ipcomp`` on its own)."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import UINT32_RANGE


def _nft(match, ctx):
    """``comp cpi 1-10`` (the CPI is 16 bits), negated ``!=``; --compres (the reserved field is
    zero) as ``comp flags 0``."""
    parts = []
    for name, opt in ctx.options(match).items():
        if name == "ipcompspi":
            low, high = ctx.value(opt)
            if low > 0xFFFF:
                if not opt.negated:
                    ctx.never(f"CPI {opt.values[0]} is more than 16 bits", opt)
                continue
            cpis = ctx.range(low, min(high, 0xFFFF))
            parts.append(ctx.match(ctx.payload("comp", "cpi"), cpis, opt.negated))
        elif name == "compres":
            parts.append(ctx.match(ctx.payload("comp", "flags"), ctx.number(0)))
    if not parts:
        parts.append(ctx.match(ctx.meta("l4proto"), ctx.protocol_value(108)))
    return parts


EXTENSION = match(
    "ipcomp",
    OptionSpec("ipcompspi", value=UINT32_RANGE, invertible=True, help="CPI, cpi or cpi:cpi"),
    OptionSpec("compres", arity=0, help="the reserved field is zero"),
    summary="IPsec IPComp compression parameter index",
    protocols=frozenset({"ipcomp", "108"}),
    implied_by=frozenset({"ipcomp", "108"}), nft=_nft)
