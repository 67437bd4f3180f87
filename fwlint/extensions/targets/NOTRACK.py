"""NOTRACK: exempt the packet from connection tracking (the same as CT --notrack)."""

from fwlint.extensions import target


def _meaning(target, enc):
    """The packet becomes untracked: its connection state and marks may change (any value,
    as far as the model says)."""
    enc.options(target)
    return enc.go_on(enc.havoc("ctstate"), enc.havoc("snat"), enc.havoc("dnat"),
                     enc.havoc("ctstatus"), enc.havoc("ctmark"))


EXTENSION = target(
    "NOTRACK",
    summary="do not track the packet's connection and continue",
    tables=frozenset({"raw"}),
    meaning=_meaning,
)
