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
    # A firewall script gave a value through a variable it could not resolve ($WAN set by a
    # sourced file, a function argument ...): the value is the placeholder as written, not a value.
    unresolved: bool = False

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
    # The variables (``WAN``, ``1``) of a script command that it could not resolve; their
    # placeholders stand in the rule (options carry ``unresolved``; a chain or target name may be
    # one too).  Empty for save files and for commands that resolved completely.
    unresolved: tuple[str, ...] = ()

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
    # chain() looks chains up by name for every rule that jumps: an index made on first use
    _by_name: dict[str, Chain] | None = field(default=None, init=False, repr=False, compare=False)
    _names: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    def chain(self, name: str) -> Chain | None:
        index = self._by_name
        if index is None:
            index = {}
            for c in self.chains:
                index.setdefault(c.name, c)  # the first of a name, as a scan finds it
            object.__setattr__(self, "_by_name", index)
        return index.get(name)

    @property
    def chain_names(self) -> frozenset[str]:
        names = self._names
        if names is None:
            names = frozenset(c.name for c in self.chains)
            object.__setattr__(self, "_names", names)
        return names

    def rules(self) -> Iterator[Rule]:
        for c in self.chains:
            yield from c.rules


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class ScriptNote:
    """Something the script front end noticed that is not a rule: a misspelt command, a variable it
    could not resolve, control flow it did not follow, an input it could not read.

    ``kind`` says which: "misspelled-command", "unresolved-variable", "control-flow",
    "input-not-read".  ``subject`` is the word concerned (the command, the variable's name);
    ``suggestions`` the names it is probably a misspelling of; ``related`` other places that matter
    (the other uses of the variable).
    """

    kind: str
    message: str
    span: Span
    subject: str = ""
    suggestions: tuple[str, ...] = ()
    related: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class ScriptStep:
    """One iptables command of a script that changed (or would change) a table, in the order run.

    ``command`` is the canonical long name (append, insert, delete, replace, policy, flush,
    new-chain, delete-chain, rename-chain, zero, or "restore" for a table an iptables-restore
    input replaces); ``args`` the words after the chain (a position, a policy, a new name);
    ``refused`` says why iptables refuses the command ("" when it took effect).  Only the
    conversion (``fwlint convert``) refuses rules that the validity rules find errors in; when
    linting, such a rule stays in its chain, as it would in a save file, so the rules report it.
    """

    command: str
    family: int
    table: str
    chain: str | None
    span: Span
    rule: Rule | None = None
    args: tuple[str, ...] = ()
    refused: str = ""
    after: Table | None = None  # for a -P or -F of the filter table: the table as it was left


@dataclass(frozen=True, slots=True)
class ScriptFacts:
    """What the script front end learnt besides the tables (``Ruleset.script``)."""

    notes: tuple[ScriptNote, ...] = ()
    steps: tuple[ScriptStep, ...] = ()
    management_ports: tuple[int, ...] = ()  # ports of variables such as SSH_PORT=2222
    families: tuple[int, ...] = ()  # the families the script changes (4, 6)
    sources: tuple[tuple[str, str], ...] = ()  # (path, text) of other files it reads (restore inputs)

    def source_of(self, path: str) -> str | None:
        for name, text in self.sources:
            if name == path:
                return text
        return None


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Something the grammar rejects, with what it expected there.  ``warning``: iptables
    takes it, but not as it reads (an unterminated quote runs to the end of the line)."""

    message: str
    span: Span
    expected: tuple[str, ...] = ()
    warning: bool = False


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
    script: ScriptFacts | None = None  # set when the source is a firewall shell script

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
