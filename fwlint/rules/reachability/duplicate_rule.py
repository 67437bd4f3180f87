from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.ast import Ruleset, Span
from fwlint.extensions import rule_key
from fwlint.lint import Context, Diagnostic, Fix, Rule, Severity
from fwlint.lint.fix import delete_lines, line_starts
from fwlint.rules.script._source import text_of


class DuplicateRule(Rule):
    """## What it does
    Finds a rule that repeats an earlier rule of the same chain: it takes
    exactly the same packets and does exactly the same with them, however its
    matches are ordered and spelt (`-p tcp --dport ssh` is `-p tcp -m tcp
    --dport 22`; `-p all` or `-s 0.0.0.0/0` add nothing; `-m state --state
    NEW` is `-m conntrack --ctstate NEW`), with no rule between them that
    changes a header field (a MARK in between makes the second copy see other
    packets). Comments and counters are not compared. Matches the model does
    not understand (`-m limit` ...) must be written the same way.

    A rule after a catch-all is reported as FW203 instead, and a duplicate is
    not reported again as FW201 or FW202. With `--no-analysis` rules are
    compared as written (order and spelling still do not count).

    ## Why is this bad
    The second copy never decides anything the first did not (for a verdict
    it is never reached; for LOG it logs every packet twice). It is usually a
    script run twice with `-A`, or a merge that kept both sides.

    ## Example
    ```
    -A INPUT -p tcp --dport 22 -j ACCEPT
    -A INPUT -p tcp -m tcp --dport ssh -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -p tcp --dport 22 -j ACCEPT
    ```
    The fix deletes the later copy; it is unsafe because a later `-D` or
    `-I N` in a script may count on the rule being there. In a script it
    deletes the whole command, every line of it continued with `\\`, and
    is not offered when other code shares those lines (`then iptables ...;
    fi`, `... || true`) or when the same text made other rules too (a loop,
    a function called twice).

    ## In nftables
    The same duplicate is just as dead in an nft chain.
    """

    code = "FW204"
    name = "duplicate-rule"
    severity = Severity.WARNING
    fixable = "unsafe"
    analysis = "optional"

    def __init__(self, use_analysis: bool = True) -> None:
        self.use_analysis = use_analysis

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        if self.use_analysis:
            from fwlint.analysis import findings_for

            for f in findings_for(ctx):
                if f.code == self.code:
                    yield self._finding(f.rule.rule, f.blockers[0].rule, f.analysis.name, ctx)
            return
        value_keys: dict = {}  # the values this ruleset repeats, each read once
        for table in ruleset.tables:
            for chain in table.chains:
                seen: dict[tuple, AstRule] = {}
                for rule in chain.rules:
                    key = rule_key(rule, ctx.registry, ruleset.family, ignore_comments=True,
                                   cache=value_keys)
                    first = seen.get(key)
                    if first is None:
                        seen[key] = rule
                        continue
                    yield self._finding(rule, first, chain.name, ctx)

    def _finding(self, rule: AstRule, first: AstRule, chain: str, ctx: Context) -> Diagnostic:
        return self.diagnostic(rule.span, f"duplicate of the rule at line {first.span.line} in {chain}",
                               fix=_deletion(rule, ctx), related=(first.span,))


def _deletion(rule: AstRule, ctx: Context) -> Fix | None:
    """Deleting the duplicate: the whole of its lines (all of a script command continued with
    `\\`), in one edit.  None when other code shares those lines, or when the same text
    made other rules too (a loop's body, a function called twice: deleting it would take them
    all)."""
    span = rule.span
    text = text_of(ctx.ruleset, span.file)
    if text is None or _rules_made_at(ctx).get(span, 0) > 1:
        return None
    edit = delete_lines(text, span, ctx.memo(("line-starts", id(text)), lambda: line_starts(text)))
    if edit is None:
        return None
    lines = f"line {span.line}" if span.end_line == span.line else f"lines {span.line}-{span.end_line}"
    return Fix("unsafe", f"Delete the duplicate rule on {lines}", (edit,))


def _rules_made_at(ctx: Context) -> dict[Span, int]:
    """How many rules each span of the ruleset made (more than one: a loop, a function)."""
    def count() -> dict[Span, int]:
        rules = {id(r): r for r in ctx.ruleset.rules()}
        if ctx.ruleset.script is not None:
            rules.update((id(step.rule), step.rule) for step in ctx.ruleset.script.steps
                         if step.rule is not None)
        return Counter(r.span for r in rules.values())
    return ctx.memo(("rules-made-at", id(ctx.ruleset)), count)
