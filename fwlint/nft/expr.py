"""The nftables forms the translator builds: each piece carries its block-syntax text and its
libnftables JSON together, so the two outputs cannot disagree.

- :class:`Term`: the left side of a match (``tcp dport``, ``meta mark & 0xff``).
- :class:`Value`: a right side (``22``, ``10.0.0.0/8``, ``{ 22, 80 }``, ``"eth*"``), with the
  numeric extent it covers when it has one (so that sets are built only of elements that do
  not overlap, as nft demands).
- :class:`Relation`: ``left op right``; what a match translates to.
- :class:`Statement`: everything else in a rule (``limit rate 5/minute``, ``log``, ``accept``,
  ``dnat ip to 10.0.0.1``), with its kind.
- :class:`NftRule`: one nft rule: matches, statements, comment, counters and where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from fwlint.ast import Rule as AstRule
from fwlint.ast import Span


class Term(NamedTuple):
    """An expression that is compared: ``ip saddr``, ``ct state``, ``meta mark & 0xff``.

    ``family``: 4 or 6 when the expression exists for that IP family only (``ip saddr``);
    ``protocol``: the transport protocol it reads (``tcp dport``: tcp), which makes nft add the
    protocol test on its own."""

    text: str
    json: Any
    family: int | None = None
    protocol: str | None = None


class Value(NamedTuple):
    """A constant: a number, an address, a range, a string, a symbol, a set or a flag list.

    ``extent``: the lowest and highest number it covers, for overlap tests (None when it is no
    interval of numbers); ``kind`` groups values that may share a set (``inet_service``,
    ``ipv4_addr`` ...); ``elements``: the members of a set value."""

    text: str
    json: Any
    extent: tuple[int, int] | None = None
    kind: str = ""
    elements: tuple["Value", ...] = ()
    wildcard: bool = False  # an interface name pattern ("eth*"): never merged into a set

    @property
    def is_set(self) -> bool:
        return bool(self.elements)


@dataclass(frozen=True, slots=True)
class Relation:
    """``left op right``.  ``op`` is ``==`` (written implicitly, as nft lists it), ``!=``,
    ``<``, ``>``, ``<=``, ``>=``, or ``in`` for a test of flags (``ct state new,established``:
    any of them is set)."""

    left: Term
    op: str
    right: Value

    @property
    def text(self) -> str:
        if self.op == "in" or (self.op == "==" and " & " not in self.left.text):
            return f"{self.left.text} {self.right.text}"
        return f"{self.left.text} {self.op} {self.right.text}"

    @property
    def json(self) -> Any:
        return {"match": {"op": self.op, "left": self.left.json, "right": self.right.json}}

    @property
    def family(self) -> int | None:
        return self.left.family

    @property
    def protocol(self) -> str | None:
        return self.left.protocol


# Kinds of statements.  What the optimizer may merge and how a rule is ordered depend on them.
MATCHING = "matching"  # a statement that decides whether the rule goes on (limit, quota ...)
ACTION = "action"  # does something and lets the packet go on (log, mark set ...)
VERDICT = "verdict"  # accept, drop, return, jump, goto, queue
TERMINAL = "terminal"  # ends the chain with an effect (reject, dnat, snat, masquerade ...)


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement: its text, its JSON and its kind (see the constants above).

    ``stateful``: it keeps state between packets (limit, quota, a meter), so two rules holding it
    are not one.  ``needs_protocol``: nft wants a transport protocol match before it (a NAT port).
    ``family``: 4 or 6 when nft adds the test of that family on its own in an inet table
    (``reject with icmp ...``; not ``dnat ip to``, which just does nothing for the other
    family)."""

    text: str
    json: Any
    kind: str = ACTION
    stateful: bool = False
    needs_protocol: bool = False
    family: int | None = None
    verdict: str | None = None  # for VERDICT: accept, drop, return, jump, goto, queue
    chain: str | None = None  # the chain a jump or goto names (nft name)


Part = Relation | Statement


@dataclass(slots=True)
class NftRule:
    """One nft rule: ``parts`` (relations and matching statements, in order), ``actions``
    (what it does), a comment, counters, and the iptables rule it comes from.

    ``text_only``: a rule written as a comment in the block syntax and left out of JSON (a rule
    that never matches, or an untranslatable one kept with --allow-partial).  ``rendered``: see
    fwlint.nft.halves; a rule the child translated has no parts of its own, and its source is
    a stand-in when the child built the rule too (fwlint.nft.split)."""

    parts: list[Part]
    actions: list[Statement]
    comment: str | None = None
    counters: tuple[int, int] | None = None
    counter: bool = False
    source: AstRule | None = None
    spans: tuple[Span, ...] = ()
    family: int | None = None  # in an inet table: the family this rule is for (None: both)
    note: str | None = None  # for a text_only rule: why it is a comment
    text_only: bool = False
    comments_by_element: tuple[str | None, ...] = field(default=())
    # the rule as the output holds it, rendered by the process that translated it (fwlint.nft.halves):
    # the block syntax's line (comment lines for a text_only rule), or the JSON command's text
    rendered: Any = None


# --- strings -------------------------------------------------------------------------------------

def can_quote(text: str) -> bool:
    """Whether nft's block syntax can hold ``text`` in a quoted string: nft has no escape for
    the double quote, and a string is one line."""
    return '"' not in text and "\n" not in text and "\r" not in text


def quote(text: str) -> str:
    """``text`` in double quotes (the caller checked :func:`can_quote`)."""
    return f'"{text}"'


# --- JSON ------------------------------------------------------------------------------------------

def set_json(elements: list[Any]) -> dict:
    return {"set": elements}


def element_json(value: Value, comment: str | None) -> Any:
    if comment is None:
        return value.json
    return {"elem": {"val": value.json, "comment": comment}}
