"""TRACE: trace the packet through every table, chain and rule it meets."""

from fwlint.extensions import target


def _meaning(target, enc):
    """The packet goes on unchanged."""
    enc.options(target)
    return enc.go_on()


def _nft(target, ctx):
    """``meta nftrace set 1``: the packet is traced from here on; nft reports the trace to
    ``nft monitor trace`` where TRACE writes it to the kernel log (approximate)."""
    ctx.options(target)
    ctx.approximate("the trace goes to nft monitor trace, not to the kernel log", target)
    return [ctx.statement("meta nftrace set 1",
                          {"mangle": {"key": {"meta": {"key": "nftrace"}}, "value": 1}})]


EXTENSION = target(
    "TRACE",
    summary="trace the packet's path through the rules and continue",
    tables=frozenset({"raw"}),
    nft=_nft,
    meaning=_meaning,
)
