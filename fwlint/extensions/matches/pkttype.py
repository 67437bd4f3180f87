"""pkttype: the link-layer packet type: unicast, broadcast or multicast."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import choice


def _meaning(match, enc):
    """The link-layer packet type (a looped-back packet counts as multicast or broadcast)."""
    opts = enc.options(match)
    if "pkt-type" not in opts:
        enc.refuse("-m pkttype needs --pkt-type")
    opt = opts["pkt-type"]
    return enc.negate(enc.packet_type(enc.value(opt)), opt)


_CANONICAL = {"host": "unicast", "bcast": "broadcast", "mcast": "multicast"}


def _concrete(match, pkt):
    """As pkttype_mt: the link-layer type (unicast is PACKET_HOST) equals the one given,
    inverted by !."""
    opts = pkt.options(match)
    if "pkt-type" not in opts:
        pkt.refuse("-m pkttype needs --pkt-type")
    opt = opts["pkt-type"]
    wanted = pkt.value(opt).lower()
    wanted = _CANONICAL.get(wanted, wanted)
    return pkt.invert(pkt.test("pkttype", lambda kind: kind == wanted), opt)


def _nft(match, ctx):
    """``meta pkttype host|broadcast|multicast`` (a looped-back packet's type found as pkttype
    finds it), negated ``!=``."""
    parts = []
    for name, opt in ctx.options(match).items():
        kind = {"unicast": "host", "host": "host", "broadcast": "broadcast", "bcast": "broadcast",
                "multicast": "multicast", "mcast": "multicast"}[ctx.value(opt)]
        parts.append(ctx.match(ctx.meta("pkttype"), ctx.symbol(kind), opt.negated))
    return parts


EXTENSION = match(
    "pkttype",
    OptionSpec("pkt-type", value=choice("unicast", "broadcast", "multicast", "host", "bcast", "mcast",
                                        what="packet type", fold=True),
               invertible=True, help="unicast, broadcast or multicast"),
    summary="link-layer packet type",
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    required=(frozenset({"pkt-type"}),),
)
