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
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"source-ports", "destination-ports", "ports"}),),
    required=(frozenset({"source-ports", "destination-ports", "ports"}),),
)
