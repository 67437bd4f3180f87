"""cpu: the CPU handling the packet."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import UINT32


def _nft(match, ctx):
    """``meta cpu N``, negated ``!=``."""
    opts = ctx.options(match)
    return [ctx.match(ctx.meta("cpu"), ctx.number(ctx.value(opt)), opt.negated) for opt in opts.values()]


EXTENSION = match(
    "cpu",
    OptionSpec("cpu", value=UINT32, invertible=True, help="CPU number, from 0"),
    summary="processing CPU",
    nft=_nft,
    meaning=Opaque("the CPU is not a header field"),
    required=(frozenset({"cpu"}),),
)
