"""set: look the packet's addresses and ports up in an ipset."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import ANY, SET_FLAGS, UINT64


def _nft_key(ctx, ipset, directions, where):
    """The packet's fields for each dimension of the set, by the src/dst flags."""
    terms = []
    flags = list(directions)
    for dim in ipset.dims:
        if not flags:
            ctx.refuse(f"ipset {ipset.name} ({ipset.type}) needs a src/dst flag for each of its "
                       f"{len(ipset.dims)} dimensions", where, refused=True)
        side = flags.pop(0)
        if dim in ("ip", "net"):
            terms.append(ctx.ip("saddr" if side == "src" else "daddr"))
        elif dim == "port":
            port = "sport" if side == "src" else "dport"
            terms.append(ctx.meta("l4proto"))
            terms.append(ctx.term(f"th {port}", {"payload": {"protocol": "th", "field": port}}))
        elif dim == "bport":
            port = "sport" if side == "src" else "dport"
            terms.append(ctx.term(f"th {port}", {"payload": {"protocol": "th", "field": port}}))
        elif dim == "mark":
            terms.append(ctx.meta("mark"))
        elif dim == "iface":
            terms.append(ctx.meta("iifname" if side == "src" else "oifname", short=True))
        elif dim == "mac":
            field = "saddr" if side == "src" else "daddr"
            terms.append(ctx.term(f"ether {field}", {"payload": {"protocol": "ether", "field": field}}))
    if len(terms) == 1:
        return terms[0]
    return ctx.term(" . ".join(t.text for t in terms), {"concat": [t.json for t in terms]},
                    family=next((t.family for t in terms if t.family), None))


def _nft(match, ctx):
    """``ip saddr @NAME`` (a concatenation for the sets of several dimensions: ``ip saddr . meta
    l4proto . th dport @NAME``), negated ``!=``: the set comes from --ipset (``ipset save``
    output) and becomes a named nft set.  The counter tests and --return-nomatch have no nft
    form."""
    opts = ctx.options(match)
    for unsupported in ("return-nomatch", "packets-eq", "packets-lt", "packets-gt", "bytes-eq",
                        "bytes-lt", "bytes-gt"):
        if unsupported in opts:
            ctx.refuse(f"--{unsupported}: nft sets keep no counters to compare", opts[unsupported])
    for counters in ("update-counters", "update-subcounters"):
        if counters in opts and opts[counters].negated:
            ctx.refuse(f"! --{counters}: nft sets keep no counters", opts[counters])
    if "match-set" not in opts:
        ctx.refuse("-m set needs --match-set (iptables refuses it)", match, refused=True)
    opt = opts["match-set"]
    name, directions = ctx.values(opt)
    ipset = ctx.ipset(name, opt)
    if "bport" in ipset.dims:
        ctx.approximate(f"ipset {name} ({ipset.type}) keys ports of TCP, UDP, SCTP and UDPLITE only; "
                        "nft's th dport reads any protocol's header there", opt)
    ref = f"@{ipset.nft_name}"
    return [ctx.match(_nft_key(ctx, ipset, directions, opt), ctx.literal(ref, ref), opt.negated)]


EXTENSION = match(
    "set",
    OptionSpec("match-set", aliases=("set",), arity=2, value=(ANY, SET_FLAGS), invertible=True,
               help="SETNAME FLAGS: the packet's src/dst fields (comma-separated, up to six) are in the set"),
    OptionSpec("return-nomatch", arity=0,
               help="an element flagged nomatch matches, a plain element does not"),
    OptionSpec("update-counters", arity=0, invertible=True,
               help="only meaningful negated: ! --update-counters leaves the element counters alone"),
    OptionSpec("update-subcounters", arity=0, invertible=True,
               help="only meaningful negated: leave the counters of list:set members alone"),
    OptionSpec("packets-eq", value=UINT64, invertible=True, help="the element's packet counter equals this"),
    OptionSpec("packets-lt", value=UINT64, help="the element's packet counter is below this"),
    OptionSpec("packets-gt", value=UINT64, help="the element's packet counter is above this"),
    OptionSpec("bytes-eq", value=UINT64, invertible=True, help="the element's byte counter equals this"),
    OptionSpec("bytes-lt", value=UINT64, help="the element's byte counter is below this"),
    OptionSpec("bytes-gt", value=UINT64, help="the element's byte counter is above this"),
    summary="membership in an ipset",
    nft=_nft,
    meaning=Opaque("ipset contents are not part of the ruleset"),
    exclusive=(
        frozenset({"packets-eq", "packets-lt", "packets-gt"}),
        frozenset({"bytes-eq", "bytes-lt", "bytes-gt"}),
    ),
    required=(frozenset({"match-set"}),),
)
