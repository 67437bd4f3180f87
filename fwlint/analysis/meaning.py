"""The meaning protocol: what an extension module's ``meaning=`` callable gets and returns.

A match's ``meaning(match, enc)`` gets the parsed :class:`~fwlint.ast.Match` and a
:class:`MatchContext`, and returns a BDD (the packets the match takes, exactly) or a
:class:`Meaning` (an upper and a lower bound, when part of it is not modelled); it calls
``enc.refuse(...)`` for what iptables or the kernel would not load.

A target's ``meaning(target, enc)`` gets the :class:`~fwlint.ast.Target` and a
:class:`TargetContext`, and returns an :class:`Action`: decide the packet's fate (with an
outcome label that says which fate, so two rules can be compared), let it go on
(possibly changing header fields: :class:`SetBits`, :class:`Havoc`), maybe do either,
or return from the chain.

Extension modules import nothing from here: they only call the context's methods, so
loading the extension model never loads the BDD package.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from fwlint.analysis.fields import (
    ADDRESS_TYPES,
    CT_STATES,
    CT_STATUS_BITS,
    PACKET_TYPES,
    TCP_FLAG_BITS,
    Encoding,
)
from fwlint.extensions import Extension
from fwlint.extensions.values import BadValue, Unresolved, ValueType

if TYPE_CHECKING:
    from fwlint.ast import Option, Target


class Refused(Exception):
    """iptables or the kernel would not load the rule: it is left out of the model."""


class Unknowable(Exception):
    """A value fwlint cannot know (a host name, resolved when the rules are loaded): the match
    is approximated."""


def forget_frames(exc: BaseException | None) -> None:
    """Drop the frames an exception (and those it was raised from) holds.

    A frame keeps its callers alive, the model among them: an exception that outlives the
    handling (a value cache that keeps the exceptions it raised, an ``except ... as e: raise``
    cycle) would keep the model and its BDD manager for the cyclic collector or until exit,
    which may free the manager before the BDDs that use it."""
    seen = 0
    while exc is not None and seen < 16:
        traceback.clear_frames(exc.__traceback__)
        exc.__traceback__ = None
        exc = exc.__cause__ or exc.__context__
        seen += 1


class Meaning(NamedTuple):
    """A set of packets known up to two bounds: ``lower`` surely match, ``upper`` may.

    ``approximations`` names what was not modelled (empty when both bounds are equal).
    """

    upper: Any
    lower: Any
    approximations: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        return not self.approximations


@functools.lru_cache(maxsize=65536)
def _parse(value_type: ValueType, text: str, family: int, protocol: str | None) -> Any:
    return value_type.parse(text, family, protocol)


class _Context:
    """What match and target contexts share: option lookup and value parsing."""

    def __init__(self, encoding: Encoding, ext: Extension | None, family: int,
                 protocol: str | None = None) -> None:
        self.encoding = encoding
        self.ext = ext
        self.family = family
        self.rule_protocol = protocol  # the rule's -p, lower case, None when not given or negated
        self.true = encoding.true
        self.false = encoding.false

    def refuse(self, message: str) -> NoReturn:
        raise Refused(message)

    def options(self, node: Any, *, repeatable: Iterable[str] = ()) -> dict[str, Option]:
        """The options of a match or target by name; an option given twice is refused
        (iptables: "multiple ... flags not allowed") unless ``repeatable`` names it."""
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
        """The option's values, read with its value types (refused when iptables would)."""
        spec = self.ext.option(opt.name) if self.ext is not None else None
        if spec is None:
            self.refuse(f"unknown option {opt.written}")
        types = spec.value_types()
        if len(opt.values) != len(types):
            self.refuse(f"{opt.written} takes {len(types)} value(s)")
        problem = None
        try:
            return tuple([_parse(vt, text, self.family, self.rule_protocol)
                          for vt, text in zip(types, opt.values)])
        except BadValue as err:
            problem = f"{opt.written}: {err}"
            forget_frames(err)
        except Unresolved as err:
            forget_frames(err)
        if problem is not None:
            self.refuse(problem)
        raise Unknowable(f"{opt.written} {' '.join(opt.values)}")

    def value(self, opt: Option) -> Any:
        return self.values(opt)[0]


class MatchContext(_Context):
    """Given to a match's ``meaning``: field encoders and the three-valued helpers."""

    # --- results ---------------------------------------------------------------------------

    def exact(self, u: Any) -> Meaning:
        return Meaning(u, u)

    def opaque(self, reason: str, upper: Any = None) -> Meaning:
        """Not modelled: may match any packet (or any of ``upper``), surely matches none."""
        return Meaning(self.true if upper is None else upper, self.false, (reason,))

    def all(self, *parts: Any) -> Meaning:
        """The conjunction of BDDs and Meanings."""
        upper = lower = self.true
        approx: list[str] = []
        for p in parts:
            if isinstance(p, Meaning):
                if upper is lower and p.upper is p.lower:  # both exact: one conjunction
                    upper = lower = upper & p.upper
                else:
                    upper &= p.upper
                    lower &= p.lower
                approx.extend(a for a in p.approximations if a not in approx)
            elif upper is lower:
                upper = lower = upper & p
            else:
                upper &= p
                lower &= p
        return Meaning(upper, lower, tuple(approx))

    def negate(self, u: Any, opt: Option) -> Any:
        return ~u if opt.negated else u

    # --- fields ----------------------------------------------------------------------------

    def protocol(self, number: int) -> Any:
        return self.encoding.equals("proto", number)

    def not_fragment(self) -> Any:
        """Not a second or later fragment (what every layer-4 match needs)."""
        return ~self.encoding.equals("frag", 1)

    def fragment(self) -> Any:
        return self.encoding.equals("frag", 1)

    def address(self, field: str, network: Any) -> Any:
        """``src``/``dst`` within a network, or under any netmask (``10.0.0.0/255.0.255.0``);
        refused when its family is not the ruleset's."""
        if network.version != self.family:
            self.refuse(f"{network} is not an IPv{self.family} address")
        if hasattr(network, "prefixlen"):
            return self.encoding.network(field, network)
        mask = int(network.netmask)
        return self.encoding.masked(field, int(network.network_address) & mask, mask)

    def address_range(self, field: str, low: Any, high: Any) -> Any:
        if low.version != self.family or high.version != self.family:
            self.refuse(f"{low}-{high} is not an IPv{self.family} range")
        return self.encoding.range(field, int(low), int(high))

    def range(self, field: str, low: int, high: int) -> Any:
        return self.encoding.range(field, low, high)

    def equals(self, field: str, value: int) -> Any:
        return self.encoding.equals(field, value)

    def masked(self, field: str, value: int, mask: int) -> Any:
        """(field & mask) == value."""
        return self.encoding.masked(field, value, mask)

    def interface(self, field: str, name: str) -> Any:
        return self.encoding.interface(field, name)

    def tracked(self) -> Any:
        return self.encoding.tracked()

    def ct_states(self, names: Iterable[str]) -> Any:
        """The packet's state is one of ``names`` (SNAT and DNAT: the connection is NATed,
        which needs a conntrack entry)."""
        enc = self.encoding
        out = self.false
        states = []
        for name in names:
            upper = name.upper()
            if upper in CT_STATES:
                states.append(CT_STATES.index(upper))
            elif upper == "SNAT":
                out |= enc.tracked() & enc.equals("snat", 1)
            elif upper == "DNAT":
                out |= enc.tracked() & enc.equals("dnat", 1)
            else:
                self.refuse(f"unknown conntrack state {name}")
        if states:
            out |= enc.one_of("ctstate", states)
        return out

    def ct_status(self, names: Iterable[str]) -> Any:
        """Any of the conntrack status bits ``names`` is set (NONE is no bit at all)."""
        enc = self.encoding
        out = self.false
        for name in names:
            upper = name.upper()
            if upper == "NONE":
                continue
            out |= enc.bit("ctstatus", 1 << CT_STATUS_BITS[upper])
        return out

    def tcp_flags(self, mask: Iterable[str], comp: Iterable[str]) -> Any:
        """Of the flags in ``mask``, exactly those in ``comp`` are set.  As tcp_mt compares,
        ``(flags & mask) == comp`` with ``comp`` as given: a flag of ``comp`` outside ``mask``
        (``--tcp-flags SYN SYN,ACK``) makes the match empty."""
        m = _flag_bits(mask)
        c = _flag_bits(comp)
        return self.encoding.masked("tcpflags", c, m)

    def icmp(self, type_: int, code_low: int, code_high: int) -> Any:
        """ICMP type and code range; for IPv4, type 255 ("any") matches every ICMP message
        (ICMPv6 has no "any": 255 is the type 255)."""
        if type_ == 255 and self.family == 4:
            return self.true
        return self.encoding.equals("icmptype", type_) & self.encoding.range("icmpcode", code_low, code_high)

    def address_types(self, field: str, names: Iterable[str]) -> Any:
        """The address (``srctype``/``dsttype``) has one of these types.  IPv6 (xt_addrtype's
        match_type6): MULTICAST, UNICAST and UNSPEC in the list are each required; then, when
        the list names LOCAL, ANYCAST, BLACKHOLE or UNREACHABLE, one of the listed types must
        hold (so ``LOCAL,MULTICAST`` takes multicast addresses only)."""
        listed = {name.upper() for name in names}

        def has(name: str) -> Any:
            return self.encoding.bit(field, 1 << ADDRESS_TYPES.index(name))

        if self.family == 6:
            out = self.true
            for name in ("MULTICAST", "UNICAST", "UNSPEC"):
                if name in listed:
                    out &= has(name)
            if listed & {"LOCAL", "ANYCAST", "BLACKHOLE", "UNREACHABLE"}:
                any_of = self.false
                for name in listed:
                    any_of |= has(name)
                out &= any_of
            return out
        out = self.false
        for name in listed:
            out |= has(name)
        return out

    def packet_type(self, name: str) -> Any:
        return self.encoding.equals("pkttype", PACKET_TYPES[name.lower()])

    def mac_source(self, text: str) -> Any:
        """The packet came in over Ethernet from this MAC."""
        return self.encoding.equals("hasmac", 1) & self.encoding.equals("mac", int(text.replace(":", ""), 16))

    def has_mac(self) -> Any:
        return self.encoding.equals("hasmac", 1)


def _flag_bits(names: Iterable[str]) -> int:
    out = 0
    for n in names:
        u = n.upper()
        if u == "ALL":
            out |= 0x3F  # libxt_tcp's ALL: FIN,SYN,RST,PSH,ACK,URG (not ECE, CWR)
        elif u == "NONE":
            continue
        else:
            out |= TCP_FLAG_BITS[u]
    return out


# --- targets --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SetBits:
    """``field = (field & ~mask) ^ value`` (the kernel's MARK/CONNMARK/TOS arithmetic):
    bits in ``mask`` become those of ``value``, the others are flipped where ``value`` has
    a one."""

    field: str
    value: int
    mask: int


@dataclass(frozen=True)
class Havoc:
    """The bits of ``field`` in ``mask`` (all when None) may take any value afterwards."""

    field: str
    mask: int | None = None


Step = SetBits | Havoc


@dataclass(frozen=True)
class Action:
    """What a target does with the packets it gets.

    ``kind``: "decide" (their fate is settled: ``outcome`` says which), "continue" (they go
    on to the next rule), "maybe" (some are decided as ``outcome``, the others go on, and
    which is not modelled), or "return" (back to the calling chain, or the policy).
    ``steps`` change header fields of the packets that go on.
    """

    kind: str
    outcome: str | None = None
    steps: tuple[Step, ...] = field(default=())


class TargetContext(_Context):
    """Given to a target's ``meaning``."""

    def decide(self, outcome: str) -> Action:
        return Action("decide", outcome)

    def go_on(self, *steps: Step) -> Action:
        return Action("continue", None, tuple(steps))

    def maybe(self, outcome: str, *steps: Step) -> Action:
        return Action("maybe", outcome, tuple(steps))

    def returns(self) -> Action:
        return Action("return", "RETURN")

    def set_bits(self, field: str, value: int, mask: int) -> SetBits:
        return SetBits(field, value, mask)

    def havoc(self, field: str, mask: int | None = None) -> Havoc:
        return Havoc(field, mask)

    def outcome_label(self, target: Target) -> str:
        """The target's name with its options in a canonical order: two rules with the same
        label decide packets the same way."""
        parts = [target.name]
        for opt in sorted(target.options, key=lambda o: o.name):
            parts.append(f"--{opt.name}" + "".join(f" {v}" for v in opt.values))
        return " ".join(parts)
