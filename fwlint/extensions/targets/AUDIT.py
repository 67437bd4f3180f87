"""AUDIT: write an audit record for the packet; the packet goes on to the next rule."""

from fwlint.extensions import OptionSpec, target
from fwlint.extensions.values import choice

EXTENSION = target(
    "AUDIT",
    OptionSpec("type", value=choice("accept", "drop", "reject", what="audit record type"),
               help="accept, drop or reject; ignored by kernels since 4.12"),
    summary="create an audit record and continue",
)
