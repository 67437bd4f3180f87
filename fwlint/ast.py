"""The typed AST every front end produces and every consumer reads.

Frozen dataclasses with a :class:`Span` on every node.  The Lark tree never
leaks past the transformer in :mod:`fwlint.parse`.  Rows and columns are
1-based; ``end_column`` is the column just after the last character.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, NamedTuple

BUILTIN_CHAINS: dict[str, tuple[str, ...]] = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}
"""The built-in chains of each iptables table, in hook order."""


class Span(NamedTuple):
    """Where a node stands in its source: file, start and end (1-based).

    A named tuple rather than a dataclass: a large ruleset has millions of them.
    """

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Word(NamedTuple):
    """One word of a command line, unquoted, with where it stands."""

    text: str
    raw: str
    span: Span
    kind: str  # "option", "bang" or "value"


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a match or target: ``! --dport 22``.

    ``name`` is the canonical long name without dashes (``dport``) when the
    extension model knows the option, else the word as written without dashes.
    ``written`` is the option word exactly as the user wrote it (``--dport``,
    ``--destination-port``, ``--dpo``).
    """

    name: str
    values: tuple[str, ...]
    negated: bool
    span: Span
    written: str
    known: bool = True
    value_spans: tuple[Span, ...] = ()

    @property
    def value(self) -> str | None:
        return self.values[0] if self.values else None


@dataclass(frozen=True, slots=True)
class Match:
    """A match: ``-m tcp --dport 22``, or the built-in one holding -p -s -d -i -o -f.

    ``implicit`` is set for a protocol match iptables loads on its own
    (``-p tcp --dport 22`` without ``-m tcp``) and for the built-in match.
    """

    name: str
    options: tuple[Option, ...]
    span: Span
    implicit: bool = False
    known: bool = True

    def option(self, name: str) -> Option | None:
        for opt in self.options:
            if opt.name == name:
                return opt
        return None


@dataclass(frozen=True, slots=True)
class Target:
    """The verdict or action of a rule: ``-j DNAT --to-destination ...``."""

    name: str
    options: tuple[Option, ...]
    span: Span
    name_span: Span
    goto: bool = False

    def option(self, name: str) -> Option | None:
        for opt in self.options:
            if opt.name == name:
                return opt
        return None


@dataclass(frozen=True, slots=True)
class Counters:
    packets: int
    bytes: int
    span: Span


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule as it stands in its chain.

    ``matches`` holds the built-in match (name ``""``, options -p -s -d -i -o
    -f) first when the rule has any of those options, then the ``-m`` matches
    in the order written.  ``unclaimed`` holds options that no loaded match or
    target takes (iptables would reject them); they are kept, never dropped.
    """

    chain: str
    matches: tuple[Match, ...]
    target: Target | None
    span: Span
    text: str
    command: str = "append"  # append | insert | delete | replace | check
    position: int | None = None
    counters: Counters | None = None
    family: int | None = None  # from a -4 / -6 line prefix
    unclaimed: tuple[Option, ...] = ()
    chain_span: Span | None = None

    @property
    def comment(self) -> str | None:
        for m in self.matches:
            if m.name == "comment":
                opt = m.option("comment")
                if opt is not None and opt.values:
                    return opt.values[0]
        return None

    def match(self, name: str) -> Match | None:
        for m in self.matches:
            if m.name == name:
                return m
        return None

    def option(self, name: str) -> Option | None:
        """The first option called ``name`` in any match of the rule."""
        for m in self.matches:
            for opt in m.options:
                if opt.name == name:
                    return opt
        return None

    @property
    def protocol(self) -> str | None:
        opt = self.option("protocol")
        if opt is None or opt.negated or not opt.values:
            return None
        return opt.values[0].lower()


@dataclass(frozen=True, slots=True)
class Chain:
    name: str
    policy: str | None  # None for user chains
    rules: tuple[Rule, ...]
    span: Span | None  # the declaration; None when never declared
    builtin: bool
    counters: Counters | None = None
    declared: bool = True


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    chains: tuple[Chain, ...]
    span: Span
    commit_span: Span | None = None  # None when COMMIT is missing
    undeclared_rules: tuple[Rule, ...] = ()  # rules in chains never declared

    def chain(self, name: str) -> Chain | None:
        for c in self.chains:
            if c.name == name:
                return c
        return None

    @property
    def chain_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.chains)

    def rules(self) -> Iterator[Rule]:
        for c in self.chains:
            yield from c.rules


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Something the grammar rejects, with what it expected there."""

    message: str
    span: Span
    expected: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Everything one source says for one address family."""

    path: str
    family: int  # 4 or 6
    tables: tuple[Table, ...]
    comments: tuple[Comment, ...] = ()
    problems: tuple[SyntaxProblem, ...] = ()
    crlf_lines: tuple[int, ...] = ()
    source: str = field(default="", repr=False)
    dual_family: bool = False  # the file uses -4/-6 line prefixes

    def table(self, name: str) -> Table | None:
        """The last block of table ``name`` (the one iptables-restore keeps)."""
        found = None
        for t in self.tables:
            if t.name == name:
                found = t
        return found

    def rules(self) -> Iterator[Rule]:
        for t in self.tables:
            yield from t.rules()
