"""state: the older connection state match; ``-m conntrack --ctstate`` supersedes it."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import STATE_LIST


def _meaning(match, enc):
    """The packet's connection state is one of the list (INVALID, NEW, ESTABLISHED, RELATED,
    UNTRACKED: exactly one holds for each packet)."""
    opts = enc.options(match)
    if "state" not in opts:
        enc.refuse("-m state needs --state")
    opt = opts["state"]
    return enc.negate(enc.ct_states(enc.value(opt)), opt)


def _concrete(match, pkt):
    """As state_mt: the packet's state (INVALID or UNTRACKED when it has no connection) is in
    the list; ! --state takes the other states."""
    opts = pkt.options(match)
    if "state" not in opts:
        pkt.refuse("-m state needs --state")
    opt = opts["state"]
    names = pkt.value(opt)
    return pkt.invert(pkt.test("ctstate", lambda state: state in names), opt)


_NFT_STATE_ORDER = ("INVALID", "ESTABLISHED", "RELATED", "NEW", "UNTRACKED")


def _nft(match, ctx):
    """``ct state new,established``: any of the states; negated, none of them (``ct state &
    (new|invalid) == 0``; nft's ``ct state != new,invalid`` would compare the whole value)."""
    opts = ctx.options(match)
    if "state" not in opts:
        ctx.refuse("-m state needs --state (iptables refuses it)", match, refused=True)
    opt = opts["state"]
    names = [s.lower() for s in _NFT_STATE_ORDER if s in ctx.value(opt)]
    return [ctx.flag_match(ctx.ct("state"), names, opt.negated, one_hot=True)]


EXTENSION = match(
    "state",
    OptionSpec("state", value=STATE_LIST, invertible=True,
               help="INVALID, NEW, ESTABLISHED, RELATED, UNTRACKED"),
    summary="connection state (superseded by conntrack --ctstate)",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"state"}),),
)
