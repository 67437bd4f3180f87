"""The base class of every lint rule, built-in or from a plugin."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Iterable, Iterator

from fwlint.ast import Chain, Rule as AstRule, Ruleset, Span, Table
from fwlint.extensions import Registry
from fwlint.lint.config import DEFAULT_SETTINGS, Settings
from fwlint.lint.diagnostic import Diagnostic, Fix, Severity

if TYPE_CHECKING:
    from fwlint.lint.suppression import SuppressionProblem


@dataclass
class Context:
    """What a rule's check may look at besides the node it is given."""

    ruleset: Ruleset
    registry: Registry
    table: Table | None = None
    chain: Chain | None = None
    _cache: dict = field(default_factory=dict)
    settings: Settings = DEFAULT_SETTINGS  # the configuration file's (management_ports ...)

    def memo(self, key, compute):
        """Work done once per ruleset and shared between rules (call graphs, indexes)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def has_memo(self, key) -> bool:
        return key in self._cache


class Rule:
    """A lint rule.  Subclasses set the class attributes and override one check.

    The docstring is the rule's documentation, in sections: What it does /
    Why is this bad / Example / Use instead / In nftables.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    fixable: ClassVar[str | None] = None  # "safe", "unsafe", or None
    # False: the rule runs only when --select (or the configuration's select) names it.
    default_enabled: ClassVar[bool] = True
    needs_matches: ClassVar[frozenset[str] | None] = None
    """check_rule finds nothing in a rule without one of these matches (by extension name:
    ``frozenset({"state", "conntrack"})``): the engine does not call it for such a rule.
    None: every rule is looked at."""

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        """Findings for one rule (called for every rule of every chain)."""
        return ()

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        """Findings for the whole ruleset (called once)."""
        return ()

    def check_host(self, v4: Ruleset, v6: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        """Findings about the IPv4 and IPv6 rulesets of one host taken together (called once
        per pair: a file with -4/-6 lines, or two files the check layer pairs, such as
        rules.v4 + rules.v6).  ``ctx.ruleset`` is ``v6``; report in the v6 file."""
        return ()

    def check_suppression(self, problem: "SuppressionProblem") -> Iterable[Diagnostic]:
        """Findings about a suppression comment that suppresses nothing (called after every
        other rule has run on the source; see fwlint.lint.suppression)."""
        return ()

    @classmethod
    def checks_rules(cls) -> bool:
        return cls.check_rule is not Rule.check_rule

    @classmethod
    def checks_host(cls) -> bool:
        return cls.check_host is not Rule.check_host

    @classmethod
    def checks_suppressions(cls) -> bool:
        return cls.check_suppression is not Rule.check_suppression

    @classmethod
    def checks_ruleset(cls) -> bool:
        return cls.check_ruleset is not Rule.check_ruleset

    def diagnostic(self, span: Span, message: str, *, fix: Fix | None = None,
                   severity: Severity | None = None, related: Iterable[Span] = (),
                   restates: Iterable[tuple[str, Span]] = ()) -> Diagnostic:
        return Diagnostic(self.code, self.name, message, severity or self.severity, span, fix,
                          tuple(related), tuple(restates))

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        doc = cls.documentation()
        for section in _sections(doc):
            if section[0] == "What it does":
                text = " ".join(section[1].split())
                return text.split(": ")[0].split(". ")[0].rstrip(".") + "."
        return doc.splitlines()[0] if doc else ""


def _sections(doc: str) -> Iterator[tuple[str, str]]:
    title = None
    body: list[str] = []
    for line in doc.splitlines():
        if line.startswith("## "):
            if title is not None:
                yield title, "\n".join(body).strip()
            title, body = line[3:].strip(), []
        else:
            body.append(line)
    if title is not None:
        yield title, "\n".join(body).strip()


def sections(rule: type[Rule]) -> dict[str, str]:
    return dict(_sections(rule.documentation()))
