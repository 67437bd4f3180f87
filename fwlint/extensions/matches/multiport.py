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
    exclusive=(frozenset({"source-ports", "destination-ports", "ports"}),),
    required=(frozenset({"source-ports", "destination-ports", "ports"}),),
)
