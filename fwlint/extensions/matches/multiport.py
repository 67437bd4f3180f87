"""multiport: up to 15 ports or port ranges in one rule."""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import PORT_LIST


def _meaning(match, enc):
    """Not a later fragment; the source port, the destination port, or either (--ports) is in
    the list (the whole test inverted by !)."""
    opts = enc.options(match)
    if len(opts) != 1:
        enc.refuse("multiport takes exactly one of --sports, --dports, --ports")
    (name, opt), = opts.items()
    fields = {"source-ports": ("sport",), "destination-ports": ("dport",),
              "ports": ("sport", "dport")}[name]
    hit = enc.false
    for low, high in enc.value(opt):
        for field in fields:
            hit |= enc.range(field, low, high)
    return enc.all(enc.not_fragment(), enc.negate(hit, opt))


def _concrete(match, pkt):
    """As multiport_mt: a later fragment never matches; else the port (source, destination, or
    either for --ports) is in one of the ranges, the answer inverted by !."""
    opts = pkt.options(match)
    if len(opts) != 1:
        pkt.refuse("multiport takes exactly one of --sports, --dports, --ports")
    (name, opt), = opts.items()
    ranges = pkt.value(opt)
    fields = {"source-ports": ("sport",), "destination-ports": ("dport",),
              "ports": ("sport", "dport")}[name]
    listed = pkt.any(*(pkt.test(f, lambda port: any(lo <= port <= hi for lo, hi in ranges))
                       for f in fields))
    return pkt.all(pkt.first_fragment(), pkt.invert(listed, opt))


_NFT_PORT_PROTOCOLS = {6: "tcp", 17: "udp", 136: "udplite", 132: "sctp", 33: "dccp"}


def _nft(match, ctx):
    """The ports as a set of the rule's protocol's ports: ``tcp dport { 22, 80-90 }``;
    negated ``!=`` (none of them).  ``--ports`` is the source or the destination port: two
    disjoint rules (source in the set; else destination in it); negated, neither is, one rule."""
    opts = ctx.options(match)
    if len(opts) != 1:
        ctx.refuse("multiport takes one of --sports, --dports, --ports (iptables refuses more)",
                   match, refused=True)
    (name, opt), = opts.items()
    protocol = _NFT_PORT_PROTOCOLS.get(ctx.protocol_number)
    if protocol is None:
        ctx.refuse("multiport needs -p tcp, udp, udplite, sctp or dccp (iptables refuses it)", opt,
                   refused=True)
    ports = ctx.set([ctx.range(low, high, "inet_service") for low, high in ctx.value(opt)])
    if name == "source-ports":
        return [ctx.match(ctx.payload(protocol, "sport"), ports, opt.negated)]
    if name == "destination-ports":
        return [ctx.match(ctx.payload(protocol, "dport"), ports, opt.negated)]
    sport, dport = ctx.payload(protocol, "sport"), ctx.payload(protocol, "dport")
    if opt.negated:
        return [ctx.match(sport, ports, True), ctx.match(dport, ports, True)]
    return ctx.any_of([ctx.match(sport, ports)], [ctx.match(sport, ports, True), ctx.match(dport, ports)])


EXTENSION = match(
    "multiport",
    OptionSpec("source-ports", aliases=("sports",), value=PORT_LIST, invertible=True,
               help="source ports, comma-separated, ranges with a colon"),
    OptionSpec("destination-ports", aliases=("dports",), value=PORT_LIST, invertible=True,
               help="destination ports, comma-separated, ranges with a colon"),
    OptionSpec("ports", value=PORT_LIST, invertible=True,
               help="source or destination port among these"),
    summary="several ports or port ranges at once",
    protocols=frozenset({"tcp", "udp", "udplite", "sctp", "dccp", "6", "17", "136", "132", "33"}),
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"source-ports", "destination-ports", "ports"}),),
    required=(frozenset({"source-ports", "destination-ports", "ports"}),),
)
