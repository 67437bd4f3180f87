"""tcpmss: the MSS option of TCP SYN and SYN/ACK segments."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import int_range


def _nft(match, ctx):
    """``tcp option maxseg size 1000-1460``.  A segment without an MSS option: tcpmss_mt takes it
    when negated; nft cannot read the option and does not (so ! --mss is approximate)."""
    opts = ctx.options(match)
    if "mss" not in opts:
        ctx.refuse("-m tcpmss needs --mss (iptables refuses it)", match, refused=True)
    opt = opts["mss"]
    low, high = ctx.value(opt)
    if opt.negated:
        ctx.approximate("! --mss: a segment without an MSS option matches in iptables, not in nft", opt)
    left = ctx.term("tcp option maxseg size", {"tcp option": {"name": "maxseg", "field": "size"}},
                    protocol="tcp")
    return [ctx.match(left, ctx.range(low, high), opt.negated)]


EXTENSION = match(
    "tcpmss",
    OptionSpec("mss", value=int_range(0, 65535, backwards="refused"), invertible=True,
               help="MSS value or value:value range"),
    summary="TCP maximum segment size option",
    protocols=frozenset({"tcp", "6"}),
    nft=_nft,
    meaning=Opaque("the TCP MSS option is not modelled"),
    required=(frozenset({"mss"}),),
)
