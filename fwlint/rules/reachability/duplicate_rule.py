from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule, Ruleset, Span
from fwlint.extensions import rule_key
from fwlint.lint import Context, Diagnostic, Edit, Fix, Rule, Severity


class DuplicateRule(Rule):
    """## What it does
    Finds a rule that repeats an earlier rule of the same chain: the same
    matches with the same values, in any order and spelling (`-p tcp --dport
    ssh` is `-p tcp -m tcp --dport 22`), and the same target. Comments and
    counters are not compared.

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
    `-I N` in a script may count on the rule being there.

    ## In nftables
    The same duplicate is just as dead in an nft chain.
    """

    code = "FW204"
    name = "duplicate-rule"
    severity = Severity.WARNING
    fixable = "unsafe"

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for table in ruleset.tables:
            for chain in table.chains:
                seen: dict[tuple, AstRule] = {}
                for rule in chain.rules:
                    key = rule_key(rule, ctx.registry, ruleset.family, ignore_comments=True)
                    first = seen.get(key)
                    if first is None:
                        seen[key] = rule
                        continue
                    line = rule.span.line
                    fix = Fix("unsafe", f"Delete the duplicate rule on line {line}",
                              (Edit("", Span(rule.span.file, line, 1, line + 1, 1)),))
                    yield self.diagnostic(rule.span, f"duplicate of the rule at line "
                                                     f"{first.span.line} in {chain.name}",
                                          fix=fix, related=(first.span,))
