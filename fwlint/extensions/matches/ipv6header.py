"""ipv6header: which IPv6 extension headers (and upper-layer header) the packet carries."""

from fwlint.extensions import Opaque, OptionSpec, match
from fwlint.extensions.values import IPV6_HEADER_LIST

_NFT_HEADERS = {0: "hbh", 60: "dst", 43: "rt", 44: "frag"}


def _nft(match, ctx):
    """--soft --header hop,dst,route,frag as ``exthdr hbh exists`` ...: any of them is there (one
    rule per header, each excluding the ones before it); negated, each ``missing``.  Without
    --soft ip6t_ipv6header compares the whole set of headers the packet has, the upper-layer
    one included, and nft cannot see the AH or ESP headers as extension headers: those have no
    nft form."""
    opts = ctx.options(match)
    if "header" not in opts:
        ctx.refuse("-m ipv6header needs --header (ip6tables refuses it)", match, refused=True)
    opt = opts["header"]
    wanted = ctx.value(opt)
    numbers = set(wanted)
    other = [n for n in numbers if n not in _NFT_HEADERS]
    if other:
        ctx.refuse(f"--header {opt.values[0]}: nft tests only the hop-by-hop, destination, routing and "
                   "fragment headers", opt)

    def header(number, present):
        name = _NFT_HEADERS[number]
        return ctx.match(ctx.term(f"exthdr {name}", {"exthdr": {"name": name}}),
                         ctx.literal("exists" if present else "missing", present))

    if "soft" not in opts:
        ctx.refuse("--header without --soft: ip6t_ipv6header compares the whole set of headers, the "
                   "upper-layer one included, which nft cannot test", opt)
    listed = [n for n in _NFT_HEADERS if n in numbers]
    if opt.negated:
        return [header(n, False) for n in listed]
    return ctx.any_of(*([header(m, False) for m in listed[:i]] + [header(n, True)]
                        for i, n in enumerate(listed)))


EXTENSION = match(
    "ipv6header",
    OptionSpec("header", value=IPV6_HEADER_LIST, invertible=True,
               help="comma-separated: hop (hop-by-hop), dst, route, frag, auth, esp, none, prot, "
                    "or a protocol name or number; exactly these unless --soft"),
    OptionSpec("soft", arity=0, help="match if any of the --header headers is present"),
    summary="IPv6 extension headers present",
    family=6,
    nft=_nft,
    meaning=Opaque("IPv6 extension headers are not modelled"),
    required=(frozenset({"header"}),),
)
