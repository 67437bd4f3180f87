"""The standard verdicts: ACCEPT, DROP, RETURN and QUEUE (built into iptables)."""

from fwlint.extensions import target


def _accept(target, ctx):
    """``accept``."""
    ctx.options(target)
    return [ctx.verdict("accept")]


def _drop(target, ctx):
    """``drop``."""
    ctx.options(target)
    return [ctx.verdict("drop")]


def _return(target, ctx):
    """``return`` (in a base chain nft then applies the chain's policy, as iptables does; an
    inet table's per-family chains are jumped to, with the family's policy after the jump)."""
    ctx.options(target)
    return [ctx.verdict("return")]


def _decides(target, enc):
    """ACCEPT, DROP, QUEUE: the packet's fate in this table is settled."""
    enc.options(target)
    return enc.decide(target.name)


def _returns(target, enc):
    """RETURN: back to the calling chain (from a built-in chain: its policy)."""
    enc.options(target)
    return enc.returns()


def _queue(target, ctx):
    """``queue num 0``: as QUEUE, no bypass (without a listener the packet is dropped)."""
    ctx.options(target)
    return [ctx.statement("queue num 0", {"queue": {"num": 0}}, "verdict")]


EXTENSIONS = [
    target("ACCEPT", summary="let the packet through; no later rule in this table sees it",
           terminal=True, nft=_accept, meaning=_decides),
    target("DROP", summary="discard the packet silently", terminal=True,
           tables=frozenset({"filter", "mangle", "raw", "security"}), nft=_drop, meaning=_decides),
    target("RETURN", summary="stop this chain and go back to the calling chain "
                             "(or apply the policy in a built-in chain)", terminal=True, nft=_return,
           meaning=_returns),
    target("QUEUE", summary="hand the packet to a userspace program (queue 0)", terminal=True,
           nft=_queue, meaning=_decides),
]
