"""The concrete evaluator: one packet through a ruleset as the kernel takes it, without BDDs.

It walks the AST.  Each match is judged by its extension's ``concrete(match, pkt)`` (declared
in the extension module next to its options, as ``meaning`` is) against a :class:`PacketView`;
the answer is three-valued: True, False, or :class:`Unknown` (a match fwlint does not model:
``-m limit``, ``-m set``, ``-m u32`` ...; or a header field the packet leaves unsaid).  A
target is read from its ``concrete`` when it has one (the NAT targets, NOTRACK, CT: they say
how they rewrite the packet) and otherwise from its ``meaning``, which for targets is plain data
(decide / go on with header changes / maybe / return) and needs no BDD either.

Chains are evaluated as ``ipt_do_table`` does: rules in order, jumps push a return point,
``-g`` does not, RETURN and the end of a user chain go back to the last return point, or to
the built-in chain's policy when there is none; non-terminating targets (LOG, MARK, CONNMARK
...) let the packet go on, changed.  Rules the kernel would refuse (an option nothing takes, a
value iptables rejects, an extension outside its tables, hooks or protocol, ``-i`` on OUTPUT, a
jump to a built-in chain or one that closes a loop of chains) are left out, as the model leaves
them out, and the trace says why.

Unknowns
--------
A run of the evaluator follows one path: at each rule whose match result is unknown (and at
each target that may or may not decide) it asks a :class:`Choices` which way to go, by default
"does not match".  :func:`all_runs` enumerates every combination, so the trace can give the
other possible outcomes and the cross-checks can compare every one with the model.  Within one
run a match with the same options on the same (unknown) packet fields gets the same answer each
time it is asked; an opaque match (a rate limit, a random choice) is asked afresh each time.

The packet's path
-----------------
:func:`follow` takes a packet through the hooks and tables in the kernel's order
(:data:`HOOK_TABLES`): PREROUTING raw, mangle, nat; INPUT mangle, filter, security, nat;
FORWARD mangle, filter, security; OUTPUT raw, mangle, nat, filter, security; POSTROUTING
mangle, nat.  Where it goes (see :func:`route`):

* ``forward`` in the packet text: it is forwarded.
* ``--local ADDR`` given: a destination among them (or a loopback address) is this host's
  (INPUT); a source among them, with no ``in``, is a packet this host sends (OUTPUT; to a local
  destination it then loops back through ``lo``: OUTPUT, POSTROUTING, PREROUTING, INPUT); any
  other known destination is forwarded.
* Otherwise, from the interfaces: ``in`` and ``out`` both given: forwarded; ``out`` alone:
  sent by this host (OUTPUT); else it comes in for this host (INPUT), on an interface that is
  unknown unless ``in`` says it.  A loopback destination with no ``in``: local traffic.

After PREROUTING the route is taken again when nat changed the destination: to one of the
``--local`` addresses (or the original destination when it was taken to be this host's, or
REDIRECT) it goes to INPUT, elsewhere it is forwarded.

What the packet looks like at each hook: an incoming packet has an input interface (``in``,
else unknown) and, before routing and in INPUT, no output interface; a forwarded one both; a
packet this host sends has no input interface and, from OUTPUT on, an output interface (``out``,
else unknown).  Its packet type, unless given, follows its destination (multicast, broadcast,
else unicast); its address types, unless given, are LOCAL for this host's addresses (the
``--local`` ones, loopback, the destination of a packet for this host, the source of one it
sends), MULTICAST / BROADCAST for those addresses, else UNICAST.  In the raw table conntrack
has not run yet: state matches see INVALID (UNTRACKED after ``-j NOTRACK`` / ``-j CT
--notrack``).  The nat table sees only the first packet of a connection (state NEW), once per
direction: DNAT, REDIRECT, NETMAP in PREROUTING or OUTPUT rewrite the destination, SNAT,
MASQUERADE, NETMAP in POSTROUTING or INPUT the source, and set the connection's DNAT / SNAT flag.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, NamedTuple, NoReturn, Sequence

from fwlint.analysis.meaning import Havoc, SetBits
from fwlint.analysis.packet import FIELD_DESCRIPTIONS, IPAddress, Packet, endpoint
from fwlint.analysis.refusals import match_refusal, syntax_lines, target_refusal
from fwlint.ast import BUILTIN_CHAINS, Chain, Match, Option, Rule, Ruleset, Table, Target
from fwlint.extensions import Extension, Opaque, Registry, default_registry
from fwlint.extensions.values import BadValue, Unresolved
from fwlint.lint.facts import refused_here

HOOK_TABLES: dict[str, tuple[str, ...]] = {
    "PREROUTING": ("raw", "mangle", "nat"),
    "INPUT": ("mangle", "filter", "security", "nat"),
    "FORWARD": ("mangle", "filter", "security"),
    "OUTPUT": ("raw", "mangle", "nat", "filter", "security"),
    "POSTROUTING": ("mangle", "nat"),
}
"""The tables each hook passes a packet through, in the kernel's priority order."""

PATHS: dict[str, tuple[str, ...]] = {
    "input": ("PREROUTING", "INPUT"),
    "forward": ("PREROUTING", "FORWARD", "POSTROUTING"),
    "output": ("OUTPUT", "POSTROUTING"),
    "local": ("OUTPUT", "POSTROUTING", "PREROUTING", "INPUT"),
}
"""The hooks of each path ("local": sent by this host to itself, looping back through lo)."""

CONTINUING_VERDICTS = frozenset({"ACCEPT", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"})
"""Verdicts with which the packet goes on to the next table (NAT targets accept once they have
set up the mapping); any other verdict (DROP, REJECT, QUEUE, NFQUEUE, TPROXY ...) is final."""


# --- three-valued results -------------------------------------------------------------------

class Unknown:
    """A match result the evaluator cannot decide; ``reason`` says why.  ``opaque``: the match
    is not modelled (asked afresh each time), else a header field is unknown."""

    __slots__ = ("reason", "opaque")

    def __init__(self, reason: str, opaque: bool = False) -> None:
        self.reason = reason
        self.opaque = opaque

    def __bool__(self) -> bool:
        raise TypeError("an unknown result has no truth value: test `is True` / `is False`")

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


Truth = bool | Unknown


def all_of(results: Iterable[Truth]) -> Truth:
    """Kleene conjunction: False if any is False, else unknown if any is, else True."""
    unknown = None
    for r in results:
        if r is False:
            return False
        if isinstance(r, Unknown) and unknown is None:
            unknown = r
    return unknown if unknown is not None else True


def any_of(results: Iterable[Truth]) -> Truth:
    """Kleene disjunction."""
    unknown = None
    for r in results:
        if r is True:
            return True
        if isinstance(r, Unknown) and unknown is None:
            unknown = r
    return unknown if unknown is not None else False


def invert(result: Truth) -> Truth:
    if result is True:
        return False
    if result is False:
        return True
    return result


def shown_truth(result: Truth) -> str:
    return "yes" if result is True else "no" if result is False else "unknown"


class Refused(Exception):
    """iptables or the kernel would not load the rule: it is left out."""


class _UnknownValue(Exception):
    """A value fwlint cannot know (a host name, a variable of a script it could not resolve)."""


# --- what extension modules get ---------------------------------------------------------------

class _Failure(NamedTuple):
    """A cached refusal: the exception's class and message (never the exception itself, whose
    traceback would keep every frame it passed through alive, and the BDDs in them)."""

    kind: type
    message: str


@functools.lru_cache(maxsize=65536)
def _parse(value_type: Any, text: str, family: int, protocol: str | None) -> Any:
    return value_type.parse(text, family, protocol)


class _Reader:
    """Option lookup and value parsing, shared by match and target views."""

    def __init__(self, ext: Extension | None, family: int, protocol: str | None,
                 cache: dict[tuple, Any] | None = None) -> None:
        self.ext = ext
        self.family = family
        self.rule_protocol = protocol
        self._cache = cache  # (id(option), protocol) -> its values, (id(match), ...) -> its
        # options: or the error reading them

    def refuse(self, message: str) -> NoReturn:
        raise Refused(message)

    def options(self, node: Any, *, repeatable: Iterable[str] = ()) -> dict[str, Option]:
        """The options of a match or target by long name; an unknown option, or one given twice
        (unless ``repeatable``), is refused as iptables refuses it."""
        cache = self._cache
        if cache is None:
            return self._options(node, repeatable)
        key = (id(node), tuple(repeatable))
        hit = cache.get(key)
        if hit is None:
            try:
                hit = cache[key] = self._options(node, repeatable)
            except Refused as err:
                hit = cache[key] = _Failure(type(err), str(err))
        if isinstance(hit, _Failure):
            raise hit.kind(hit.message)
        return hit

    def _options(self, node: Any, repeatable: Iterable[str]) -> dict[str, Option]:
        out: dict[str, Option] = {}
        allowed = set(repeatable)
        for opt in node.options:
            if not opt.known:
                self.refuse(f"unknown option {opt.written}")
            if opt.name in out and opt.name not in allowed:
                self.refuse(f"{opt.written} given twice")
            out[opt.name] = opt
        return out

    def values(self, opt: Option) -> tuple[Any, ...]:
        cache = self._cache
        if cache is None:
            return self._read(opt)
        key = (id(opt), self.rule_protocol)
        hit = cache.get(key)
        if hit is None:
            try:
                hit = cache[key] = self._read(opt)
            except (Refused, _UnknownValue) as err:
                hit = cache[key] = _Failure(type(err), str(err))
        if isinstance(hit, _Failure):
            raise hit.kind(hit.message)
        return hit

    def _read(self, opt: Option) -> tuple[Any, ...]:
        spec = self.ext.option(opt.name) if self.ext is not None else None
        if spec is None:
            self.refuse(f"unknown option {opt.written}")
        types = spec.value_types()
        if len(opt.values) != len(types):
            self.refuse(f"{opt.written} takes {len(types)} value(s)")
        if opt.unresolved:
            raise _UnknownValue(f"{opt.written} {' '.join(opt.values)} comes from a variable fwlint "
                                "could not resolve")
        try:
            return tuple(_parse(vt, text, self.family, self.rule_protocol)
                         for vt, text in zip(types, opt.values))
        except BadValue as err:
            self.refuse(f"{opt.written}: {err}")
        except Unresolved:
            raise _UnknownValue(f"{opt.written} {' '.join(opt.values)} is a host name, looked up "
                                "when the rules are loaded") from None

    def value(self, opt: Option) -> Any:
        return self.values(opt)[0]


class PacketView(_Reader):
    """What a match's ``concrete(match, pkt)`` gets: the packet's fields, three-valued tests
    on them, and the kernel's own ways of comparing addresses and interfaces.

    ``test(field, predicate)`` is the predicate's answer on the field's value, or
    :class:`Unknown` when the packet leaves the field unsaid.  Combine results with
    ``all``/``any`` (Kleene logic) and ``invert(result, opt)`` (for ``!``).
    """

    def __init__(self, packet: Packet, ext: Extension | None, family: int,
                 protocol: str | None, cache: dict[tuple, Any] | None = None) -> None:
        super().__init__(ext, family, protocol, cache)
        self.packet = packet

    def test(self, field_name: str, predicate: Callable[[Any], bool]) -> Truth:
        value = getattr(self.packet, field_name)
        if value is None:
            return Unknown(f"the packet's {FIELD_DESCRIPTIONS[field_name]} is not known")
        return bool(predicate(value))

    def unknown(self, reason: str) -> Unknown:
        """A part of the match fwlint does not model."""
        return Unknown(reason, opaque=True)

    def all(self, *results: Truth) -> Truth:
        return all_of(results)

    def any(self, *results: Truth) -> Truth:
        return any_of(results)

    def invert(self, result: Truth, opt: Option | None = None) -> Truth:
        """``result`` inverted when ``opt`` carries ``!`` (always, without ``opt``)."""
        return invert(result) if opt is None or opt.negated else result

    def first_fragment(self) -> Truth:
        """Not a second or later fragment: layer-4 headers are there to read."""
        return self.test("frag", lambda later: not later)

    def in_network(self, field_name: str, network: Any) -> Truth:
        """The address is within the network (any netmask, as the kernel compares:
        ``(address & mask) == (network & mask)``); refused when the network is not of the
        ruleset's family."""
        if network.version != self.family:
            self.refuse(f"{network} is not an IPv{self.family} address")
        if isinstance(network, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
            mask, base = int(network.netmask), int(network.network_address)
        else:
            mask, base = int(network.netmask), int(network.network_address)
        return self.test(field_name, lambda addr: int(addr) & mask == base & mask)

    def in_address_range(self, field_name: str, low: Any, high: Any) -> Truth:
        if low.version != self.family or high.version != self.family:
            self.refuse(f"{low}-{high} is not an IPv{self.family} range")
        return self.test(field_name, lambda addr: int(low) <= int(addr) <= int(high))

    def interface(self, field_name: str, pattern: str) -> Truth:
        """``-i``/``-o`` as the kernel compares names: ``eth0`` that name exactly, ``eth+``
        every name starting with ``eth``, ``+`` every packet (with an interface or not)."""
        if pattern == "+":
            return True
        if pattern.endswith("+"):
            prefix = pattern[:-1]
            return self.test(field_name, lambda name: name.startswith(prefix))
        return self.test(field_name, lambda name: name == pattern)


# --- targets ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assign:
    """A header field takes a value (None: any value, unknown afterwards)."""

    field: str
    value: Any


@dataclass(frozen=True)
class Rewrite:
    """What a NAT target does to the packet: its ``side`` ("destination" or "source") becomes
    ``address`` (None: unchanged) and ``port`` (None: unchanged); ``unknown_address`` /
    ``unknown_port`` describe a value fwlint cannot know ("one of 10.0.0.1-10.0.0.9", "the
    address of eth1")."""

    target: str
    side: str
    address: IPAddress | None = None
    port: int | None = None
    unknown_address: str | None = None
    unknown_port: str | None = None


@dataclass(frozen=True)
class Effect:
    """What a target does.  ``kind``: "decide" (``verdict``), "continue", "maybe" (decide as
    ``verdict`` or go on: not modelled which) or "return".  ``steps``: header changes of the
    packets that go on (the model's SetBits / Havoc, or :class:`Assign`).  ``rewrite``: a NAT
    mapping (the verdict is then the NAT target's, and the packet is accepted by the table)."""

    kind: str
    verdict: str | None = None
    steps: tuple[Any, ...] = ()
    rewrite: Rewrite | None = None


class TargetView(_Reader):
    """What a target's ``concrete(target, ctx)`` or ``meaning(target, ctx)`` gets.

    The ``meaning`` protocol's calls (``decide``, ``go_on``, ``maybe``, ``returns``,
    ``set_bits``, ``havoc``, ``outcome_label``) give an :class:`Effect`; ``concrete`` adds
    ``assign`` and the NAT rewrites (``nat_destination``, ``nat_source``, ``masquerade``,
    ``redirect``, ``netmap``), which need the packet (``packet``) and the hook (``hook``).
    """

    def __init__(self, packet: Packet, ext: Extension | None, family: int, protocol: str | None,
                 hook: str) -> None:
        super().__init__(ext, family, protocol)
        self.packet = packet
        self.hook = hook

    # the meaning protocol
    def decide(self, outcome: str) -> Effect:
        return Effect("decide", outcome)

    def go_on(self, *steps: Any) -> Effect:
        return Effect("continue", None, tuple(steps))

    def maybe(self, outcome: str, *steps: Any) -> Effect:
        return Effect("maybe", outcome, tuple(steps))

    def returns(self) -> Effect:
        return Effect("return", "RETURN")

    def set_bits(self, field_name: str, value: int, mask: int) -> SetBits:
        return SetBits(field_name, value, mask)

    def havoc(self, field_name: str, mask: int | None = None) -> Havoc:
        return Havoc(field_name, mask)

    def outcome_label(self, target: Target) -> str:
        parts = [target.name]
        for opt in sorted(target.options, key=lambda o: o.name):
            parts.append(f"--{opt.name}" + "".join(f" {v}" for v in opt.values))
        return " ".join(parts)

    # concrete additions
    def assign(self, field_name: str, value: Any) -> Assign:
        return Assign(field_name, value)

    def _nat(self, target: Target, rewrite: Rewrite) -> Effect:
        return Effect("decide", self.outcome_label(target), rewrite=rewrite)

    def _pick_address(self, first: Any, last: Any, current: IPAddress | None, keep_if_inside: bool
                      ) -> tuple[IPAddress | None, str | None]:
        if first is None:
            return None, None
        if first == last:
            return first, None
        if keep_if_inside and current is not None and int(first) <= int(current) <= int(last):
            return current, None
        return None, f"one of {first}-{last}"

    def _pick_port(self, ports: tuple[int, int] | None, current: int | None, randomised: bool
                   ) -> tuple[int | None, str | None]:
        """The kernel keeps the port when it is within the range (and no other connection has
        that mapping: assumed), else takes one of the range."""
        if ports is None:
            if randomised and current is not None:
                return None, "a random port"
            return None, None
        low, high = ports
        if current is not None and low <= current <= high and not randomised:
            return (current if low != high else low), None
        if low == high:
            return low, None
        return None, f"one of {low}-{high}"

    def nat_destination(self, target: Target, first: Any, last: Any,
                        ports: tuple[int, int] | None, randomised: bool = False) -> Effect:
        """DNAT to an address range and port range (either may be None: unchanged)."""
        address, unknown_address = self._pick_address(first, last, self.packet.dst, False)
        port, unknown_port = self._pick_port(ports, self.packet.dport, randomised)
        return self._nat(target, Rewrite(target.name, "destination", address, port, unknown_address,
                                         unknown_port))

    def nat_source(self, target: Target, first: Any, last: Any, ports: tuple[int, int] | None,
                   randomised: bool = False) -> Effect:
        """SNAT to an address range and port range (the original source is kept when it is in
        the range)."""
        address, unknown_address = self._pick_address(first, last, self.packet.src, True)
        port, unknown_port = self._pick_port(ports, self.packet.sport, randomised)
        return self._nat(target, Rewrite(target.name, "source", address, port, unknown_address,
                                         unknown_port))

    def masquerade(self, target: Target, ports: tuple[int, int] | None, randomised: bool = False) -> Effect:
        """The source becomes the address of the output interface."""
        oif = self.packet.oif
        where = f"the address of {oif}" if oif else "the address of the output interface"
        port, unknown_port = self._pick_port(ports, self.packet.sport, randomised)
        return self._nat(target, Rewrite(target.name, "source", None, port, where, unknown_port))

    def redirect(self, target: Target, ports: tuple[int, int] | None, randomised: bool = False,
                 local: Sequence[IPAddress] = ()) -> Effect:
        """The destination becomes this host: the loopback address from OUTPUT, else the
        (first) address of the input interface."""
        if self.hook == "OUTPUT":
            address: IPAddress | None = ipaddress.ip_address("127.0.0.1" if self.family == 4 else "::1")
            unknown_address = None
        else:
            address = None
            iif = self.packet.iif
            unknown_address = f"the address of {iif}" if iif else "the address of the input interface"
        port, unknown_port = self._pick_port(ports, self.packet.dport, randomised)
        return self._nat(target, Rewrite(target.name, "destination", address, port, unknown_address,
                                         unknown_port))

    def netmap(self, target: Target, network: Any) -> Effect:
        """The network part of the destination (PREROUTING, OUTPUT) or source (POSTROUTING,
        INPUT) becomes that of ``network``; the host part stays."""
        side = "destination" if self.hook in ("PREROUTING", "OUTPUT") else "source"
        current = self.packet.dst if side == "destination" else self.packet.src
        mask = int(network.netmask)
        if current is None:
            return self._nat(target, Rewrite(target.name, side, None, None,
                                             f"an address of {network}"))
        mapped = ipaddress.ip_address((int(current) & ~mask) | (int(network.network_address) & mask))
        return self._nat(target, Rewrite(target.name, side, mapped))


# --- results ---------------------------------------------------------------------------------

@dataclass
class MatchResult:
    """One match (or one option of the built-in match) of a rule, and its result."""

    text: str
    result: Truth


@dataclass
class RuleStep:
    """A rule the packet met.  ``taken``: whether this run took the rule as matching (for an
    unknown result: what it assumed).  ``action``: what the rule did, in words."""

    table: str
    chain: str
    index: int
    rule: Rule
    depth: int
    left_out: str | None = None
    matches: list[MatchResult] = field(default_factory=list)
    matched: Truth = False
    taken: bool = False
    action: str = ""
    verdict: str | None = None
    jump: str | None = None
    effect: Effect | None = None
    maybe_decided: bool | None = None
    packet: Packet | None = field(default=None, repr=False)  # the packet as the rule saw it

    @property
    def location(self) -> str:
        return f"{self.rule.span.file}:{self.rule.span.line}"


@dataclass
class ChainEntry:
    """The packet enters a chain (``via``: the jump or goto rule, None for the built-in one)."""

    chain: str
    depth: int
    policy: str | None = None
    via: RuleStep | None = None


@dataclass
class ChainExit:
    """The packet leaves a chain without a rule deciding: back to ``to`` (a RETURN or the end of
    a user chain) or to the built-in chain's policy (``to`` is None)."""

    chain: str
    depth: int
    to: str | None
    how: str  # "return" (a RETURN rule), "end" (fell off the end)
    policy: str | None = None


Event = RuleStep | ChainEntry | ChainExit


@dataclass
class TableRun:
    """One table's built-in chain at one hook, evaluated for one packet."""

    hook: str
    table: str
    status: str  # "run", "absent" (no such table in the ruleset), "skipped" (why in ``note``)
    note: str = ""
    events: list[Event] = field(default_factory=list)
    verdict: str | None = None
    decided_by: RuleStep | None = None  # None: the chain's policy (or the table is absent)
    by_policy: bool = False
    packet_in: Packet | None = None
    packet_out: Packet | None = None
    rewrite: Rewrite | None = None
    exit_step: RuleStep | None = None  # the rule of the entry chain the packet left it by (None:
    # it fell off the entry chain's end)

    @property
    def final(self) -> bool:
        return self.verdict is not None and self.verdict.split()[0] not in CONTINUING_VERDICTS


@dataclass
class ChainResult:
    """:func:`evaluate_chain`'s answer: the verdict, the rule that gave it (None: the policy),
    every rule met (``steps``, in order) and the packet as it left."""

    verdict: str
    decided_by: RuleStep | None
    steps: list[RuleStep]
    packet: Packet
    choices: list[tuple[bool, str]]
    run: TableRun


# --- choices ---------------------------------------------------------------------------------

class Choices:
    """Which way a run goes where the evaluator cannot tell: ``forced`` answers the first
    questions, every later one is answered False ("does not match", "does not decide")."""

    def __init__(self, forced: Sequence[bool] = ()) -> None:
        self.forced = list(forced)
        self.made: list[tuple[bool, str]] = []
        self.memo: dict[Any, bool] = {}

    def choose(self, question: str) -> bool:
        i = len(self.made)
        answer = self.forced[i] if i < len(self.forced) else False
        self.made.append((answer, question))
        return answer


def all_runs(run: Callable[[Choices], Any], limit: int = 256) -> Iterator[tuple[Any, Choices]]:
    """``run`` under every combination of answers to its questions (depth first, "no" before
    "yes"), at most ``limit`` runs."""
    prefix: list[bool] = []
    for _ in range(limit):
        choices = Choices(prefix)
        yield run(choices), choices
        made = [answer for answer, _ in choices.made]
        last_no = max((i for i, a in enumerate(made) if not a), default=None)
        if last_no is None:
            return
        prefix = made[:last_no] + [True]


# --- compiled rules --------------------------------------------------------------------------

@dataclass
class _CompiledRule:
    """A rule checked once: why the kernel refuses it (``left_out``), or what to judge
    (``parts``: the text shown, the match, its extension, and a group number: the options of the
    built-in match are shown one by one but judged as the kernel judges them, all together)."""

    rule: Rule
    index: int
    left_out: str | None = None
    parts: list[tuple[str, Match, Extension | None, int]] = field(default_factory=list)
    protocol: str | None = None
    jump: str | None = None
    goto: bool = False
    target_ext: Extension | None = None
    expansions: int = 1
    # for a rule -s a,b / -d c,d (one kernel rule per address): each address's own match
    addresses: dict[str, list[Match]] = field(default_factory=dict)


def match_text(match: Match) -> str:
    """A match as written: ``-m conntrack --ctstate NEW``, ``--dport 22`` (implicit), ``-p tcp``."""
    words = [] if match.implicit or match.name == "builtin" else ["-m", match.name]
    for opt in match.options:
        words.append(option_text(opt))
    return " ".join(words)


def option_text(opt: Option) -> str:
    values = [v if v and not any(c.isspace() for c in v) and '"' not in v
              else '"' + v.replace('"', '\\"') + '"' for v in opt.values]
    return " ".join(["!", opt.written, *values] if opt.negated else [opt.written, *values])


def _protocol_of(rule: Rule) -> str | None:
    opt = rule.option("protocol")
    if opt is None or opt.negated or not opt.values:
        return None
    return opt.values[0].lower()


def _protocol_number(text: str | None) -> int | None:
    from fwlint.extensions.values import PROTOCOL

    if text is None:
        return None
    try:
        return int(PROTOCOL.parse(text))
    except ValueError:
        return None


_BLANK_CACHE: dict[int, Packet] = {}


def _blank(family: int) -> Packet:
    """A packet with every field unknown: what a match is judged on to find refusals."""
    hit = _BLANK_CACHE.get(family)
    if hit is None:
        hit = _BLANK_CACHE[family] = Packet(family, **{name: None for name in FIELD_DESCRIPTIONS})
    return hit


class TableEvaluator:
    """One table block of a ruleset, its rules checked once; evaluates packets through it."""

    def __init__(self, ruleset: Ruleset, table: Table, registry: Registry | None = None) -> None:
        self.ruleset = ruleset
        self._syntax_lines = syntax_lines(ruleset)  # lines with a syntax error (FW109)
        self.table = table
        self.registry = registry or default_registry()
        self.family = ruleset.family
        self.chains: dict[str, Chain] = {c.name: c for c in table.chains}
        from fwlint.lint.rule import Context

        self._base = Context(ruleset, self.registry)
        self._contexts: dict[str, Any] = {}
        self._compiled: dict[str, list[_CompiledRule | None]] = {
            c.name: [None] * len(c.rules) for c in table.chains}
        self._checks: dict[tuple, str | None] = {}
        self.steps = 0  # rules met by every run so far (the trace's budget)
        # options and values read once, by the id of the option or match: every match judged is
        # one the AST or a compiled rule keeps alive, so no id is reused
        self._values: dict[tuple, Any] = {}
        # rules are checked when a packet first meets them; the jumps now, to find the loops
        for chain in table.chains:
            for i, rule in enumerate(chain.rules):
                if rule.target is not None and rule.target.name in self.chains:
                    self.rule(chain.name, i)
        self._leave_out_loops()

    def rule(self, chain: str, index: int) -> _CompiledRule:
        """Rule ``index`` of ``chain``, checked."""
        compiled = self._compiled[chain]
        cr = compiled[index]
        if cr is None:
            c = self.chains[chain]
            ctx = self._contexts.get(chain)
            if ctx is None:
                ctx = self._contexts[chain] = dataclasses.replace(self._base, table=self.table, chain=c)
            cr = compiled[index] = self._compile(ctx, c, index, c.rules[index])
        return cr

    @property
    def rules(self) -> dict[str, list[_CompiledRule]]:
        """Every rule of every chain, checked (all of them: for tests and tools)."""
        return {name: [self.rule(name, i) for i in range(len(c.rules))] for name, c in self.chains.items()}

    # --- checking rules --------------------------------------------------------------------

    def _compile(self, ctx: Any, chain: Chain, index: int, rule: Rule) -> _CompiledRule:
        cr = _CompiledRule(rule, index)
        try:
            self._check(ctx, chain, cr)
        except Refused as err:
            cr.left_out = str(err)
        return cr

    def _check(self, ctx: Any, chain: Chain, cr: _CompiledRule) -> None:
        rule = cr.rule
        registry = self.registry
        if rule.unclaimed:
            first = rule.unclaimed[0]
            raise Refused(f"{first.written or first.values[0]}: no match or target of the rule takes it")
        if (rule.span.file, rule.span.line) in self._syntax_lines:
            raise Refused("iptables-restore refuses its line (a syntax error)")
        cr.protocol = _protocol_of(rule)
        for group, m in enumerate(rule.matches):
            ext = registry.builtin if m.name == "builtin" else registry.match(m.name)
            if ext is None or not m.known:
                cr.parts.append((match_text(m), m, None, group))
                continue
            shown = "the built-in match" if m.name == "builtin" else f"-m {m.name}"
            if ext.family is not None and ext.family != self.family:
                raise Refused(f"{shown} exists for IPv{ext.family} only")
            if m.name != "builtin" and ext.protocols is not None:
                wanted = {_protocol_number(p) for p in ext.protocols} - {None, 0}
                if _protocol_number(cr.protocol) not in wanted:
                    raise Refused(f"-m {m.name} needs -p {'/'.join(sorted(ext.protocols))}")
            if m.name != "builtin" and refused_here(ctx, ext, m.options, m.span, rule):
                raise Refused(f"-m {m.name} is not allowed here")
            # a value iptables rejects, options that cannot go together ...: found on a packet
            # of unknown fields (the result does not matter); once per match as written
            key = (m.name, cr.protocol, tuple((o.name, o.values, o.negated, o.known) for o in m.options))
            if key not in self._checks:
                try:
                    self._judge(m, ext, _blank(self.family), cr.protocol)
                    self._checks[key] = None
                except Refused as err:
                    self._checks[key] = str(err)
            if self._checks[key] is not None:
                raise Refused(self._checks[key])
            if m.name == "builtin" and len(m.options) > 1:
                for o in m.options:
                    cr.parts.append((option_text(o), dataclasses.replace(m, options=(o,)), ext, group))
            else:
                cr.parts.append((match_text(m), m, ext, group))
        refused = match_refusal(rule, registry, self.family)  # options the matches do not read
        if refused is not None:
            raise Refused(refused)
        if chain.builtin and (m := rule.match("builtin")) is not None:
            for opt in m.options:
                if opt.name == "in-interface" and chain.name in ("OUTPUT", "POSTROUTING"):
                    raise Refused(f"-i on {chain.name}: there is no input interface there")
                if opt.name == "out-interface" and chain.name in ("PREROUTING", "INPUT"):
                    raise Refused(f"-o on {chain.name}: there is no output interface yet")
        bm = rule.match("builtin")
        if bm is not None:
            for opt in bm.options:
                if opt.name in ("source", "destination") and opt.values:
                    items = opt.values[0].split(",")
                    cr.expansions *= len(items)
                    cr.addresses[opt.name] = [
                        dataclasses.replace(bm, options=(dataclasses.replace(opt, values=(item,)),))
                        for item in items]
        target = rule.target
        if target is None:
            return
        if target.name in self.chains:
            dest = self.chains[target.name]
            if dest.builtin:
                raise Refused(f"-j {target.name}: a jump to a built-in chain")
            if target.options:
                raise Refused(f"-j {target.name}: a jump to a chain takes no options")
            cr.jump, cr.goto = target.name, target.goto
            return
        if target.goto:
            raise Refused(f"-g {target.name}: no such chain")
        ext = registry.target(target.name)
        if ext is None:
            raise Refused(f"unknown target {target.name}")
        if ext.family is not None and ext.family != self.family:
            raise Refused(f"-j {target.name} exists for IPv{ext.family} only")
        if refused_here(ctx, ext, target.options, target.span, rule):
            raise Refused(f"-j {target.name} is not allowed here")
        cr.target_ext = ext
        self._effect(cr, _blank(self.family), chain.name if chain.builtin else "PREROUTING")
        refused = target_refusal(rule, registry, self.family)
        if refused is not None:
            raise Refused(refused)

    def _leave_out_loops(self) -> None:
        """A jump that closes a loop of chains is left out (the kernel refuses the table), found
        by a depth-first walk from the built-in chains in hook order, then the others."""
        state: dict[str, int] = {}
        builtin = [c for c in BUILTIN_CHAINS.get(self.table.name, ()) if c in self.chains]
        roots = builtin + [n for n in self.chains if n not in builtin]

        for root in roots:
            if root in state:
                continue
            state[root] = 1
            stack = [(root, iter(range(len(self.chains[root].rules))))]
            while stack:
                name, indexes = stack[-1]
                i = next(indexes, None)
                if i is None:
                    stack.pop()
                    state[name] = 2
                    continue
                rule = self.chains[name].rules[i]
                if rule.target is None or rule.target.name not in self.chains:
                    continue
                cr = self.rule(name, i)
                if cr.left_out or cr.jump is None:
                    continue
                mark = state.get(cr.jump)
                if mark == 1:
                    cr.left_out = f"-j {cr.jump} closes a loop of chains"
                elif mark is None:
                    state[cr.jump] = 1
                    stack.append((cr.jump, iter(range(len(self.chains[cr.jump].rules)))))

    # --- judging matches -------------------------------------------------------------------

    def _judge(self, match: Match, ext: Extension | None, packet: Packet, protocol: str | None) -> Truth:
        shown = "the built-in match" if match.name == "builtin" else f"-m {match.name}"
        if ext is None:
            return Unknown(f"fwlint does not know {shown}", opaque=True)
        concrete = getattr(ext, "concrete", None)
        if concrete is None:
            meaning = ext.meaning
            why = meaning.why if isinstance(meaning, Opaque) else "not modelled"
            # still read the options, so a value iptables refuses is found
            reader = PacketView(packet, ext, self.family, protocol)
            for opt in match.options:
                if ext.option(opt.name) is not None and opt.known:
                    try:
                        reader.values(opt)
                    except _UnknownValue:
                        pass
                elif not opt.known:
                    raise Refused(f"unknown option {opt.written}")
            return Unknown(f"{shown}: {why}", opaque=True)
        view = PacketView(packet, ext, self.family, protocol, self._values)
        try:
            result = concrete(match, view)
        except _UnknownValue as err:
            return Unknown(str(err), opaque=True)
        if result is not True and result is not False and not isinstance(result, Unknown):
            raise TypeError(f"{shown}: concrete() gave {result!r}, not True, False or Unknown")
        return result

    def match_results(self, cr: _CompiledRule, packet: Packet) -> list[MatchResult]:
        """Each match's result, in the kernel's order, up to the first that fails; the options
        of the built-in match one by one."""
        out: list[MatchResult] = []
        failed_group = None
        for text, m, ext, group in cr.parts:
            if failed_group is not None and group != failed_group:
                break
            r = MatchResult(text, self._judge(m, ext, packet, cr.protocol))
            out.append(r)
            if r.result is False:
                failed_group = group
        return out

    # --- targets ---------------------------------------------------------------------------

    def _effect(self, cr: _CompiledRule, packet: Packet, hook: str) -> Effect:
        target = cr.rule.target
        assert target is not None and cr.target_ext is not None
        if target.name == "RETURN":
            return Effect("return", "RETURN")
        ext = cr.target_ext
        view = TargetView(packet, ext, self.family, cr.protocol, hook)
        if any(o.unresolved for o in target.options):
            return Effect("maybe", view.outcome_label(target), (Havoc("*"),))
        for opt in target.options:
            if not opt.known:
                raise Refused(f"-j {target.name} has no option {opt.written}")
        concrete = getattr(ext, "concrete", None)
        try:
            if concrete is not None:
                return concrete(target, view)
            meaning = ext.meaning
            if meaning is None or isinstance(meaning, Opaque):
                view.options(target)
                if ext.terminal:
                    return view.decide(view.outcome_label(target))
                return view.go_on(Havoc("*"))
            return meaning(target, view)
        except _UnknownValue:
            return Effect("maybe", view.outcome_label(target), (Havoc("*"),))

    # --- the walk --------------------------------------------------------------------------

    def run(self, hook: str, packet: Packet, choices: Choices, start: int = 0,
            table_hook: str | None = None) -> TableRun:
        """The packet through chain ``hook`` of this table, from rule ``start``: a built-in
        chain, ending in a verdict or its policy; or a user chain on its own (for the
        cross-checks), whose end and RETURN give the verdict "RETURN".  ``table_hook``: the
        hook the table is run at, when ``hook`` is a user chain (NAT targets need it)."""
        run = TableRun(hook, self.table.name, "run", packet_in=packet)
        chain_name = hook
        entry = self.chains.get(hook)
        if entry is not None and not entry.builtin:
            policy = "RETURN"
            run.events.append(ChainEntry(hook, 0, None))
        else:
            policy = (entry.policy if entry is not None else None) or "ACCEPT"
            run.events.append(ChainEntry(hook, 0, policy))
        stack: list[tuple[str, int, int]] = []
        pos, depth = start, 0
        frame0: RuleStep | None = None  # the jump or goto of the entry chain the packet is under
        steps_taken = 0
        while True:
            chain_rules = self.chains[chain_name].rules if chain_name in self.chains else ()
            if pos >= len(chain_rules):
                if chain_name != hook and stack:
                    back, pos, back_depth = stack.pop()
                    run.events.append(ChainExit(chain_name, depth, back, "end"))
                    chain_name, depth = back, back_depth
                    if depth == 0:
                        frame0 = None
                    continue
                if chain_name != hook:
                    run.events.append(ChainExit(chain_name, depth, None, "end", policy))
                run.verdict, run.by_policy, run.exit_step = policy, True, frame0
                run.events.append(ChainExit(hook, 0, None, "end", policy))
                break
            cr = self.rule(chain_name, pos)
            steps_taken += 1
            self.steps += 1
            if steps_taken > 1000000:
                raise RuntimeError("the evaluation does not end (a loop of chains?)")
            step = RuleStep(self.table.name, chain_name, pos, cr.rule, depth, packet=packet)
            run.events.append(step)
            if cr.left_out:
                step.left_out = cr.left_out
                pos += 1
                continue
            step.matches = self.match_results(cr, packet)
            step.matched = all_of(r.result for r in step.matches)
            step.taken = self._take(step, packet, choices)
            if not step.taken:
                pos += 1
                continue
            if cr.jump is not None:
                step.jump = cr.jump
                step.action = f"{'goto' if cr.goto else 'jump to'} {cr.jump}"
                if depth == 0:
                    frame0 = step
                if not cr.goto:
                    stack.append((chain_name, pos + 1, depth))
                chain_name, pos, depth = cr.jump, 0, depth + 1
                run.events.append(ChainEntry(cr.jump, depth, None, step))
                continue
            if cr.rule.target is None:
                step.action = "no target: on to the next rule"
                pos += 1
                continue
            effect = self._effect(cr, packet, table_hook or hook)
            step.effect = effect
            kind = effect.kind
            if kind == "maybe":
                decided = choices.choose(f"{step.location} (-j {cr.rule.target.name}) decides")
                step.maybe_decided = decided
                kind = "decide" if decided else "continue"
            if kind == "return":
                if stack:
                    back, pos, back_depth = stack.pop()
                    step.action = f"RETURN to {back}"
                    run.events.append(ChainExit(chain_name, depth, back, "return"))
                    chain_name, depth = back, back_depth
                    if depth == 0:
                        frame0 = None
                    continue
                step.action = f"RETURN: the policy of {hook}" if policy != "RETURN" else f"RETURN from {hook}"
                if chain_name != hook:
                    run.events.append(ChainExit(chain_name, depth, None, "return", policy))
                run.verdict, run.by_policy = policy, True
                run.exit_step = step if depth == 0 else frame0
                run.events.append(ChainExit(hook, 0, None, "return", policy))
                break
            if kind == "decide":
                step.verdict = effect.verdict
                run.verdict, run.decided_by = effect.verdict, step
                run.exit_step = step if depth == 0 else frame0
                run.rewrite = effect.rewrite
                step.action = effect.verdict or ""
                if effect.rewrite is not None:
                    packet = apply_rewrite(packet, effect.rewrite)
                    change = describe_rewrite(effect.rewrite, run.packet_in)
                    step.action = f"{effect.rewrite.target}: {change}"
                break
            # continue, with header changes
            before = packet
            repeat = cr.expansions
            if repeat > 1:
                # -s a,b is one kernel rule per address: the target runs once for each that matches
                repeat = self._expansions_matching(cr, packet)
            for _ in range(repeat if repeat is not None else 1):
                packet = apply_steps(packet, effect.steps)
            if repeat is None and effect.steps:
                packet = apply_steps(packet, tuple(Havoc(s.field) for s in effect.steps
                                                   if isinstance(s, (SetBits, Havoc))))
            changes = describe_changes(before, packet)
            name = cr.rule.target.name
            step.action = f"{name}: {changes}; on to the next rule" if changes else \
                f"{name}: on to the next rule"
            pos += 1
        run.packet_out = packet
        return run

    def _take(self, step: RuleStep, packet: Packet, choices: Choices) -> bool:
        if step.matched is True:
            return True
        if step.matched is False:
            return False
        unknown = step.matched
        key = None
        if not unknown.opaque:
            key = (tuple((m.text, shown_truth(m.result)) for m in step.matches), packet)
            if key in choices.memo:
                return choices.memo[key]
        answer = choices.choose(f"{step.location} matches")
        if key is not None:
            choices.memo[key] = answer
        return answer

    def _expansions_matching(self, cr: _CompiledRule, packet: Packet) -> int | None:
        """How many of the kernel rules ``-s a,b -d c,d`` stands for match (None: unknown)."""
        ext = self.registry.builtin
        assert ext is not None
        counts = []
        for name in ("source", "destination"):
            if name not in cr.addresses:
                counts.append(1)
                continue
            n = 0
            for one in cr.addresses[name]:  # kept in the compiled rule: the option cache is by id
                r = self._judge(one, ext, packet, cr.protocol)
                if isinstance(r, Unknown):
                    return None
                n += r is True
            counts.append(n)
        return counts[0] * counts[1]


# --- header changes --------------------------------------------------------------------------

_WIDTHS = {"mark": 32, "ctmark": 32, "tos": 8, "ttl": 8, "tcpflags": 8}


def apply_steps(packet: Packet, steps: Iterable[Any]) -> Packet:
    """The packet after the header changes (SetBits: the kernel's ``(x & ~mask) ^ value``; Havoc:
    the field becomes unknown; Assign: the field takes the value)."""
    changes: dict[str, Any] = {}
    current = packet
    for step in steps:
        if isinstance(step, Assign):
            changes[step.field] = step.value
        elif isinstance(step, Havoc):
            if step.field == "*":
                return Packet(packet.family, **{name: None for name in FIELD_DESCRIPTIONS})
            changes[step.field] = None
        elif isinstance(step, SetBits):
            value = changes.get(step.field, getattr(current, step.field))
            if value is not None:
                width = _WIDTHS.get(step.field, 32)
                value = ((value & ~step.mask) ^ step.value) & ((1 << width) - 1)
            changes[step.field] = value
        current = current.replace(**changes)
        changes = {}
    return current


def apply_rewrite(packet: Packet, rewrite: Rewrite) -> Packet:
    if rewrite.side == "destination":
        address_field, port_field, flag = "dst", "dport", "dnat"
    else:
        address_field, port_field, flag = "src", "sport", "snat"
    changes: dict[str, Any] = {flag: True}
    if rewrite.address is not None:
        changes[address_field] = rewrite.address
    elif rewrite.unknown_address is not None:
        changes[address_field] = None
    if rewrite.port is not None:
        changes[port_field] = rewrite.port
    elif rewrite.unknown_port is not None:
        changes[port_field] = None
    return packet.replace(**changes)


def describe_rewrite(rewrite: Rewrite, before: Packet | None) -> str:
    """``destination 192.0.2.1:80 -> 10.0.0.5:8080``."""
    if rewrite.side == "destination":
        old_address, old_port = (before.dst, before.dport) if before is not None else (None, None)
    else:
        old_address, old_port = (before.src, before.sport) if before is not None else (None, None)
    new_address = str(rewrite.address) if rewrite.address is not None else (
        rewrite.unknown_address or (str(old_address) if old_address is not None else "*"))
    new_port = rewrite.port if rewrite.port is not None else (rewrite.unknown_port or old_port)
    old = endpoint(old_address, old_port)
    new = new_address if new_port is None else (
        f"[{new_address}]:{new_port}" if ":" in new_address and rewrite.address is not None
        else f"{new_address}:{new_port}")
    return f"{rewrite.side} {old} -> {new}"


def _shown_value(name: str, value: Any) -> str:
    if value is None:
        return "unknown"
    if name in ("mark", "ctmark", "tos"):
        return hex(value)
    if name in ("ctstatus", "srctype", "dsttype"):
        return ",".join(sorted(value)) or "none"
    return str(value)


def describe_changes(before: Packet, after: Packet) -> str:
    """``mark 0x0 -> 0x1, connection mark 0x0 -> unknown``."""
    parts = []
    for name in FIELD_DESCRIPTIONS:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            label = {"ctmark": "connection mark", "ctstate": "state"}.get(name, name)
            parts.append(f"{label} {_shown_value(name, old)} -> {_shown_value(name, new)}")
    return ", ".join(parts)


# --- one chain, for the cross-checks ----------------------------------------------------------

def evaluate_chain(evaluator: TableEvaluator, chain: str, packet: Packet, choices: Choices | None = None,
                   start: int = 0) -> ChainResult:
    """The packet through built-in chain ``chain`` of the evaluator's table on its own (no
    other table, no path adjustments), from rule ``start``."""
    choices = choices if choices is not None else Choices()
    run = evaluator.run(chain, packet, choices, start)
    steps = [e for e in run.events if isinstance(e, RuleStep)]
    return ChainResult(run.verdict or "", run.decided_by, steps, run.packet_out or packet,
                       list(choices.made), run)


def evaluate_chain_all(evaluator: TableEvaluator, chain: str, packet: Packet, start: int = 0,
                       limit: int = 256) -> list[ChainResult]:
    """:func:`evaluate_chain` under every combination of answers to what is unknown."""
    return [result for result, _ in all_runs(
        lambda choices: evaluate_chain(evaluator, chain, packet, choices, start), limit)]


# --- the packet's path -------------------------------------------------------------------------

def is_loopback(address: IPAddress | None) -> bool:
    return address is not None and address.is_loopback


@dataclass
class Route:
    """Where the packet goes: ``path`` (a key of :data:`PATHS`) and why, in words."""

    path: str
    why: str


def route(packet: Packet, forward: bool, local: Sequence[IPAddress]) -> Route:
    """The packet's path (see the module docstring)."""
    local_set = set(local)
    if forward:
        return Route("forward", "forwarded, as the packet says")
    src_local = packet.src is not None and packet.src in local_set
    dst_local = packet.dst is not None and (packet.dst in local_set or is_loopback(packet.dst))
    if (src_local or (is_loopback(packet.dst) and packet.iif is None)) and packet.iif is None:
        if dst_local:
            return Route("local", "sent by this host to itself, through lo")
        return Route("output", f"sent by this host (its source {packet.src} is local)"
                     if src_local else "sent by this host")
    if local_set:
        if dst_local:
            return Route("input", f"to this host ({packet.dst} is local)")
        if packet.dst is not None:
            return Route("forward", f"forwarded ({packet.dst} is not one of the local addresses)")
        return Route("input", "to this host (its destination is unknown: taken to be local)")
    if packet.iif is not None and packet.oif is not None:
        return Route("forward", f"forwarded (it comes in on {packet.iif} and leaves by {packet.oif})")
    if packet.oif is not None:
        return Route("output", f"sent by this host (it leaves by {packet.oif} and comes in on no interface)")
    how = f"it comes in on {packet.iif}" if packet.iif is not None else "it comes in"
    return Route("input", f"to this host ({how}; say `forward` or give --local if it is not)")


def _address_types(address: IPAddress | None, local: bool | None) -> frozenset[str] | None:
    """The types -m addrtype sees: one for IPv4; for IPv6 the address's own (UNICAST, MULTICAST)
    and its route's (LOCAL)."""
    if address is None:
        return frozenset({"LOCAL"}) if local else None
    if local or address.is_loopback:
        return frozenset({"LOCAL"}) if address.version == 4 else frozenset({"LOCAL", "UNICAST"})
    if address.is_multicast:
        return frozenset({"MULTICAST"})
    if address.version == 4 and (int(address) == 0xFFFFFFFF or int(address) == 0):
        return frozenset({"BROADCAST"})
    return frozenset({"UNICAST"})


def _packet_type(packet: Packet) -> str | None:
    if packet.dst is None:
        return "unicast"
    if packet.dst.is_multicast:
        return "multicast"
    if packet.dst.version == 4 and int(packet.dst) == 0xFFFFFFFF:
        return "broadcast"
    return "unicast"


@dataclass
class Leg:
    """One hook of the path, with the tables run there."""

    hook: str
    tables: list[TableRun] = field(default_factory=list)
    note: str = ""


@dataclass
class Outcome:
    """Where one run of the path ended."""

    verdict: str
    table: TableRun | None  # the table that gave the final verdict (None: accepted all the way)
    packet: Packet
    rewrites: list[tuple[TableRun, Rewrite]]
    legs: list[Leg]
    route: Route
    choices: list[tuple[bool, str]]
    rerouted: str = ""
    rerouted_after: str = ""  # the hook after which the route changed

    @property
    def delivered(self) -> bool:
        return self.table is None


class PathEvaluator:
    """A ruleset (one family) with each table's rules checked once."""

    def __init__(self, ruleset: Ruleset, registry: Registry | None = None) -> None:
        self.ruleset = ruleset
        self.registry = registry or default_registry()
        self.tables: dict[str, TableEvaluator] = {}
        for name in ("raw", "mangle", "nat", "filter", "security"):
            table = ruleset.table(name)
            if table is not None:
                self.tables[name] = TableEvaluator(ruleset, table, self.registry)

    @property
    def steps(self) -> int:
        """Rules met by every run so far."""
        return sum(t.steps for t in self.tables.values())

    def follow(self, packet: Packet, forward: bool = False, local: Sequence[IPAddress] = (),
               choices: Choices | None = None) -> Outcome:
        """One run of the packet along its path."""
        choices = choices if choices is not None else Choices()
        local = tuple(local)
        first = route(packet, forward, local)
        hooks = list(PATHS[first.path])
        legs: list[Leg] = []
        rewrites: list[tuple[TableRun, Rewrite]] = []
        nat_done: set[str] = set()  # "destination", "source": mappings set up already
        rerouted = rerouted_after = ""
        current = packet
        original_dst = packet.dst
        path = first.path
        conntracked = False  # conntrack has seen the packet (it runs after the raw table)
        i = 0
        while i < len(hooks):
            hook = hooks[i]
            current = self._at_hook(current, hook, path, local, packet)
            leg = Leg(hook)
            legs.append(leg)
            for table_name in HOOK_TABLES[hook]:
                run = self._table(table_name, hook, current, choices, nat_done, conntracked)
                leg.tables.append(run)
                if run.status != "run":
                    continue
                current = run.packet_out or current
                if run.rewrite is not None:
                    rewrites.append((run, run.rewrite))
                    nat_done.add(run.rewrite.side)
                if table_name == "nat" and run.status == "run":
                    # a NEW connection gets its mapping here, identity or not
                    nat_done.add("destination" if hook in ("PREROUTING", "OUTPUT") else "source")
                if run.final:
                    return Outcome(run.verdict or "", run, current, rewrites, legs, first, list(choices.made),
                                   rerouted, rerouted_after)
            if hook == "PREROUTING" and path in ("input", "forward") and current.dst != original_dst:
                new_path, rerouted = self._reroute(current, local, first, rewrites)
                rerouted_after = hook
                if new_path != path:
                    path = new_path
                    hooks = hooks[:i + 1] + list(PATHS[path][1:])
            if hook == "OUTPUT" and path == "output" and current.dst != original_dst and rewrites and (
                    current.dst is not None and (current.dst in set(local) or is_loopback(current.dst))):
                path = "local"
                rerouted_after = hook
                rerouted = f"after {rewrites[-1][1].target} the destination {current.dst} is this host's: " \
                           "it loops back through lo"
                hooks = hooks[:i + 1] + list(PATHS["local"][1:])
            if hook in ("PREROUTING", "OUTPUT"):
                conntracked = True
            i += 1
        return Outcome("ACCEPT", None, current, rewrites, legs, first, list(choices.made), rerouted,
                       rerouted_after)

    def _reroute(self, packet: Packet, local: Sequence[IPAddress], first: Route,
                 rewrites: list[tuple[TableRun, Rewrite]]) -> tuple[str, str]:
        last = rewrites[-1][1] if rewrites else None
        name = last.target if last is not None else "nat"
        if last is not None and last.target == "REDIRECT":
            return "input", "after REDIRECT the packet is for this host: INPUT"
        if packet.dst is not None and (packet.dst in set(local) or is_loopback(packet.dst)):
            return "input", f"after {name} the destination {packet.dst} is this host's: INPUT"
        if packet.dst is None:
            return first.path, f"after {name} the destination is unknown: the route stays {first.path}"
        return "forward", f"after {name} the destination {packet.dst} is another host: FORWARD"

    def _at_hook(self, packet: Packet, hook: str, path: str, local: Sequence[IPAddress],
                 given: Packet) -> Packet:
        """The packet as the hook sees it: interfaces, packet type and address types filled in
        where the path decides them (``given``: the packet as the user gave it)."""
        second_leg = path == "local" and hook in ("PREROUTING", "INPUT")
        changes: dict[str, Any] = {}
        if second_leg:
            changes.update(iif="lo", oif="", hasmac=False)
        elif path in ("output", "local"):
            changes["iif"] = ""
            changes["hasmac"] = False if given.hasmac is None else given.hasmac
            changes["oif"] = given.oif if given.oif is not None else ("lo" if path == "local" else None)
        else:
            changes["iif"] = given.iif
            changes["oif"] = "" if hook in ("PREROUTING", "INPUT") else given.oif
        local_set = set(local)
        if given.dsttype is None:
            dst_local = path in ("input", "local") or (packet.dst is not None and packet.dst in local_set)
            changes["dsttype"] = _address_types(packet.dst, dst_local)
        if given.srctype is None:
            src_local = path in ("output", "local") or (packet.src is not None and packet.src in local_set)
            changes["srctype"] = _address_types(packet.src, src_local)
        if given.pkttype is None:
            changes["pkttype"] = _packet_type(packet)
        return packet.replace(**changes)

    def _table(self, name: str, hook: str, packet: Packet, choices: Choices, nat_done: set[str],
               conntracked: bool) -> TableRun:
        evaluator = self.tables.get(name)
        if evaluator is None:
            return TableRun(hook, name, "absent", "not in the ruleset", packet_in=packet, packet_out=packet)
        if name == "nat":
            side = "destination" if hook in ("PREROUTING", "OUTPUT") else "source"
            if packet.ctstate != "NEW":
                state = packet.ctstate or "of unknown state"
                return TableRun(hook, name, "skipped",
                                "only the first packet of a connection goes through nat; "
                                f"this one is {state}",
                                packet_in=packet, packet_out=packet)
            if side in nat_done:
                return TableRun(hook, name, "skipped",
                                f"the connection's {side} mapping is set up already",
                                packet_in=packet, packet_out=packet)
        if name == "raw" and not conntracked:
            # conntrack runs after raw: state matches there see a packet without a connection
            seen = packet.replace(ctstate="INVALID", snat=False, dnat=False)
            run = evaluator.run(hook, seen, choices)
            out = run.packet_out or seen
            restored = {"ctstate": packet.ctstate, "snat": packet.snat, "dnat": packet.dnat}
            if out.ctstate == "UNTRACKED" and seen.ctstate != "UNTRACKED":
                restored = {"ctstate": "UNTRACKED", "snat": False, "dnat": False, "ctstatus": frozenset()}
            elif out.ctstate is None:
                restored = {"ctstate": None, "snat": None, "dnat": None}
            run.packet_out = out.replace(**restored)
            return run
        return evaluator.run(hook, packet, choices)
