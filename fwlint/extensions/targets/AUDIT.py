"""AUDIT: write an audit record for the packet; the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import choice


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


def _nft(target, ctx):
    """``log level audit``: an audit record of the packet.  AUDIT's --type (accept, drop,
    reject) has no place in nft's record (approximate)."""
    opts = ctx.options(target)
    if "type" in opts:
        ctx.approximate("the audit record does not carry --type", opts["type"])
    return [ctx.statement("log level audit", {"log": {"level": "audit"}})]


EXTENSION = target(
    "AUDIT",
    OptionSpec("type", value=choice("accept", "drop", "reject", what="audit record type", fold=True),
               help="accept, drop or reject; ignored by kernels since 4.12"),
    summary="create an audit record and continue",
    nft=_nft,
    meaning=_meaning,
    required=(frozenset({"type"}),),
)
