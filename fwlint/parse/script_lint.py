"""The lint layer's say in what a script command does: would iptables refuse this rule?

``fwlint convert`` leaves out the rules iptables would refuse.  Which those are is the validity
rules' knowledge (FW1xx), not the front end's: a rule is refused when a validity rule that
checks single rules finds an error in it, in its chain, in the table as it stands when the
command runs.  Findings about a value the script could not resolve (a placeholder such as
``$WAN``) do not count: the value is unknown, not wrong.
"""

from __future__ import annotations

from fwlint.ast import Chain, Rule, Ruleset, Span, Table
from fwlint.extensions import Registry, default_registry


def _validity_rules() -> list:
    from fwlint.lint.engine import catalogue

    return [r() for r in catalogue() if r.code.startswith("FW1") and r.checks_rules()]


def _within(inner: Span, outer: Span) -> bool:
    return inner.file == outer.file and (inner.line, inner.column) >= (outer.line, outer.column) \
        and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)


def placeholder_spans(rule: Rule) -> list[Span]:
    """Where the rule holds values the script could not resolve."""
    spans = [o.span for m in rule.matches for o in m.options if o.unresolved]
    if rule.target is not None:
        spans.extend(o.span for o in rule.target.options if o.unresolved)
        if rule.target.name.startswith(("$", "`")):
            spans.append(rule.target.name_span)
    spans.extend(o.span for o in rule.unclaimed if o.unresolved)
    if rule.chain.startswith(("$", "`")) and rule.chain_span is not None:
        spans.append(rule.chain_span)
    return spans


class ValidityRefusal:
    """The callback the replay calls for each rule (see fwlint.parse.script_replay).

    The table it is given only changes when a chain or a jump does; one Context (and the facts
    the rules keep in it) serves every rule checked against the same table."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or default_registry()
        self.rules = _validity_rules()
        self._table: Table | None = None
        self._family: int | None = None
        self._ctx = None

    def _context(self, table: Table, family: int, path: str):
        from fwlint.lint.rule import Context

        if self._ctx is None or self._table is not table or self._family != family:
            ruleset = Ruleset(path, family, (table,))
            self._ctx = Context(ruleset, self.registry, table=table)
            self._table, self._family = table, family
        return self._ctx

    def __call__(self, rule: Rule, table: Table, chain: Chain | None, family: int) -> str | None:
        from fwlint.lint.diagnostic import Severity

        ctx = self._context(table, family, rule.span.file)
        ctx.chain = chain
        unknown = placeholder_spans(rule)
        for lint_rule in self.rules:
            for d in lint_rule.check_rule(rule, ctx):
                if d.severity < Severity.ERROR or any(_within(d.span, s) for s in unknown):
                    continue
                return f"{d.code} {d.message}"
        return None
