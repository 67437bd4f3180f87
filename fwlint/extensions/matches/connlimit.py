"""connlimit: the number of connections open per client address (or address block)."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import PREFIX_OR_MASK, UINT32


def _nft(match, ctx):
    """``meter connlimit size 65535 { ip saddr & MASK ct count over N }``: one connection count per
    address group, as connlimit keeps for the rule (upto: ``ct count N``, at most N); without a
    group key (a mask of 0) one count for all, ``ct count over N``."""
    opts = ctx.options(match)
    above = "connlimit-above" in opts
    opt = opts["connlimit-above"] if above else opts.get("connlimit-upto")
    if opt is None:
        ctx.refuse("-m connlimit needs --connlimit-upto or --connlimit-above (iptables refuses it)",
                   match, refused=True)
    limit = ctx.value(opt)
    over = above != opt.negated  # ! --connlimit-above N is --connlimit-upto N
    field = "daddr" if "connlimit-daddr" in opts else "saddr"
    width = 32 if ctx.family == 4 else 128
    bits = ctx.value(opts["connlimit-mask"]) if "connlimit-mask" in opts else width
    if bits > width:
        ctx.refuse(f"--connlimit-mask {bits} is longer than the address (iptables refuses it)",
                   opts["connlimit-mask"], refused=True)
    count = f"ct count {'over ' if over else ''}{limit}"
    count_json = {"ct count": {"val": limit, **({"inv": True} if over else {})}}
    if bits == 0:
        return [ctx.matching(count, count_json)]
    key = ctx.ip(field)
    if bits < width:
        mask = str(__import__("ipaddress").ip_network(f"{'0.0.0.0' if width == 32 else '::'}/{bits}").netmask)
        key = ctx.masked(key, ctx.symbol(mask))
    meter, _ = ctx.meter("connlimit")
    return [ctx.matching(f"meter {meter} size 65535 {{ {key.text} {count} }}",
                         {"meter": {"name": meter, "size": 65535, "key": key.json, "stmt": count_json}})]


EXTENSION = match(
    "connlimit",
    OptionSpec("connlimit-upto", value=UINT32, invertible=True, help="at most this many connections"),
    OptionSpec("connlimit-above", value=UINT32, invertible=True, help="more than this many connections"),
    OptionSpec("connlimit-mask", value=PREFIX_OR_MASK,
               help="prefix length addresses are grouped by (0-32 IPv4, 0-128 IPv6)"),
    OptionSpec("connlimit-saddr", arity=0, help="count per source group (the default)"),
    OptionSpec("connlimit-daddr", arity=0, help="count per destination group"),
    summary="number of parallel connections per address group",
    nft=_nft,
    meaning=Opaque("counts the connections open at the time"),
    exclusive=(
        frozenset({"connlimit-upto", "connlimit-above"}),
        frozenset({"connlimit-saddr", "connlimit-daddr"}),
    ),
    required=(frozenset({"connlimit-upto", "connlimit-above"}),),
)
