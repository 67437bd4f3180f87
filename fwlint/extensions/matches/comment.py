"""comment: a note on the rule, up to 255 characters; matches every packet."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import text


def _meaning(match, enc):
    """Every packet."""
    enc.options(match)
    return enc.true



def _concrete(match, pkt):
    """Every packet."""
    pkt.options(match)
    return True


EXTENSION = match(
    "comment",
    OptionSpec("comment", value=text(truncated_at=255, what="comment"),
               help="the text, up to 255 characters (iptables cuts a longer one)"),
    summary="a comment on the rule; matches every packet",
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"comment"}),),
)
