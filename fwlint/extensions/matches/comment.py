"""comment: a note on the rule, up to 255 characters; matches every packet."""

from fwlint.extensions import OptionSpec, match

EXTENSION = match(
    "comment",
    OptionSpec("comment", help="the text, up to 255 characters"),
    summary="a comment on the rule; matches every packet",
)
