"""Following one kind of packet through a chain: a new connection from a remote host to a port.

FW402 (is a database port open to everyone?) and FW404 (is the management port closed to
everyone?) ask the same question of a ruleset: what happens to the first packet of a
connection from some host on the network (not loopback) to TCP or UDP port P, opened at an
ordinary rate?  Each rule matches such packets always, sometimes (for some sources,
interfaces, addresses ...), or never; a rate or connection limit that one connection stays
under counts as always.  The walk follows the packet that no "sometimes" condition singles
out, noting on the way every ACCEPT that lets at least some of them in.

Conditions the model does not know count as "sometimes": they may make a rule look relevant,
never decide a packet's fate for certain.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass, field

from fwlint.ast import Chain, Option, Table
from fwlint.ast import Rule as AstRule
from fwlint.extensions import Registry
from fwlint.extensions.values import PORT_LIST, PORT_RANGE, PROTOCOL, TCP_FLAG_LIST
from fwlint.lint.facts import ends_traversal

PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17}
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_TCP_ALL_FLAGS = frozenset({"FIN", "SYN", "RST", "PSH", "ACK", "URG"})
_RATE_MATCHES = {"limit": None, "hashlimit": "hashlimit-above", "connlimit": "connlimit-above"}
"""Rate and connection limits, and the option that makes each match only traffic over the limit."""


class Hit(enum.IntEnum):
    """How much of the probed traffic a rule's conditions match (ordered: min() combines)."""

    NEVER = 0
    SOMETIMES = 1  # some sources, interfaces, addresses ... and not others
    ALWAYS = 2


@dataclass(frozen=True)
class Probe:
    """The first packet of a connection from a remote host to ``port`` over ``protocol``."""

    protocol: str  # "tcp" or "udp"
    port: int
    family: int
    any_destination: bool = False
    """Take conditions on where the packet goes (-d, -o) as met: the question is who may
    connect, not to which of the host's addresses or the routed hosts."""


@dataclass
class Walk:
    """What a probe met in a built-in chain.

    ``outcome``: "accepted" (an ACCEPT took every source's packet: ``rule``), "dropped" (a
    DROP/REJECT took it: ``rule``), "policy" (it fell off the end of the built-in chain), or
    "unknown" (a queue, an unknown target or a loop: ``rule``).  ``partial_accepts``: the ACCEPT
    rules met before that which let some sources in (and queues that may).  ``names_port``:
    the accepting rule, or a jump leading to it, names the port itself.
    """

    outcome: str = "policy"
    rule: AstRule | None = None
    names_port: bool = False
    partial_accepts: list[AstRule] = field(default_factory=list)


def probe_chain(table: Table, chain_name: str, probe: Probe, registry: Registry,
                cache: dict[int, RuleFacts] | None = None) -> Walk | None:
    """Follow ``probe`` through the built-in chain ``chain_name`` (None: no such chain).

    ``cache`` keeps what was read from each rule (by id) between probes of one ruleset."""
    chain = table.chain(chain_name)
    if chain is None:
        return None
    walk = Walk()
    cache = {} if cache is None else cache
    result = _walk(table, chain, probe, registry, Hit.ALWAYS, False, frozenset({chain.name}), walk,
                   cache)
    if result is not None:
        walk.outcome, walk.rule, walk.names_port = result
    return walk


def _walk(table: Table, chain: Chain, probe: Probe, registry: Registry, path_hit: Hit,
          named: bool, seen: frozenset[str], walk: Walk,
          cache: dict[int, RuleFacts]) -> tuple[str, AstRule, bool] | None:
    """The rule that decides the probe in ``chain``, or None when it comes back (falls off the
    end, RETURNs, or never entered: ``path_hit`` below ALWAYS)."""
    names = table.chain_names
    for rule in chain.rules:
        target = rule.target
        if target is None:
            continue
        facts = rule_facts(rule, probe.family, cache)
        here = facts.hit(probe)
        if here is Hit.NEVER:
            continue
        hit = min(here, path_hit)
        named_here = named or probe.port in facts.named_ports
        if target.name == "ACCEPT":
            if hit is Hit.ALWAYS:
                return "accepted", rule, named_here
            walk.partial_accepts.append(rule)
        elif target.name in ("DROP", "REJECT"):
            if hit is Hit.ALWAYS:
                return "dropped", rule, named_here
        elif target.name == "RETURN":
            pass
        elif target.name in names:
            sub = table.chain(target.name)
            if target.name in seen or sub is None:
                if hit is Hit.ALWAYS:
                    return "unknown", rule, named_here
                walk.partial_accepts.append(rule)
            else:
                found = _walk(table, sub, probe, registry, hit, named_here, seen | {target.name}, walk,
                              cache)
                if found is not None:
                    return found
                if not target.goto:
                    continue
        elif registry.target(target.name) is None or ends_traversal(rule, registry):
            if hit is Hit.ALWAYS:
                return "unknown", rule, named_here
            walk.partial_accepts.append(rule)  # a queue or an unknown target may let it in
        else:
            continue  # LOG, MARK ...: the packet goes on
        # A verdict, RETURN or goto that every probe reaching this rule meets: the rest of
        # the chain never sees it.
        if here is Hit.ALWAYS:
            return None
    return None


@dataclass(frozen=True)
class RuleFacts:
    """What a rule's conditions say about probes, read once per rule.

    ``fixed``: the conditions that do not depend on the probe (source, input interface, state
    ...); ``protocols``: the -p condition as (protocol number or None for unreadable, negated);
    ``ports``: the destination port conditions as (ranges, negated, also_source) where
    ``also_source`` marks multiport's --ports, which the source port may meet as well;
    ``destinations``: the -d and -o conditions (taken as met with ``any_destination``);
    ``named_ports``: the ports the rule names itself (--dport 3306, --dports 80,3306).
    """

    fixed: Hit
    protocols: tuple[tuple[int | None, bool], ...] = ()
    ports: tuple[tuple[tuple[tuple[int, int], ...], bool, bool], ...] = ()
    destinations: Hit = Hit.ALWAYS
    named_ports: frozenset[int] = frozenset()

    def hit(self, probe: Probe) -> Hit:
        """How much of the probed traffic the rule's conditions match."""
        hit = self.fixed
        if hit is Hit.NEVER:
            return hit
        for number, negated in self.protocols:
            if number is None:
                hit = min(hit, Hit.SOMETIMES)
            elif (number == 0 or number == PROTOCOL_NUMBERS[probe.protocol]) == negated:
                return Hit.NEVER
        for ranges, negated, also_source in self.ports:
            listed = any(low <= probe.port <= high for low, high in ranges)
            if also_source and not listed:
                hit = min(hit, Hit.SOMETIMES)  # the source port may be listed
            elif listed == negated:
                return Hit.NEVER
        if not probe.any_destination:
            hit = min(hit, self.destinations)
        return hit


_NEVER = RuleFacts(Hit.NEVER)


def rule_facts(rule: AstRule, family: int, cache: dict[int, RuleFacts] | None = None) -> RuleFacts:
    """The :class:`RuleFacts` of ``rule`` (from ``cache`` when it holds them)."""
    if cache is not None:
        found = cache.get(id(rule))
        if found is not None:
            return found
    facts = _read_facts(rule, family)
    if cache is not None:
        cache[id(rule)] = facts
    return facts


def rule_hit(rule: AstRule, probe: Probe) -> Hit:
    """How much of the probed traffic the conditions of ``rule`` match."""
    return _read_facts(rule, probe.family).hit(probe)


def _read_facts(rule: AstRule, family: int) -> RuleFacts:
    if rule.unclaimed:
        return _NEVER  # iptables refuses the rule: it is never loaded
    fixed = Hit.ALWAYS
    destinations = Hit.ALWAYS
    protocols: list[tuple[int | None, bool]] = []
    ports: list[tuple[tuple[tuple[int, int], ...], bool, bool]] = []
    named: set[int] = set()
    for match in rule.matches:
        name = match.name
        if not match.known:
            fixed = min(fixed, Hit.SOMETIMES)
            continue
        if name == "comment":
            continue
        if name in _RATE_MATCHES:
            # One new connection at an ordinary rate is within the limit ("-m limit -j ACCEPT"
            # lets it in); a match of only the traffic over the limit does not see it.
            over = _RATE_MATCHES[name]
            if over is not None and match.option(over) is not None:
                fixed = min(fixed, Hit.SOMETIMES)
            continue
        for opt in match.options:
            value = opt.value
            if name == "builtin" and opt.name == "protocol" and value is not None:
                try:
                    protocols.append((int(PROTOCOL.parse(value, family)), opt.negated))  # type: ignore[call-overload]
                except ValueError:
                    protocols.append((None, opt.negated))
            elif name == "builtin" and opt.name in ("destination", "out-interface"):
                destinations = min(destinations, _builtin_hit(opt, family))
                if opt.name == "destination" and destinations is Hit.NEVER:
                    fixed = Hit.NEVER  # to a loopback address: never a remote packet
            elif name == "builtin":
                fixed = min(fixed, _builtin_hit(opt, family))
            elif opt.name in ("destination-port", "destination-ports", "ports") and value is not None \
                    and name in _PORT_MATCHES:
                try:
                    if opt.name == "destination-port":
                        ranges: tuple[tuple[int, int], ...] = (PORT_RANGE.parse(value, family),)  # type: ignore[assignment]
                    else:
                        ranges = PORT_LIST.parse(value, family)  # type: ignore[assignment]
                except ValueError:
                    fixed = min(fixed, Hit.SOMETIMES)
                    continue
                ports.append((ranges, opt.negated, opt.name == "ports"))
                if not opt.negated:
                    named.update(low for low, high in ranges if low == high)
            else:
                fixed = min(fixed, _option_hit(name, opt, family))
        if fixed is Hit.NEVER:
            return _NEVER
    return RuleFacts(fixed, tuple(protocols), tuple(ports), destinations, frozenset(named))


_PORT_MATCHES = frozenset({"tcp", "udp", "sctp", "dccp", "udplite", "multiport"})


def _option_hit(name: str, opt: Option, family: int) -> Hit:
    """The probe-independent conditions of the -m matches."""
    value = opt.value
    if name in ("state", "conntrack") and opt.name in ("state", "ctstate"):
        return _flip(bool(value) and "NEW" in value.upper().split(","), opt)  # type: ignore[union-attr]
    if name == "tcp" and opt.name == "syn":
        return _flip(True, opt)  # the first packet of a TCP connection is the SYN
    if name == "tcp" and opt.name == "tcp-flags" and len(opt.values) == 2:
        try:
            mask, comp = (_tcp_flags(v, family) for v in opt.values)
        except ValueError:
            return Hit.SOMETIMES
        return _flip(({"SYN"} & mask) == comp, opt)
    if name == "addrtype" and opt.name == "dst-type" and value is not None:
        return Hit.ALWAYS if value.upper() == "LOCAL" and not opt.negated else Hit.SOMETIMES
    if name == "addrtype" and opt.name == "src-type" and value is not None and value.upper() == "LOCAL":
        return _flip(False, opt)  # a remote host's address is not one of ours
    if name == "pkttype" and opt.name == "pkt-type" and value is not None:
        kind = value.lower()
        if kind in ("unicast", "host", "broadcast", "multicast"):
            return _flip(kind in ("unicast", "host"), opt)
    return Hit.SOMETIMES


def _flip(matches: bool, opt: Option) -> Hit:
    """ALWAYS or NEVER from whether the probe meets the condition, after a `!`."""
    return Hit.ALWAYS if matches != opt.negated else Hit.NEVER


def _builtin_hit(opt: Option, family: int) -> Hit:
    """-s, -d, -i, -o and -f (the protocol is read apart)."""
    value = opt.value
    if value is None:
        return _flip(False, opt) if opt.name == "fragment" else Hit.SOMETIMES  # -f: no ports
    if opt.name in ("source", "destination"):
        items = value.split(",")
        if not any(_may_be_special(v) for v in items):
            return Hit.SOMETIMES  # neither everywhere nor loopback, or unreadable: no need to read it
        try:
            nets = [ipaddress.ip_network(v, strict=False) for v in items]
        except ValueError:
            return Hit.SOMETIMES
        if any(n.prefixlen == 0 for n in nets):
            return _flip(True, opt)
        if all(any(n.version == lo.version and n.subnet_of(lo) for lo in _LOOPBACK) for n in nets):
            return _flip(False, opt)  # remote packets are neither from nor to loopback addresses
        return Hit.SOMETIMES
    if opt.name == "in-interface":
        if value == "lo":
            return _flip(False, opt)  # remote packets never come in on lo
        if value == "+":
            return _flip(True, opt)
    return Hit.SOMETIMES


def _may_be_special(address: str) -> bool:
    """False when ``address`` (one -s/-d item) is surely neither a network of prefix length 0
    nor a loopback one (an IPv4 address outside 127/8 with a mask that has a bit set): the
    quick test before reading it."""
    if ":" in address or address.startswith("127"):
        return True
    slash = address.rfind("/")
    return slash >= 0 and not address[slash + 1:].strip("0.")


def _tcp_flags(text: str, family: int) -> frozenset[str]:
    flags = TCP_FLAG_LIST.parse(text, family)
    assert isinstance(flags, frozenset)
    if "ALL" in flags:
        return _TCP_ALL_FLAGS
    return frozenset(flags - {"NONE"})
