"""NOTRACK: exempt the packet from connection tracking (the same as CT --notrack)."""

from fwlint.extensions import target


def _meaning(target, enc):
    """The packet becomes untracked: its connection state and marks may change (any value,
    as far as the model says)."""
    enc.options(target)
    return enc.go_on(enc.havoc("ctstate"), enc.havoc("snat"), enc.havoc("dnat"),
                     enc.havoc("ctstatus"), enc.havoc("ctmark"))


def _concrete(target, ctx):
    """The packet gets no connection: from here on its state is UNTRACKED, without NAT flags,
    status or connection mark."""
    ctx.options(target)
    return ctx.go_on(ctx.assign("ctstate", "UNTRACKED"), ctx.assign("snat", False),
                     ctx.assign("dnat", False), ctx.assign("ctstatus", frozenset()))


def _nft(target, ctx):
    """``notrack``."""
    ctx.options(target)
    return [ctx.statement("notrack", {"notrack": None})]


EXTENSION = target(
    "NOTRACK",
    summary="do not track the packet's connection and continue",
    tables=frozenset({"raw"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
