"""connbytes: bytes, packets or average packet size a connection has carried so far."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import choice, int_range


def _nft(match, ctx):
    """``ct original bytes 1024-2048`` (``ct reply``, or ``ct`` for both directions; ``packets``,
    ``bytes``, ``avgpkt``), negated ``!=``; nft, as connbytes, turns connection accounting on."""
    opts = ctx.options(match)
    for needed in ("connbytes", "connbytes-dir", "connbytes-mode"):
        if needed not in opts:
            ctx.refuse(f"-m connbytes needs --{needed} (iptables refuses it)", match, refused=True)
    low, high = ctx.value(opts["connbytes"])
    direction = ctx.value(opts["connbytes-dir"])
    mode = ctx.value(opts["connbytes-mode"])
    left = ctx.ct(mode, None if direction == "both" else direction)
    if ":" in opts["connbytes"].values[0] and not opts["connbytes"].values[0].split(":")[1]:
        value = ctx.compare(left, "<" if opts["connbytes"].negated else ">=", ctx.number(low))
        return [value]
    return [ctx.match(left, ctx.range(low, high), opts["connbytes"].negated)]


EXTENSION = match(
    "connbytes",
    OptionSpec("connbytes", value=int_range(0, 2 ** 64 - 1, backwards="refused"), invertible=True,
               help="from[:to]: the counter is within this range"),
    OptionSpec("connbytes-dir", value=choice("original", "reply", "both", what="direction"),
               help="original, reply or both"),
    OptionSpec("connbytes-mode", value=choice("packets", "bytes", "avgpkt", what="counter"),
               help="packets, bytes or avgpkt"),
    summary="connection byte/packet counters (needs nf_conntrack_acct)",
    nft=_nft,
    meaning=Opaque("counters of the connection's past traffic"),
    required=(frozenset({"connbytes"}), frozenset({"connbytes-dir"}), frozenset({"connbytes-mode"})),
)
