"""addrtype: the routing type of the source or destination address (LOCAL, BROADCAST ...).

The kernel refuses ``--limit-iface-in`` from OUTPUT and POSTROUTING and ``--limit-iface-out``
from PREROUTING and INPUT (at commit; ``iptables-restore --test`` passes them).
"""

from typing import Iterator

from fwlint.ast import Option, Rule
from fwlint.extensions import OptionSpec, Placement, ValueProblem, match
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


_NOT_IPV6 = frozenset({"BROADCAST", "BLACKHOLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"})
"""Types the kernel refuses to match for IPv6 (addrtype_mt_checkentry_v1)."""


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """ip6tables takes every type; the kernel refuses those IPv6 has no routes of, at commit."""
    if family != 6:
        return
    for opt in options:
        if opt.name not in ("src-type", "dst-type") or opt.value is None:
            continue
        try:
            types = _TYPE.parse(opt.value, family)
        except ValueError:
            continue  # reported for itself
        refused = sorted(set(types) & _NOT_IPV6)  # type: ignore[arg-type]
        if refused:
            yield ValueProblem(opt.name, f"--{opt.name} {','.join(refused)}: the kernel matches no "
                                         f"{'/'.join(refused)} addresses for IPv6 and refuses the rule")


def _meaning(match, enc):
    """The source / destination address is of one of the types (each IPv4 address has exactly
    one; IPv6 as the MatchContext's address_types says, and no BROADCAST, BLACKHOLE, PROHIBIT,
    THROW, NAT or XRESOLVE, which the kernel refuses there).  With --limit-iface-in/out the
    type is looked up on one interface only: not modelled."""
    opts = enc.options(match)
    if "src-type" not in opts and "dst-type" not in opts:
        enc.refuse("-m addrtype needs --src-type or --dst-type")
    parts = []
    for name, opt in opts.items():
        if name in ("src-type", "dst-type"):
            field = "srctype" if name == "src-type" else "dsttype"
            types = enc.value(opt)
            if enc.family == 6 and types & _NOT_IPV6:
                enc.refuse(f"IPv6 has no {', '.join(sorted(types & _NOT_IPV6))} address type matching")
            parts.append(enc.negate(enc.address_types(field, types), opt))
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
        if pkt.family == 6 and listed & _NOT_IPV6:
            pkt.refuse(f"IPv6 has no {', '.join(sorted(listed & _NOT_IPV6))} address type matching")
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


def _nft(match, ctx):
    """``fib saddr type local``, ``fib daddr . iif type { local, broadcast }`` (with
    --limit-iface-in; ``. oif`` with -out): the kernel's address type of the address, looked up
    as addrtype does; negated ``!=``.  For IPv6 addrtype and nft find the type by a route lookup
    each in its own way, so that translation is approximate."""
    opts = ctx.options(match)
    device = " . iif" if "limit-iface-in" in opts else " . oif" if "limit-iface-out" in opts else ""
    device_flag = ["iif"] if "limit-iface-in" in opts else ["oif"] if "limit-iface-out" in opts else []
    parts = []
    for name, field in (("src-type", "saddr"), ("dst-type", "daddr")):
        if name not in opts:
            continue
        opt = opts[name]
        types = [ctx.symbol(t.lower()) for t in ("UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST",
                                                 "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT",
                                                 "THROW", "NAT", "XRESOLVE") if t in ctx.value(opt)]
        left = ctx.term(f"fib {field}{device} type",
                        {"fib": {"result": "type", "flags": [field, *device_flag]}})
        parts.append(ctx.match(left, ctx.set(types), opt.negated))
    if ctx.family == 6:
        ctx.approximate("IPv6 address types: addrtype and nft's fib find them by route lookups that "
                        "differ in detail", match)
    return parts


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
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
    exclusive=(frozenset({"limit-iface-in", "limit-iface-out"}),),
    required=(frozenset({"src-type", "dst-type"}),),
    validate=_validate,
)
