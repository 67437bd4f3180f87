from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Edit, Fix, Rule, Severity
from fwlint.lint.facts import chains_by_name, close_names, jump_candidates, text_at


class UnknownTarget(Rule):
    """## What it does
    Finds a `-j`/`-g` target that is neither a built-in verdict, a target
    extension, nor a chain of the table, but is close to one of them:
    `-j ACCESPT`, `-j drop`, `-j LOGDORP` next to a chain `LOGDROP`; and a
    target the kernel no longer has: `-j ULOG` (gone since Linux 3.17, use
    NFLOG), `-j CLUSTERIP` (gone since Linux 6.3, use `-m cluster`).

    ## Why is this bad
    Targets are case-sensitive and iptables knows no fuzzy matching:
    `iptables-restore` refuses the whole file ("Couldn't load target"), so
    none of the ruleset is applied, often on a reboot nobody is watching.
    iptables itself still knows ULOG and CLUSTERIP, so `iptables-restore
    --test` passes them; the kernel refuses them when the table is committed
    ("Extension ULOG revision 0 not supported, missing kernel module?").

    ## Example
    ```
    -A INPUT -p tcp --dport 22 -j ACCESPT
    -A INPUT -j drop
    ```

    ## Use instead
    ```
    -A INPUT -p tcp --dport 22 -j ACCEPT
    -A INPUT -j DROP
    ```
    The fix is safe when exactly one known name is that close.

    ## In nftables
    Verdicts are keywords (`accept`, `drop`); nft rejects a misspelt one with
    a syntax error, and `jump`/`goto` need an existing chain.
    """

    code = "FW101"
    name = "unknown-target"
    severity = Severity.ERROR
    fixable = "safe"

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        target = rule.target
        if target is None or ctx.table is None:
            return
        name = target.name
        chains = chains_by_name(ctx, ctx.table)
        ext = ctx.registry.target(name)
        if ext is not None and ext.removed and name not in chains and \
                (ext.family is None or ext.family == ctx.ruleset.family):
            jump = "-g" if target.goto else "-j"
            yield self.diagnostic(target.name_span, f"{jump} {name}: the kernel has no such target "
                                                    f"any more ({ext.removed}); the rule is refused")
            return
        if name in chains or ext is not None:
            return
        suggestions = close_names(name, jump_candidates(ctx, ctx.table))
        if not suggestions:
            return  # an undeclared chain: FW106
        jump = "-g" if target.goto else "-j"
        if len(suggestions) == 1:
            best = suggestions[0]
            what = "a chain of this table" if best in chains else "a target"
            fix = None
            if text_at(ctx.ruleset.source, target.name_span) == name:
                fix = Fix("safe", f"Replace {name!r} with {best!r}", (Edit(best, target.name_span),))
            yield self.diagnostic(target.name_span,
                                  f"unknown target {jump} {name}: did you mean {best}? "
                                  f"({what}; names are case-sensitive)", fix=fix)
        else:
            yield self.diagnostic(target.name_span,
                                  f"unknown target {jump} {name}: did you mean "
                                  + " or ".join(suggestions) + "?")
