"""addrtype: the routing type of the source or destination address (LOCAL, BROADCAST ...).

The kernel refuses ``--limit-iface-in`` from OUTPUT and POSTROUTING and ``--limit-iface-out``
from PREROUTING and INPUT (at commit; ``iptables-restore --test`` passes them).
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import OptionSpec, Placement, match
from fwlint.extensions.values import choice_list

_BEFORE_ROUTING = frozenset({"PREROUTING", "INPUT", "FORWARD"})
_AFTER_ROUTING = frozenset({"FORWARD", "OUTPUT", "POSTROUTING"})


def _placement(options: tuple[Option, ...], rule: Rule) -> Iterator[Placement]:
    for opt in options:
        if opt.name == "limit-iface-in":
            yield Placement(opt.name, chains=_BEFORE_ROUTING)
        elif opt.name == "limit-iface-out":
            yield Placement(opt.name, chains=_AFTER_ROUTING)

_TYPE = choice_list("UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
                    "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
                    what="address type", prefix=True)


def _meaning(match, enc):
    """The source / destination address is of one of the types (each IPv4 address has exactly
    one).  With --limit-iface-in/out the type is looked up on one interface only: not
    modelled."""
    opts = enc.options(match)
    if "src-type" not in opts and "dst-type" not in opts:
        enc.refuse("-m addrtype needs --src-type or --dst-type")
    parts = []
    for name, opt in opts.items():
        if name in ("src-type", "dst-type"):
            field = "srctype" if name == "src-type" else "dsttype"
            parts.append(enc.negate(enc.address_types(field, enc.value(opt)), opt))
        else:
            parts.append(enc.opaque(f"--{name}"))
    return enc.all(*parts)



def _concrete(match, pkt):
    """As addrtype_mt_v1.  IPv4: the address's type (each has exactly one) is in the list.
    IPv6 (match_type6): MULTICAST, UNICAST and UNSPEC in the list each require that type; then,
    when the list names LOCAL, ANYCAST, BLACKHOLE or UNREACHABLE, the address must have one of
    the listed types.  Each test is inverted by its !; --limit-iface-in/out (the type judged on
    one interface only) is not modelled."""
    opts = pkt.options(match)
    if "src-type" not in opts and "dst-type" not in opts:
        pkt.refuse("-m addrtype needs --src-type or --dst-type")
    results = []
    for name, opt in opts.items():
        if name not in ("src-type", "dst-type"):
            results.append(pkt.unknown(f"--{name}: the address type on one interface is not modelled"))
            continue
        listed = pkt.value(opt)
        field = "srctype" if name == "src-type" else "dsttype"
        if pkt.family == 4:
            hit = pkt.test(field, lambda types: bool(types & listed))
        else:
            required = [t for t in ("MULTICAST", "UNICAST", "UNSPEC") if t in listed]
            routed = listed & {"LOCAL", "ANYCAST", "BLACKHOLE", "UNREACHABLE"}
            hit = pkt.all(*(pkt.test(field, lambda types, t=t: t in types) for t in required),
                          pkt.test(field, lambda types: bool(types & listed)) if routed else True)
        results.append(pkt.invert(hit, opt))
    return pkt.all(*results)


EXTENSION = match(
    "addrtype",
    OptionSpec("src-type", value=_TYPE, invertible=True,
               help="the source address is of this type (LOCAL, UNICAST, BROADCAST, MULTICAST ...)"),
    OptionSpec("dst-type", value=_TYPE, invertible=True,
               help="the destination address is of this type"),
    OptionSpec("limit-iface-in", arity=0,
               help="judge the type on the incoming interface only (PREROUTING, INPUT, FORWARD)"),
    OptionSpec("limit-iface-out", arity=0,
               help="judge the type on the outgoing interface only (POSTROUTING, OUTPUT, FORWARD)"),
    summary="address type (local, broadcast, multicast ...)",
    placement=_placement,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"limit-iface-in", "limit-iface-out"}),),
    required=(frozenset({"src-type", "dst-type"}),),
)
