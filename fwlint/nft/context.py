"""The translation protocol: what an extension module's ``nft=`` callable gets and gives back.

A match's ``nft(match, ctx)`` gets the parsed :class:`~fwlint.ast.Match` and a
:class:`RuleContext` and returns the nft relations and matching statements that select the same
packets (a list, empty when the match selects every packet), or ``ctx.any_of(...)`` when it
is a disjunction nft cannot write in one rule.  A target's ``nft(target, ctx)`` returns the
statements that do what the target does.  Either calls ``ctx.refuse(why)`` when nftables cannot
express it (finding FW601), ``ctx.approximate(what differs)`` when the translation holds only
approximately (FW602), or ``ctx.never(why)`` when the rule can never match.

Extension modules import nothing from here: they only call the context's methods, so loading
the extension model never loads the translator.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, NoReturn, Sequence

from fwlint.ast import Span
from fwlint.extensions import Extension
from fwlint.extensions.values import BadValue, HostName, MaskedNetwork, Unresolved
from fwlint.nft.expr import (
    ACTION,
    MATCHING,
    TERMINAL,
    VERDICT,
    Relation,
    Statement,
    Term,
    Value,
    can_quote,
    quote,
)

if TYPE_CHECKING:
    from fwlint.ast import Match, Option, Target
    from fwlint.ast import Rule as AstRule
    from fwlint.nft.emitter import Translator


class Untranslatable(Exception):
    """nftables cannot express this (FW601).  ``refused``: iptables refuses it too (a rule it
    would not load), so the lint rule leaves it to the validity rules."""

    def __init__(self, message: str, span: Span | None = None, refused: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.refused = refused


class NeverMatches(Exception):
    """The rule can never match a packet: it is written as a comment (FW602 says so)."""

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


@dataclass(frozen=True)
class AnyOf:
    """Several nft rules for one iptables rule, one per alternative (several matches giving
    alternatives: one per combination).  Either the alternatives are disjoint (no packet
    satisfies two, so the rules together act as the one: ``--ctstate NEW,DNAT``), or iptables
    itself makes one rule of each (``-s a,b``)."""

    alternatives: tuple[tuple[Relation | Statement, ...], ...]


@dataclass
class Note:
    """An approximation (FW602) of one rule, and where it is."""

    message: str
    span: Span


PROTOCOL_NAMES: dict[int, str] = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 33: "dccp", 50: "esp",
                                  51: "ah", 58: "icmpv6", 108: "comp", 132: "sctp", 136: "udplite"}
"""Protocols nft knows by name without /etc/protocols (its own keywords); others are written
as numbers, so that loading does not depend on the host's protocol database."""

ADDRESS_KINDS = {4: "ipv4_addr", 6: "ipv6_addr"}

STATEFUL_MATCHES = frozenset({"limit", "hashlimit", "recent", "quota", "statistic", "nfacct",
                              "connlimit", "rateest", "set"})
"""Matches whose result depends on what earlier packets did in this very rule."""


class RuleContext:
    """What an extension's ``nft`` callable is given for one rule."""

    def __init__(self, translator: "Translator", rule: "AstRule", family: int, table: str,
                 chain: str, base_chain: bool) -> None:
        self.translator = translator
        self.rule = rule
        self.family = family
        self.table = table
        self.chain = chain
        self.base_chain = base_chain
        self.table_family = translator.table_family
        self.inet = translator.table_family == "inet"
        self.json_only = translator.output_format == "json"
        self.conntrack_in_use = translator.conntrack_in_use(family)
        self.protocol = rule.protocol  # the positive -p, lower case, as written
        self.protocol_number = _protocol_number(self.protocol, family)
        self.notes: list[Note] = []
        self.comments: list[str] = []
        self.ext: Extension | None = None
        self.node_span: Span = rule.span

    # --- outcomes ----------------------------------------------------------------------------

    def _span(self, where: Any) -> Span:
        if where is None:
            return self.node_span
        if isinstance(where, Span):
            return where
        return getattr(where, "span", self.node_span)

    def refuse(self, message: str, where: Any = None, *, refused: bool = False) -> NoReturn:
        """nftables cannot express this (FW601); ``where``: the option or node concerned;
        ``refused``: iptables would not load it either."""
        raise Untranslatable(message, self._span(where), refused)

    def approximate(self, message: str, where: Any = None) -> None:
        """The translation holds only approximately: ``message`` says what differs (FW602)."""
        self.notes.append(Note(message, self._span(where)))

    def never(self, message: str, where: Any = None) -> NoReturn:
        """The rule can never match a packet."""
        raise NeverMatches(message, self._span(where))

    def any_of(self, *alternatives: Iterable[Relation | Statement]) -> AnyOf:
        """Disjoint alternatives, each an nft rule of its own (see :class:`AnyOf`)."""
        return AnyOf(tuple(tuple(a) for a in alternatives))

    def each(self, *alternatives: Iterable[Relation | Statement]) -> AnyOf:
        """One nft rule per alternative, as iptables makes one rule per item of a list."""
        return AnyOf(tuple(tuple(a) for a in alternatives))

    def comment(self, text: str, where: Any = None) -> None:
        """The rule's comment (``-m comment``); several are joined."""
        self.comments.append(text)

    # --- options and values ------------------------------------------------------------------

    def options(self, node: "Match | Target", *, repeatable: Iterable[str] = ()) -> dict[str, "Option"]:
        """The options of a match or target by name; unknown or repeated ones are refused, as
        iptables refuses them."""
        out: dict[str, Option] = {}
        allowed = set(repeatable)
        for opt in node.options:
            if not opt.known:
                self.refuse(f"unknown option {opt.written} (iptables refuses it)", opt, refused=True)
            if opt.unresolved:
                self.refuse(f"{opt.written} {' '.join(opt.values)}: the script never sets this value",
                            opt, refused=True)
            if opt.name in out and opt.name not in allowed:
                self.refuse(f"{opt.written} given twice (iptables refuses it)", opt, refused=True)
            out[opt.name] = opt
        return out

    def values(self, opt: "Option") -> tuple[Any, ...]:
        """The option's values read with its value types; what iptables refuses is refused."""
        spec = self.ext.option(opt.name) if self.ext is not None else None
        if spec is None:
            self.refuse(f"unknown option {opt.written}", opt, refused=True)
        types = spec.value_types()
        if len(opt.values) != len(types):
            self.refuse(f"{opt.written} takes {len(types)} value(s)", opt, refused=True)
        out = []
        for vt, text in zip(types, opt.values):
            try:
                out.append(vt.check(text, self.family, self.protocol)[0])
            except BadValue as err:
                self.refuse(f"{opt.written} {text}: {err} (iptables refuses it)", opt, refused=True)
            except HostName:
                out.append(self.resolve_one(text, opt))
            except Unresolved as err:  # a name only the loading host knows (a user, a helper ...)
                self.refuse(f"{opt.written} {text}: {err}", opt)
        return tuple(out)

    def value(self, opt: "Option") -> Any:
        return self.values(opt)[0]

    def resolve(self, name: str, where: Any = None) -> list[Any]:
        """The addresses of host ``name`` (only with --resolve; without it, an error naming it)."""
        return self.translator.resolve(name, self.family, self._span(where))

    def resolve_one(self, name: str, where: Any = None) -> Any:
        addresses = self.resolve(name, where)
        if len(addresses) != 1:
            self.refuse(f"host name {name} resolves to {len(addresses)} addresses; this option "
                        "takes one", where)
        return addresses[0]

    # --- terms -------------------------------------------------------------------------------

    def term(self, text: str, json: Any, *, family: int | None = None,
             protocol: str | None = None) -> Term:
        return Term(text, json, family, protocol)

    def payload(self, protocol: str, name: str) -> Term:
        """A header field: ``tcp dport``, ``ip saddr``, ``icmpv6 type``."""
        family = {"ip": 4, "ip6": 6}.get(protocol)  # icmp implies a protocol, not a family
        transport = protocol if protocol not in ("ip", "ip6") else None
        return Term(f"{protocol} {name}", {"payload": {"protocol": protocol, "field": name}},
                    family, transport)

    def ip(self, name: str) -> Term:
        """A field of the rule's IP header: ``ip saddr`` or ``ip6 saddr``."""
        return self.payload("ip" if self.family == 4 else "ip6", name)

    def meta(self, key: str, *, short: bool = False) -> Term:
        """``meta KEY`` (``short``: written without ``meta``, as nft lists iifname, oifname ...)."""
        return Term(key if short else f"meta {key}", {"meta": {"key": key}})

    def ct(self, key: str, direction: str | None = None, *, family_field: bool = False) -> Term:
        """``ct [original|reply] KEY``; ``family_field``: an address (``ct original ip saddr``)."""
        text = "ct"
        data: dict[str, Any] = {"key": key}
        family = None
        if direction:
            text += f" {direction}"
            data["dir"] = direction
        if family_field:
            proto = "ip" if self.family == 4 else "ip6"
            text += f" {proto}"
            data["key"] = f"{proto} {key}"
            family = self.family
        return Term(f"{text} {key}", {"ct": data}, family)

    def masked(self, term: Term, mask: Value) -> Term:
        """``term & mask``."""
        return Term(f"{term.text} & {mask.text}", {"&": [term.json, mask.json]}, term.family,
                    term.protocol)

    # --- values ------------------------------------------------------------------------------

    def number(self, n: int, kind: str = "integer") -> Value:
        return Value(str(n), n, (n, n), kind)

    def hex(self, n: int, kind: str = "mark") -> Value:
        return Value(f"0x{n:x}", n, (n, n), kind)

    def range(self, low: int, high: int, kind: str = "integer") -> Value:
        if low == high:
            return self.number(low, kind)
        return Value(f"{low}-{high}", {"range": [low, high]}, (low, high), kind)

    def symbol(self, name: str, kind: str = "symbol", number: int | None = None) -> Value:
        """A name nft knows (``tcp``, ``echo-request``, ``broadcast``), written as it is;
        ``number``: the value it stands for, when sets of it must not overlap."""
        return Value(name, name, None if number is None else (number, number), kind)

    def literal(self, text: str, json: Any, kind: str = "literal") -> Value:
        """A value given in both forms (``5s-10s999ms`` / ``{"range": ["5s", "10s999ms"]}``)."""
        return Value(text, json, None, kind)

    def protocol_value(self, number: int) -> Value:
        """A transport protocol: its name when nft knows it without /etc/protocols, else its
        number."""
        name = PROTOCOL_NAMES.get(number)
        if name is None:
            return self.number(number, "inet_proto")
        return self.symbol(name, "inet_proto", number)

    def string(self, text: str, where: Any = None, *, lossy: str | None = None) -> Value:
        """A quoted string.  The block syntax cannot hold a ``"``: with ``lossy`` (what the
        string is: "comment", "log prefix"), it becomes ``'`` there and the rule is marked
        approximate; without, such a string cannot be translated (JSON holds any string)."""
        if can_quote(text) or self.json_only:
            return Value(quote(text) if can_quote(text) else text, text, None, "string")
        if lossy is None:
            self.refuse(f"{text!r} holds a double quote, which nft's block syntax cannot write "
                        "(--format json can)", where)
        fixed = text.replace('"', "'").replace("\n", " ").replace("\r", " ")
        self.approximate(f"the {lossy} {text!r} holds a double quote, which nft's block syntax "
                         f"cannot write: it is written with ' instead (--format json keeps it)", where)
        return Value(quote(fixed), text, None, "string")

    def interface(self, name: str, where: Any = None) -> Value | None:
        """An interface name as iptables takes it (a trailing + is a prefix) in nft's form (a
        trailing * is a prefix, a literal * is escaped).  None for ``+`` alone: every interface."""
        if name == "+":
            return None
        if "\\" in name:
            self.refuse(f"interface name {name!r} holds a backslash, which nft reads as an escape",
                        where)
        prefix = name.endswith("+")
        body = name[:-1] if prefix else name
        written = body.replace("*", "\\*") + ("*" if prefix else "")
        value = self.string(written, where)
        return value._replace(kind="ifname", wildcard=prefix)

    def network(self, net: Any) -> Value:
        """An address or network (ipaddress objects; a prefix that is the whole width is one
        address)."""
        return _network_value(net)

    def address_range(self, low: Any, high: Any) -> Value:
        kind = ADDRESS_KINDS[low.version]
        if low == high:
            return self.network(low)
        return Value(f"{low}-{high}", {"range": [str(low), str(high)]}, (int(low), int(high)), kind)

    def set(self, values: Sequence[Value]) -> Value:
        """``{ a, b }`` of values of one kind; overlapping intervals (which nft refuses in a set)
        are joined, since a set matches any of its members.  One value stays itself."""
        values = merge_overlaps(list(values))
        if len(values) == 1:
            return values[0]
        return Value("{ " + ", ".join(v.text for v in values) + " }",
                     {"set": [v.json for v in values]}, None, values[0].kind, tuple(values))

    def bits(self, names: Sequence[str]) -> Value:
        """Flags ORed together, as a mask or a value compared with: ``(fin|syn)``, ``syn``."""
        names = list(names)
        if len(names) == 1:
            return Value(names[0], names[0], None, "flags")
        return Value("(" + "|".join(names) + ")", names, None, "flags")

    def flags(self, names: Sequence[str], kind: str = "flags") -> Value:
        """Flags of a bitmask (``new,established``)."""
        names = list(names)
        return Value(",".join(names), names[0] if len(names) == 1 else names, None, kind)

    # --- relations and statements ------------------------------------------------------------

    def match(self, left: Term, right: Value, negated: bool = False) -> Relation:
        """``left right`` (equal to, or within the set, range or prefix), negated ``left != right``."""
        return Relation(left, "!=" if negated else "==", right)

    def compare(self, left: Term, op: str, right: Value) -> Relation:
        return Relation(left, op, right)

    def flag_match(self, left: Term, names: Sequence[str], negated: bool = False, *,
                   one_hot: bool = False) -> Relation:
        """Any of the flags ``names`` is set in ``left``; negated, none is.  ``one_hot``: the
        field always has exactly one flag set (ct state), so one flag negated is ``!=``."""
        names = list(names)
        if not negated:
            return Relation(left, "in", self.flags(names))
        if one_hot and len(names) == 1:
            return Relation(left, "!=", self.flags(names))
        return Relation(self.masked(left, self.bits(names)), "==", self.number(0))

    def statement(self, text: str, json: Any, kind: str = ACTION, *, stateful: bool = False,
                  needs_protocol: bool = False, family: int | None = None) -> Statement:
        return Statement(text, json, kind, stateful, needs_protocol, family)

    def matching(self, text: str, json: Any, *, stateful: bool = True) -> Statement:
        """A statement that decides whether the rule goes on (``limit rate 5/minute``)."""
        return Statement(text, json, MATCHING, stateful)

    def terminal(self, text: str, json: Any, *, needs_protocol: bool = False,
                 family: int | None = None) -> Statement:
        return Statement(text, json, TERMINAL, False, needs_protocol, family)

    def verdict(self, name: str, chain: str | None = None) -> Statement:
        """accept, drop, return, queue; jump/goto with a chain (its nft name)."""
        if chain is not None:
            return Statement(f"{name} {chain}", {name: {"target": chain}}, VERDICT, verdict=name,
                             chain=chain)
        return Statement(name, {name: None}, VERDICT, verdict=name)

    def nat_family(self) -> str:
        """`` ip`` or `` ip6`` after dnat/snat in an inet table (nft needs it there), else ``""``."""
        if not self.inet:
            return ""
        return " ip" if self.family == 4 else " ip6"

    # --- the rest of the rule ---------------------------------------------------------------

    def target_ends_chain(self) -> bool:
        """Whether the rule's target ends the chain for a packet it takes (ACCEPT, DROP, REJECT,
        RETURN, DNAT ..., a goto), so that two such rules in a row act as one taking either's
        packets."""
        target = self.rule.target
        if target is None:
            return False
        if target.goto:
            return True
        if self.translator.is_user_chain(self.table, target.name):
            return False
        ext = self.translator.registry.target(target.name)
        return ext is not None and ext.terminal

    def hooks(self) -> frozenset[str]:
        """The built-in chains from which the rule's chain is reached (itself when built in)."""
        return self.translator.hooks(self.table, self.chain)

    def stateful(self) -> bool:
        """Whether one of the rule's matches keeps state between packets (limit, quota ...):
        then two copies of the rule are not one rule."""
        return any(m.name in STATEFUL_MATCHES for m in self.rule.matches)

    def nat(self, verb: str, mapping: Any = None, flags: Sequence[str] = (),
            ports: tuple[int, int] | None = None) -> Statement:
        """``dnat to ADDR[-ADDR][:PORT[-PORT]]`` (``snat``, ``masquerade``, ``redirect``, ``dnat
        prefix``): ``mapping`` a NatRange (or a network for ``prefix``), ``ports`` for masquerade
        and redirect.  An IPv6 address goes in brackets before a port; in an inet table the
        family is named (``dnat ip to``), as nft needs."""
        data: dict[str, Any] = {}
        family = None
        words = verb
        if verb in ("dnat", "snat") and self.inet:
            words += self.nat_family()
            data["family"] = "ip" if self.family == 4 else "ip6"
        has_to = False
        if mapping is not None and hasattr(mapping, "prefixlen"):  # NETMAP: dnat prefix to NET
            words += f" prefix to {mapping}"
            data["addr"] = {"prefix": {"addr": str(mapping.network_address), "len": mapping.prefixlen}}
            data["flags"] = "netmap"
            return Statement(words, {verb: data}, TERMINAL, family=family)
        if mapping is not None:
            ports = mapping.ports
            if mapping.first is not None:
                has_to = True
                if mapping.first == mapping.last:
                    addr_text, addr_json = str(mapping.first), str(mapping.first)
                else:
                    addr_text = f"{mapping.first}-{mapping.last}"
                    addr_json = {"range": [str(mapping.first), str(mapping.last)]}
                if self.family == 6 and ports is not None:
                    addr_text = "-".join(f"[{a}]" for a in addr_text.split("-"))
                words += f" to {addr_text}"
                data["addr"] = addr_json
        if ports is not None:
            low, high = ports
            words += ("" if has_to else " to ") + (f":{low}" if low == high else f":{low}-{high}")
            data["port"] = low if low == high else {"range": [low, high]}
        if flags:
            words += " " + ",".join(flags)
            data["flags"] = flags[0] if len(flags) == 1 else list(flags)
        return Statement(words, {verb: data or None}, TERMINAL, needs_protocol=ports is not None,
                         family=family)

    def mark_statement(self, key: Term, opts: dict) -> Statement:
        """``KEY set ...`` for MARK's and CONNMARK's --set-xmark, --set-mark, --and-mark,
        --or-mark, --xor-mark (``opts``: the options by name)."""
        full = 0xFFFFFFFF
        expr_text: str
        expr_json: Any
        if "set-xmark" in opts or "set-mark" in opts:
            name = "set-xmark" if "set-xmark" in opts else "set-mark"
            value, mask = self.value(opts[name])
            if mask == full:
                expr_text, expr_json = f"0x{value:x}", value
            else:
                keep = full & ~mask
                expr_text, expr_json = f"{key.text} & 0x{keep:x}", {"&": [key.json, keep]}
                if value:
                    op = "^" if name == "set-xmark" else "|"
                    expr_text, expr_json = f"{expr_text} {op} 0x{value:x}", {op: [expr_json, value]}
        else:
            for name, op in (("and-mark", "&"), ("or-mark", "|"), ("xor-mark", "^")):
                if name in opts:
                    bits = self.value(opts[name])
                    expr_text, expr_json = f"{key.text} {op} 0x{bits:x}", {op: [key.json, bits]}
                    break
            else:
                self.refuse("no mark to set (iptables refuses it)", refused=True)
        return Statement(f"{key.text} set {expr_text}", {"mangle": {"key": key.json, "value": expr_json}})

    # --- named objects -----------------------------------------------------------------------

    def ipset(self, name: str, where: Any = None):
        """The named nft set for ipset ``name`` (from --ipset): an :class:`~fwlint.nft.ipset.IpSet`."""
        return self.translator.ipset(name, self.family, self._span(where))

    def dynamic_set(self, name: str, type_: str, *, timeout: int | None = None,
                    size: int | None = None, note: str | None = None) -> str:
        """A named set rules fill from the packet path (``update @name { ip saddr }``); returns
        its nft name."""
        return self.translator.dynamic_set(name, type_, timeout=timeout, size=size, note=note)

    def meter(self, name: str) -> tuple[str, bool]:
        """A name for a meter (a set of its own a rule fills, each element with a limit or count):
        ``(name, taken)``, ``taken`` when another rule had the name already."""
        return self.translator.meter(name)

    def limit_object(self, name: str, spec_text: str, spec_json: dict) -> str:
        """A named limit (``limit NAME { rate 5/second }``) the rules naming it share."""
        return self.translator.limit_object(name, spec_text, spec_json)

    def address_type(self) -> str:
        """The nft type of the rule's family's addresses: ipv4_addr or ipv6_addr."""
        return ADDRESS_KINDS[self.family]

    def helper(self, name: str, protocol: str, where: Any = None) -> str:
        """Declare a conntrack helper object for ``name`` (ftp, sip ...) and ``protocol``;
        returns the object's name."""
        return self.translator.helper(name, protocol, self.family)


@functools.lru_cache(maxsize=65536)
def _network_value(net: Any) -> Value:
    kind = ADDRESS_KINDS[net.version]
    if isinstance(net, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return Value(str(net), str(net), (int(net), int(net)), kind)
    if isinstance(net, MaskedNetwork):
        raise TypeError("a network with a non-contiguous mask is matched with masked()")
    low, high = int(net.network_address), int(net.broadcast_address)
    if net.prefixlen == net.max_prefixlen:
        return Value(str(net.network_address), str(net.network_address), (low, high), kind)
    return Value(str(net), {"prefix": {"addr": str(net.network_address), "len": net.prefixlen}},
                 (low, high), kind)


@functools.lru_cache(maxsize=1024)
def _protocol_number(protocol: str | None, family: int) -> int | None:
    if protocol is None:
        return None
    key = (protocol, family)
    if key not in _PROTOCOL_NUMBERS:
        from fwlint.extensions.values import PROTOCOL

        try:
            _PROTOCOL_NUMBERS[key] = PROTOCOL.parse(protocol, family)  # type: ignore[assignment]
        except ValueError:
            _PROTOCOL_NUMBERS[key] = None
    return _PROTOCOL_NUMBERS[key]


_PROTOCOL_NUMBERS: dict[tuple[str, int], int | None] = {}  # a -p's number, by its text and family


def merge_overlaps(values: list[Value]) -> list[Value]:
    """Values with overlapping or touching extents joined into ranges (kept in the order of their
    first member); values without an extent stay as they are, duplicates once."""
    if not any(v.extent for v in values) or len(values) < 2:
        seen: list[Value] = []
        for v in values:
            if v not in seen:
                seen.append(v)
        return seen
    spans = [v for v in values if v.extent]
    if not _overlapping(spans):
        return values
    merged: list[list[int]] = []
    for low, high in sorted(v.extent for v in spans):  # type: ignore[misc]
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    kind = spans[0].kind
    out = [v for v in values if not v.extent]
    for low, high in merged:
        out.append(_from_extent(low, high, kind))
    return out


def _overlapping(values: list[Value]) -> bool:
    ordered = sorted(v.extent for v in values)  # type: ignore[misc]
    return any(b[0] <= a[1] for a, b in zip(ordered, ordered[1:]))


def disjoint(values: Sequence[Value]) -> bool:
    """No two of ``values`` can match the same packet field (all have extents, none overlap), or
    they are distinct plain strings/symbols."""
    if all(v.extent for v in values):
        return not _overlapping(list(values))
    if any(v.extent or v.wildcard or v.is_set for v in values):
        return False
    keys = {v.json if not isinstance(v.json, (dict, list)) else repr(v.json) for v in values}
    return len(keys) == len(values)


def _from_extent(low: int, high: int, kind: str) -> Value:
    if kind in ADDRESS_KINDS.values():
        cls = ipaddress.IPv4Address if kind == "ipv4_addr" else ipaddress.IPv6Address
        lo, hi = cls(low), cls(high)
        nets = list(ipaddress.summarize_address_range(lo, hi))
        if len(nets) == 1:
            net = nets[0]
            if net.prefixlen == net.max_prefixlen:
                return Value(str(lo), str(lo), (low, high), kind)
            return Value(str(net), {"prefix": {"addr": str(net.network_address), "len": net.prefixlen}},
                         (low, high), kind)
        return Value(f"{lo}-{hi}", {"range": [str(lo), str(hi)]}, (low, high), kind)
    if kind == "mark":
        if low == high:
            return Value(f"0x{low:x}", low, (low, high), kind)
        return Value(f"0x{low:x}-0x{high:x}", {"range": [low, high]}, (low, high), kind)
    if low == high:
        return Value(str(low), low, (low, high), kind)
    return Value(f"{low}-{high}", {"range": [low, high]}, (low, high), kind)


__all__ = ["ACTION", "MATCHING", "TERMINAL", "VERDICT", "AnyOf", "NeverMatches", "Note",
           "RuleContext", "Untranslatable", "disjoint", "merge_overlaps"]
