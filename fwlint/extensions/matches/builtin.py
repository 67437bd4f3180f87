"""The built-in match every rule has: protocol, addresses, interfaces, fragments.

These options need no ``-m``; iptables parses them itself.
"""

from fwlint.extensions import OptionSpec, match
from fwlint.extensions.values import INTERFACE, NETWORK_LIST, PROTOCOL


def _meaning(match, enc):
    """-p: the protocol (0/all: any); -s/-d: within the network (a list is one kernel rule per
    address: any of them; negated, any of the negations); -i/-o: the interface or prefix+;
    -f: a second or later fragment (IPv4 only)."""
    parts = []
    for name, opt in enc.options(match).items():
        if name == "protocol":
            number = enc.value(opt)
            if number == 0:
                if opt.negated:
                    enc.refuse("! -p all would never match")
                continue
            parts.append(enc.negate(enc.protocol(number), opt))
        elif name in ("source", "destination"):
            field = "src" if name == "source" else "dst"
            any_of = enc.false
            for net in enc.value(opt):
                any_of |= enc.negate(enc.address(field, net), opt)
            parts.append(any_of)
        elif name in ("in-interface", "out-interface"):
            field = "iif" if name == "in-interface" else "oif"
            parts.append(enc.negate(enc.interface(field, enc.value(opt)), opt))
        elif name == "fragment":
            if enc.family == 6:
                enc.refuse("-f exists for IPv4 only")
            parts.append(enc.negate(enc.fragment(), opt))
    return enc.all(*parts)



def _concrete(match, pkt):
    """As ip_packet_match compares: -p the protocol number (all: any protocol); -s/-d the
    address under the mask (a list is one kernel rule per item: any of them, each negated on
    its own); -i/-o the name, or the prefix before +; -f a second or later fragment."""
    results = []
    for name, opt in pkt.options(match).items():
        if name == "protocol":
            number = pkt.value(opt)
            if number == 0:
                if opt.negated:
                    pkt.refuse("! -p all would never match")
                continue
            results.append(pkt.invert(pkt.test("proto", lambda proto: proto == number), opt))
        elif name in ("source", "destination"):
            field = "src" if name == "source" else "dst"
            results.append(pkt.any(*(pkt.invert(pkt.in_network(field, net), opt) for net in pkt.value(opt))))
        elif name in ("in-interface", "out-interface"):
            field = "iif" if name == "in-interface" else "oif"
            results.append(pkt.invert(pkt.interface(field, pkt.value(opt)), opt))
        elif name == "fragment":
            if pkt.family == 6:
                pkt.refuse("-f exists for IPv4 only")
            results.append(pkt.invert(pkt.test("frag", lambda later: later), opt))
    return pkt.all(*results)


EXTENSION = match(
    "builtin",
    OptionSpec("protocol", short="p", value=PROTOCOL, invertible=True,
               help="the layer-4 protocol: tcp, udp, icmp, a name from /etc/protocols, a number, or all"),
    OptionSpec("source", short="s", aliases=("src",), value=NETWORK_LIST, invertible=True,
               help="source address[/mask], or a comma-separated list (one rule each)"),
    OptionSpec("destination", short="d", aliases=("dst",), value=NETWORK_LIST, invertible=True,
               help="destination address[/mask], or a comma-separated list (one rule each)"),
    OptionSpec("in-interface", short="i", value=INTERFACE, invertible=True,
               help="the interface the packet came in on; a trailing + matches a prefix"),
    OptionSpec("out-interface", short="o", value=INTERFACE, invertible=True,
               help="the interface the packet will leave by; a trailing + matches a prefix"),
    OptionSpec("fragment", short="f", arity=0, invertible=True, family=4,
               help="second and later fragments only (IPv4; ip6tables has -m frag)"),
    summary="protocol, address, interface and fragment options every rule may carry",
    loadable=False,
    meaning=_meaning,
    concrete=_concrete,
)
