"""AUDIT: write an audit record for the packet; the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import choice


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


EXTENSION = target(
    "AUDIT",
    OptionSpec("type", value=choice("accept", "drop", "reject", what="audit record type", fold=True),
               help="accept, drop or reject; ignored by kernels since 4.12"),
    summary="create an audit record and continue",
    meaning=_meaning,
    required=(frozenset({"type"}),),
)
