"""The built-in match every rule has: protocol, addresses, interfaces, fragments.

These options need no ``-m``; iptables parses them itself.
"""

from typing import Iterator

from fwlint.ast import Option
from fwlint.extensions import OptionSpec, ValueProblem, match
from fwlint.extensions.values import INTERFACE, NETWORK_LIST, PROTOCOL


def _validate(options: tuple[Option, ...], family: int) -> Iterator[ValueProblem]:
    """A list of addresses makes one rule per address: iptables refuses it inverted."""
    for opt in options:
        if opt.name in ("source", "destination") and opt.negated and "," in (opt.value or ""):
            yield ValueProblem(opt.name, f"! {opt.written} with a list of addresses: iptables refuses "
                                         "it (the list makes one rule each; ! would match every packet)")


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


def _addresses(ctx, opt):
    """The items of -s/-d as nft values: each network of the list, each address a host name
    resolves to (iptables makes one rule per item)."""
    from fwlint.extensions.values import NETWORK_LIST, BadValue, MaskedNetwork, Unresolved

    items = []
    for word in opt.values[0].split(","):
        try:
            networks = NETWORK_LIST.parse(word, ctx.family)
        except Unresolved:
            host, slash, _ = word.partition("/")
            if slash:
                ctx.refuse(f"{word}: a host name with a mask", opt)
            networks = ctx.resolve(host, opt)
        except BadValue as err:
            ctx.refuse(f"{opt.written} {word}: {err} (iptables refuses it)", opt, refused=True)
        for net in networks:
            if isinstance(net, MaskedNetwork):
                items.append(("masked", net))
            else:
                items.append(("value", ctx.network(net)))
    return items


def _address_relations(ctx, field, items, negated):
    """One relation per item of -s or -d."""
    out = []
    for kind, item in items:
        if kind == "masked":
            mask = ctx.symbol(str(item.netmask))
            term = ctx.masked(ctx.ip(field), mask)
            out.append(ctx.match(term, ctx.symbol(str(item.network_address)), negated))
        else:
            out.append(ctx.match(ctx.ip(field), item, negated))
    return out


def _nft(match, ctx):
    """-p as ``meta l4proto`` (nft names only the protocols it knows without /etc/protocols);
    -s/-d as ``ip saddr``/``ip6 daddr``: a list (or a host name with several addresses) is one
    iptables rule per item, so one nft rule per item, or one set when the target ends the chain
    and no match keeps state (then the rules act as one); iptables refuses ! with a list;
    -i/-o as ``iifname``/``oifname`` (a trailing + is nft's *, a literal * is escaped; + alone
    is every interface, so ``! -i +`` never matches); -f as a non-zero fragment offset."""
    parts = []
    lists = {}
    for name, opt in ctx.options(match).items():
        if name == "protocol":
            number = ctx.value(opt)
            if number == 0:
                if opt.negated:
                    ctx.never("! -p all matches no packet", opt)
                continue
            parts.append(ctx.match(ctx.meta("l4proto"), ctx.protocol_value(number), opt.negated))
        elif name in ("source", "destination"):
            field = "saddr" if name == "source" else "daddr"
            items = _addresses(ctx, opt)
            if opt.negated and len(items) > 1:
                ctx.refuse(f"! {opt.written} with several addresses (iptables refuses it)", opt,
                           refused=True)
            relations = _address_relations(ctx, field, items, opt.negated)
            if len(relations) == 1:
                parts.append(relations[0])
            elif ctx.target_ends_chain() and not ctx.stateful() \
                    and all(kind == "value" for kind, _ in items):
                parts.append(ctx.match(ctx.ip(field), ctx.set([item for _, item in items])))
            else:
                lists[name] = relations
        elif name in ("in-interface", "out-interface"):
            key = "iifname" if name == "in-interface" else "oifname"
            value = ctx.interface(ctx.value(opt), opt)
            if value is None:
                if opt.negated:
                    ctx.never(f"! {opt.written} + excludes every interface", opt)
                continue
            parts.append(ctx.match(ctx.meta(key, short=True), value, opt.negated))
        elif name == "fragment":
            offset = ctx.masked(ctx.ip("frag-off"), ctx.hex(0x1FFF, "integer"))
            parts.append(ctx.compare(offset, "==" if opt.negated else "!=", ctx.number(0)))
    if not lists:
        return parts
    combos = [[]]
    for name in ("source", "destination"):  # iptables: each source with each destination
        relations = lists.get(name, ())
        if relations:
            combos = [[*combo, relation] for combo in combos for relation in relations]
    return ctx.each(*([*parts, *combo] for combo in combos))


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
    validate=_validate,
    nft=_nft,
    meaning=_meaning,
    concrete=_concrete,
)
