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


def _nft(match, ctx):
    """The rule's ``comment "..."`` (nft keeps 128 bytes of it)."""
    opts = ctx.options(match)
    if "comment" in opts:
        ctx.comment(ctx.value(opts["comment"]), opts["comment"])
    return []


EXTENSION = match(
    "comment",
    OptionSpec("comment", value=text(truncated_at=255, what="comment"),
               help="the text, up to 255 characters (iptables cuts a longer one)"),
    summary="a comment on the rule; matches every packet",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"comment"}),),
)
