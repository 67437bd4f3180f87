"""Probe packets, made from the rules themselves.

For every rule of the ruleset (in every chain a hook reaches), the probes are:

- **inside**: a packet that reaches the rule and that the rule matches, once in each
  connection state the agent can make that allows (NEW, ESTABLISHED, INVALID, UNTRACKED);
- **outside**: for each header field the rule tests, the packets that differ from the inside
  one in that field alone, by as little as possible on each side, and that the rule does not
  match (``--dport 22``: ports 21 and 23; ``-s 10.0.0.0/8``: 9.255.255.255 and 11.0.0.0;
  ``--ctstate NEW``: INVALID and ESTABLISHED; ``-p tcp``: the nearest other protocols);
- **random**: inside probes with a few fields drawn again, and packets drawn from the whole
  space of packets the agent can make (addresses left free by the rules come from the
  documentation ranges: 203.0.113.0/24 and 2001:db8:5::/48 as sources, 192.0.2.0/24 and
  2001:db8:d::/48 as destinations).

The packets come from the reachability model (:mod:`fwlint.analysis`): a rule's packets are
a BDD (what it may match, as the packets stand at the rule), intersected with what can be
injected through a TUN device: TCP, UDP, ICMP or ICMPv6, no fragment, no link-layer header,
no mark, addresses that are no loopback, multicast or reserved ones, a length the headers
fit in, and a connection state the kernel will really give such a packet (a lone SYN/ACK is
INVALID, an ICMPv6 neighbour solicitation UNTRACKED ...).  "Nearest" is computed in the BDD:
with every other field fixed, the least value above and the greatest below that leave the rule.

Where a probe goes (its *path*) follows from the chain: INPUT rules get packets for this
host, FORWARD rules forwarded ones, OUTPUT rules packets this host sends; PREROUTING rules
get both of the first two, POSTROUTING rules the last two, user chains those of the hooks
that reach them.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Iterator

from fwlint.ast import BUILTIN_CHAINS, Rule, Ruleset
from fwlint.verify.packets import (
    ACK,
    FIN,
    ICMP,
    ICMPV6,
    PSH,
    RST,
    SYN,
    TAG_SIZE,
    TCP,
    UDP,
    endpoint,
    flag_text,
    header_size,
)

PATHS = ("input", "forward", "output")
HOOK_PATHS: dict[str, tuple[str, ...]] = {
    "PREROUTING": ("input", "forward"), "INPUT": ("input",), "FORWARD": ("forward",),
    "OUTPUT": ("output",), "POSTROUTING": ("forward", "output"),
}

STATES = ("NEW", "ESTABLISHED", "INVALID", "UNTRACKED")
"""The connection states a probe can have (RELATED needs an expectation: not made)."""

RESERVED_V4 = ipaddress.ip_network("198.51.100.224/27")
RESERVED_V6 = ipaddress.ip_network("2001:db8:ffff:ffff::/64")
"""The addresses of the TUN devices themselves: probes never use them."""

MAX_INTERFACES = 30
MAX_LENGTH = 1400

_MARTIANS_V4 = [ipaddress.ip_network(n) for n in ("0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/3")]
_MARTIANS_V6 = [ipaddress.ip_network(n) for n in ("::/96", "::ffff:0:0/96", "fe80::/10", "ff00::/8",
                                                  "::1/128")]
_PREFERRED = {
    (4, "src"): ipaddress.ip_network("203.0.113.0/24"), (4, "dst"): ipaddress.ip_network("192.0.2.0/24"),
    (6, "src"): ipaddress.ip_network("2001:db8:5::/48"), (6, "dst"): ipaddress.ip_network("2001:db8:d::/48"),
}
_CONTROLLED = ("proto", "src", "dst", "sport", "dport", "iif", "oif", "ctstate", "tcpflags", "icmptype",
               "icmpcode", "tos", "ttl", "length")
"""The fields a probe sets; the others (marks, conntrack status ...) it leaves as they come."""

ICMP_NEW_TYPES = {4: (8, 13, 15, 17), 6: (128, 139)}
ICMPV6_UNTRACKED_TYPES = (130, 131, 132, 133, 134, 135, 136, 143)
_TCP_CORE = FIN | SYN | RST | ACK


@dataclass(frozen=True)
class Probe:
    """One packet to send into both namespaces.

    ``path``: input, forward or output; ``state``: the connection state it is made to have.
    ``length``: its layer-3 length (the payload pads it).  ``origin``: why it exists.
    """

    family: int
    path: str
    state: str
    proto: int
    src: str
    dst: str
    sport: int = 0
    dport: int = 0
    flags: int = 0
    icmp_type: int = 0
    icmp_code: int = 0
    tos: int = 0
    ttl: int = 64
    length: int = 0
    iif: str = ""
    oif: str = ""
    origin: str = ""

    @property
    def kind(self) -> str:
        """How the agent makes it (see :mod:`fwlint.verify.agent`)."""
        if self.state == "ESTABLISHED":
            return {"input": "local-open", "forward": "remote-open", "output": "peer-open"}[self.path]
        return "send" if self.path == "output" else "inject"

    def flow(self) -> tuple:
        """The TCP or UDP connection it belongs to, the same whichever way round."""
        ends = sorted([(self.src, self.sport), (self.dst, self.dport)])
        return (self.proto, *ends[0], *ends[1])

    def agent_packet(self, icmp_id: int) -> dict[str, Any]:
        """The packet as the agent builds it (``pad``: payload bytes)."""
        pad = max(0, self.length - header_size(self.family, self.proto))
        out: dict[str, Any] = {"proto": self.proto, "src": self.src, "dst": self.dst, "tos": self.tos,
                               "ttl": self.ttl, "pad": pad}
        if self.proto in (TCP, UDP):
            out.update(sport=self.sport, dport=self.dport)
        if self.proto == TCP:
            out.update(flags=self.flags, seq=1 if self.flags & SYN else 5001,
                       ack=1001 if self.flags & ACK else 0)
        if self.proto in (ICMP, ICMPV6):
            out.update(icmp_type=self.icmp_type, icmp_code=self.icmp_code, icmp_id=icmp_id)
        return out

    def describe(self) -> str:
        """The probe in the words of ``fwlint trace --packet`` (path and state included)."""
        words = [] if self.family == 4 else ["ipv6"]
        ports = self.proto in (TCP, UDP)
        name = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6"}.get(self.proto, str(self.proto))
        words += [name, endpoint(self.src, self.sport if ports else None), "->",
                  endpoint(self.dst, self.dport if ports else None)]
        if self.iif:
            words += ["in", self.iif]
        if self.oif:
            words += ["out", self.oif]
        words += ["state", self.state.lower()]
        if self.proto == TCP:
            words += ["flags", flag_text(self.flags).lower()]
        if self.proto in (ICMP, ICMPV6):
            words += ["type", f"{self.icmp_type}/{self.icmp_code}"]
        if self.ttl != 64:
            words += ["ttl" if self.family == 4 else "hl", str(self.ttl)]
        if self.tos:
            words += ["tos", f"{self.tos:#04x}"]
        words += ["length", str(self.length)]
        if self.path == "forward":
            words.append("forward")
        elif self.path == "output":
            words.append("(sent by this host)")
        return " ".join(words)


@dataclass
class ProbeSet:
    """The probes of one family, the TUN devices they need (named as the ruleset names its
    interfaces, plus one for "any other interface" each way), and how many rules got probes."""

    family: int
    probes: list[Probe]
    interfaces: tuple[str, ...]
    default_in: str
    default_out: str
    rules_probed: int = 0
    rules_total: int = 0
    by_chance: dict[Probe, str] = field(default_factory=dict)
    """Probes a ``-m statistic`` rule may match (its other matches do): their fate depends on a
    random draw or on a count of packets, on both sides, so it is not compared.  Each with the
    rule's file:line."""


class _Space:
    """The model of one ruleset and the BDDs of what the agent can send on each path."""

    def __init__(self, ruleset: Ruleset, seed: int) -> None:
        from fwlint.analysis import build_model

        self.ruleset = ruleset
        self.family = ruleset.family
        self.model = build_model(ruleset)
        self.enc = self.model.encoding
        self.bdd = self.enc.bdd
        self.rng = random.Random(seed)
        symbols = self.enc.interfaces
        self.default_in = self._other_name(("fwv-in", "vfin0", "zzin0"))
        self.default_out = self._other_name(("fwv-out", "vfout0", "zzout0"))
        self.names: dict[int, str] = {}
        for code in range(len(symbols)):
            kind, _ = symbols.symbols[code]
            if kind == "other":
                continue
            try:
                name = symbols.example(code)
            except ValueError:
                continue
            if usable_interface(name) and len(self.names) < MAX_INTERFACES - 2:
                self.names[code] = name
        self.injectable = {path: self._injectable(path) for path in PATHS}

    def _other_name(self, candidates: Iterable[str]) -> str:
        for name in candidates:
            if self.enc.interfaces.symbol_of(name) == 0:
                return name
        for n in range(1000):
            if self.enc.interfaces.symbol_of(f"zz{n}") == 0:
                return f"zz{n}"
        raise ValueError("no interface name is left unnamed by the ruleset")

    # --- the sendable packets ---

    def _injectable(self, path: str) -> Any:
        enc = self.enc
        family = self.family
        icmp = ICMP if family == 4 else ICMPV6
        u = enc.universe
        u &= enc.one_of("proto", (TCP, UDP, icmp))
        u &= enc.equals("frag", 0) & enc.equals("snat", 0) & enc.equals("dnat", 0)
        u &= enc.equals("hasmac", 0) & enc.equals("pkttype", 0)
        tun_codes = [0, *self.names]
        if path == "output":
            u &= enc.equals("iif", 0)
        else:
            u &= enc.one_of("iif", tun_codes)
        if path == "input":
            u &= enc.equals("oif", 0)
        else:
            u &= enc.one_of("oif", tun_codes)
        for fieldname in ("src", "dst"):
            avoided = (_MARTIANS_V4 + [RESERVED_V4]) if family == 4 else (_MARTIANS_V6 + [RESERVED_V6])
            for net in avoided:
                u &= ~enc.network(fieldname, net)
        unicast = 1 << 1  # xt_addrtype's bits of UNICAST and LOCAL; an IPv4 address has one type,
        local = 1 << 2 if family == 4 else 1 << 2 | unicast  # a local IPv6 address is unicast too
        src_type, dst_type = {"input": (unicast, local), "forward": (unicast, unicast),
                              "output": (local, unicast)}[path]
        u &= enc.equals("srctype", src_type) & enc.equals("dsttype", dst_type)
        u &= enc.range("length", 0, MAX_LENGTH)
        u &= (enc.equals("proto", TCP) & enc.at_least("length", header_size(family, TCP))) | \
            (~enc.equals("proto", TCP) & enc.at_least("length", header_size(family, UDP)))
        return u & self._realizable()

    def _realizable(self) -> Any:
        """Packets whose connection state is the one the kernel gives them."""
        enc = self.enc
        family = self.family
        icmp = ICMP if family == 4 else ICMPV6

        def state(name: str) -> Any:
            return enc.equals("ctstate", STATES_CODES[name])

        def core(*values: int) -> Any:
            out = enc.false
            for v in values:
                out |= enc.masked("tcpflags", v, _TCP_CORE)
            return out

        tcp, udp, is_icmp = enc.equals("proto", TCP), enc.equals("proto", UDP), enc.equals("proto", icmp)
        new = tcp & core(SYN, ACK) | udp | is_icmp & enc.one_of("icmptype", ICMP_NEW_TYPES[family])
        established = tcp & core(ACK) | udp | is_icmp & enc.equals("icmptype", 0 if family == 4 else 129) \
            & enc.equals("icmpcode", 0)
        invalid = tcp & core(0, FIN, SYN | FIN, SYN | RST, SYN | ACK, RST, RST | ACK, FIN | ACK) | \
            is_icmp & ~enc.one_of("icmptype", ICMP_NEW_TYPES[family] + (
                ICMPV6_UNTRACKED_TYPES if family == 6 else ()))
        untracked = is_icmp & enc.one_of("icmptype", ICMPV6_UNTRACKED_TYPES) if family == 6 else enc.false
        return state("NEW") & new | state("ESTABLISHED") & established | state("INVALID") & invalid | \
            state("UNTRACKED") & untracked

    # --- picking packets ---

    def pick(self, u: Any) -> dict[str, Any] | None:
        """A packet of ``u``, as ordinary as the set allows: TTL 64, TOS 0, the shortest length
        that holds a tag, SYN for a new TCP connection, ACK in an established one, echo
        requests and replies, documentation addresses and high source ports where the rules
        leave them free; the rest at random."""
        enc = self.enc
        if u == enc.false:
            return None
        family = self.family
        prefs: list[Any] = [enc.equals("ttl", 64), enc.equals("tos", 0), enc.equals("mark", 0),
                            enc.equals("ctmark", 0), enc.equals("ctstatus", 0), enc.equals("icmpcode", 0)]
        for proto in (TCP, UDP, ICMP, ICMPV6):
            shortest = header_size(family, proto) + TAG_SIZE
            prefs.append(~enc.equals("proto", proto) | enc.equals("length", shortest))
        prefs += [~enc.equals("ctstate", 1) | enc.equals("tcpflags", SYN),
                  ~enc.equals("ctstate", 2) | enc.equals("tcpflags", ACK | PSH),
                  ~enc.equals("ctstate", 1) | enc.one_of("icmptype", (8, 128)),
                  enc.network("src", _PREFERRED[(family, "src")]),
                  enc.network("dst", _PREFERRED[(family, "dst")]),
                  enc.range("sport", 32768, 60999), enc.range("dport", 1, 65535),
                  enc.range("sport", 1, 65535)]
        for pref in prefs:
            narrowed = u & pref
            if narrowed != enc.false:
                u = narrowed
        found = enc.sample(u, 1, seed=self.rng.randrange(1 << 30))
        return found[0] if found else None

    def to_probe(self, packet: dict[str, Any], path: str, origin: str) -> Probe | None:
        proto = packet["proto"]
        iif = "" if path == "output" else (packet["iif"] or self.default_in)
        oif = "" if path == "input" else (packet["oif"] or self.default_out)
        for name in (iif, oif):
            if name and not usable_interface(name):
                return None
        state = packet["ctstate"]
        if state not in STATES:
            return None
        ports = proto in (TCP, UDP)
        if ports and (packet["sport"] == 0 or packet["dport"] == 0):
            return None  # port 0 can be neither bound nor answered
        return Probe(family=self.family, path=path, state=state, proto=proto, src=str(packet["src"]),
                     dst=str(packet["dst"]), sport=packet["sport"] if ports else 0,
                     dport=packet["dport"] if ports else 0, flags=packet["tcpflags"] if proto == TCP else 0,
                     icmp_type=packet["icmptype"] if not ports else 0,
                     icmp_code=packet["icmpcode"] if not ports else 0, tos=packet["tos"], ttl=packet["ttl"],
                     length=packet["length"], iif=iif, oif=oif, origin=origin)

    def fix_others(self, packet: dict[str, Any], keep: str) -> dict[str, bool]:
        """Bit values of every field of ``packet`` but ``keep``."""
        values = {k: v for k, v in packet.items() if k != keep and k in self.enc.names}
        return self.enc.assignment(values)

    def extreme(self, u: Any, fieldname: str, highest: bool) -> int | None:
        """The greatest (or least) value of ``fieldname`` in ``u`` (a set over that field alone)."""
        if u == self.enc.false:
            return None
        value = 0
        for name in self.enc.bits(fieldname):
            first = self.bdd.let({name: highest}, u)
            bit = highest
            if first == self.enc.false:
                first = self.bdd.let({name: not highest}, u)
                bit = not highest
            u = first
            value = (value << 1) | int(bit)
        return value

    def neighbours(self, packet: dict[str, Any], fieldname: str, outside: Any) -> list[dict[str, Any]]:
        """The packets of ``outside`` nearest to ``packet`` along ``fieldname``, others unchanged."""
        enc = self.enc
        along = self.bdd.let(self.fix_others(packet, fieldname), outside)
        if along == enc.false:
            return []
        here = enc.field_number(fieldname, packet[fieldname])
        top = (1 << enc.widths[fieldname]) - 1
        out = []
        if here > 0:
            below = self.extreme(along & enc.at_most(fieldname, here - 1), fieldname, highest=True)
            if below is not None:
                out.append(below)
        if here < top:
            above = self.extreme(along & enc.at_least(fieldname, here + 1), fieldname, highest=False)
            if above is not None:
                out.append(above)
        result = []
        width = enc.widths[fieldname]
        for value in out:
            bits = self.fix_others(packet, fieldname)
            for i, name in enumerate(enc.bits(fieldname)):
                bits[name] = bool(value >> (width - 1 - i) & 1)
            result.append(enc.decode(bits))
        return result

    def fresh_source_port(self, packet: dict[str, Any], within: Any) -> dict[str, Any]:
        """The packet with another (ephemeral) source port, if it stays in ``within``: probes
        that differ in their source port can share a batch (see
        :func:`fwlint.verify.comparison.plan_batches`)."""
        if packet["proto"] not in (TCP, UDP):
            return packet
        changed = dict(packet, sport=self.rng.randrange(32768, 61000))
        return changed if self.enc.holds(within, changed) else packet

    def fields_of(self, u: Any) -> list[str]:
        support = self.bdd.support(u)
        found = {self.enc.field_of(v) for v in support}
        return [f for f in _CONTROLLED if f in found]


STATES_CODES = {"INVALID": 0, "NEW": 1, "ESTABLISHED": 2, "RELATED": 3, "UNTRACKED": 4}


def usable_interface(name: str) -> bool:
    """A TUN device can have this name (and it is no loopback)."""
    return (0 < len(name) <= 15 and name not in (".", "..", "lo") and
            not any(c in name for c in "/: \t\n%") and name.isascii())


def _chain_paths(ruleset: Ruleset) -> dict[tuple[str, str], tuple[str, ...]]:
    """For each (table, chain), the paths of the hooks that reach it."""
    from fwlint.extensions import default_registry
    from fwlint.lint.facts import chain_callers
    from fwlint.lint.rule import Context

    ctx = Context(ruleset, default_registry())
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for table in ruleset.tables:
        callers = chain_callers(ctx, table)
        for chain in table.chains:
            paths: list[str] = []
            for hook in sorted(callers.get(chain.name, ())):
                for path in HOOK_PATHS.get(hook, ()):
                    if path not in paths:
                        paths.append(path)
            out[(table.name, chain.name)] = tuple(p for p in PATHS if p in paths)
    return out


def rule_probes(ruleset: Ruleset, seed: int = 0, random_count: int | None = None,
                max_rules: int | None = None) -> ProbeSet:
    """The probes of one ruleset (one family): inside and outside each rule, and random ones."""
    space = _Space(ruleset, seed)
    enc = space.enc
    rng = space.rng
    paths = _chain_paths(ruleset)
    probes: list[Probe] = []
    seen: set[tuple] = set()
    insiders: list[tuple[Probe, dict[str, Any]]] = []

    def add(packet: dict[str, Any] | None, path: str, origin: str) -> Probe | None:
        if packet is None:
            return None
        probe = space.to_probe(packet, path, origin)
        if probe is None:
            return None
        key = replace(probe, origin="")
        if key in seen:
            return None
        seen.add(key)
        probes.append(probe)
        if by_chance:
            cube = space.bdd.cube(enc.assignment({k: v for k, v in packet.items() if k in enc.names}))
            for where, chance in by_chance:
                if cube & chance != enc.false:
                    chosen_by_chance[probe] = where
                    break
        return probe

    entries = list(_rules(ruleset, space))
    # the packets each -m statistic rule may match (where it is reached, its other matches hold)
    by_chance = [(f"{rule.span.file}:{rule.span.line}", analysis.reach_at(index) & rm.upper)
                 for _, _, index, rule, rm, analysis in entries if rule.match("statistic") is not None]
    chosen_by_chance: dict[Probe, str] = {}
    total = len(entries)
    if max_rules is not None and total > max_rules:
        entries = sorted(rng.sample(entries, max_rules), key=lambda e: (e[0], e[1], e[2]))
    probed = 0
    for table_name, chain_name, index, rule, rm, analysis in entries:
        where = f"{rule.span.file}:{rule.span.line}" if rule.span else \
            f"{table_name} {chain_name} #{index + 1}"
        upper = rm.upper
        reach = analysis.reach_at(index)
        made = False
        for path in paths.get((table_name, chain_name), ()):
            injectable = space.injectable[path]
            inside = reach & upper & injectable
            if inside == enc.false:
                inside = upper & injectable
            if inside == enc.false:
                continue
            chosen: list[dict[str, Any]] = []
            for state in STATES:
                if len(chosen) == 2:
                    break
                packet = space.pick(inside & enc.equals("ctstate", STATES_CODES[state]))
                if packet is not None:
                    chosen.append(packet)
            for n, packet in enumerate(chosen):
                probe = add(packet, path, f"inside {where}")
                if probe is not None:
                    made = True
                    insiders.append((probe, packet))
                if n:
                    continue
                outside_reaching = reach & injectable & ~upper
                outside_any = injectable & ~upper
                tested = space.fields_of(upper)
                for fieldname in tested:
                    found = space.neighbours(packet, fieldname, outside_reaching) or \
                        space.neighbours(packet, fieldname, outside_any)
                    for other in found:
                        if "sport" not in tested:
                            other = space.fresh_source_port(other, outside_any)
                        add(other, path, f"outside {where} ({fieldname})")
        probed += made
    count = random_count if random_count is not None else max(8, len(probes) // 5)
    for n in range(count):
        path = PATHS[n % len(PATHS)]
        if insiders and n % 2 == 0:
            base_probe, packet = rng.choice(insiders)
            path = base_probe.path
            redraw = rng.sample(["sport", "dport", "src", "dst", "ctstate", "tcpflags", "iif", "oif", "ttl"],
                                rng.randint(1, 3))
            bits = enc.assignment({k: v for k, v in packet.items() if k not in redraw and k in enc.names})
            u = space.bdd.cube(bits) & space.injectable[path]
            for fieldname in ("src", "dst"):  # a new address from the documentation ranges if it can be
                documented = u & enc.network(fieldname, _PREFERRED[(space.family, fieldname)])
                if fieldname in redraw and documented != enc.false:
                    u = documented
            found = enc.sample(u, 1, seed=rng.randrange(1 << 30)) if u != enc.false else []
            add(found[0] if found else None, path, "random (varied from a rule's packet)")
        else:
            state = STATES_CODES[rng.choice(STATES[:2])]
            add(space.pick(space.injectable[path] & enc.equals("ctstate", state)), path, "random")
    interfaces = sorted({p.iif for p in probes if p.iif} | {p.oif for p in probes if p.oif}
                        | {space.default_in, space.default_out})
    return ProbeSet(ruleset.family, probes, tuple(interfaces), space.default_in, space.default_out,
                    rules_probed=probed, rules_total=total, by_chance=chosen_by_chance)


def _rules(ruleset: Ruleset, space: _Space) -> Iterator[tuple[str, str, int, Rule, Any, Any]]:
    """Every rule the model keeps, in a chain a hook reaches, with its model and chain analysis."""
    for table in ruleset.tables:
        if table.name not in BUILTIN_CHAINS:
            continue
        for chain in table.chains:
            analysis = space.model.chain(table.name, chain.name)
            if analysis is None:
                continue
            for index, rm in enumerate(analysis.rules):
                if rm.excluded or rm.upper is None:
                    continue
                yield table.name, chain.name, index, rm.rule, rm, analysis
