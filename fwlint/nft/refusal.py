"""The translator's validity pass: :class:`~fwlint.parse.script_lint.ValidityRefusal`'s answer
(whether iptables refuses a rule, and the first error that says so), asked of every rule of a
translation, so with the work it does not need left out:

- a validity rule that reports warnings only (``only_warnings``, such as FW113) cannot refuse a
  rule, so it is not asked;
- where a rule holds values a script could not resolve is worked out only when an error is
  found (the error does not count when it is about such a value).
"""

from __future__ import annotations

from fwlint.ast import Chain, Rule, Table
from fwlint.extensions import Registry
from fwlint.lint.diagnostic import Severity
from fwlint.parse.script_lint import ValidityRefusal, _within, placeholder_spans


class TranslationRefusal(ValidityRefusal):
    """A ValidityRefusal that answers as it does, with less work."""

    def __init__(self, registry: Registry | None = None) -> None:
        super().__init__(registry)
        self.rules = [r for r in self.rules if not getattr(r, "only_warnings", False)]

    def __call__(self, rule: Rule, table: Table, chain: Chain | None, family: int) -> str | None:
        ctx = self._context(table, family, rule.span.file)
        ctx.chain = chain
        unknown = None
        error = Severity.ERROR
        for lint_rule in self.rules:
            for d in lint_rule.check_rule(rule, ctx):
                if d.severity < error:
                    continue
                if unknown is None:
                    unknown = placeholder_spans(rule)
                if any(_within(d.span, s) for s in unknown):
                    continue
                return f"{d.code} {d.message}"
        return None
