from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import chains_by_name, close_names, jump_candidates


class UndefinedChain(Rule):
    """## What it does
    Finds a jump (`-j NAME`, `-g NAME`) to a chain the table never declares,
    and a rule appended to (`-A NAME`) or inserted into such a chain; also a
    jump to a built-in chain (`-j INPUT`) and a goto to a target (`-g LOG`,
    `-g ACCEPT`): both go to user chains only.

    ## Why is this bad
    `iptables-restore` refuses the file ("Couldn't load target" or "chain
    does not exist"), so nothing of it is applied. It is common in fragments
    (ufw's before.rules) copied out of the setup that declares the chains.

    ## Example
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -j LOGGING
    COMMIT
    ```

    ## Use instead
    ```
    *filter
    :INPUT DROP [0:0]
    :LOGGING - [0:0]
    -A INPUT -j LOGGING
    COMMIT
    ```

    ## In nftables
    `jump LOGGING` needs `chain LOGGING { ... }` in the same table; nft
    refuses the ruleset otherwise.
    """

    code = "FW106"
    name = "undefined-chain"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        table = ctx.table
        if table is None:
            return
        chains = chains_by_name(ctx, table)
        if ctx.chain is None and rule.chain not in chains:
            span = rule.chain_span or rule.span
            yield self.diagnostic(span, f"chain {rule.chain} is not declared in *{table.name}: "
                                        f"add :{rule.chain} - [0:0] after the *{table.name} line")
        target = rule.target
        if target is None:
            return
        jump = "-g" if target.goto else "-j"
        own = chains.get(target.name)
        if own is not None and own.builtin:
            yield self.diagnostic(target.name_span,
                                  f"{jump} {target.name}: {target.name} is a built-in chain; a rule "
                                  "jumps only to user chains, and iptables-restore refuses it")
            return
        if target.goto and own is None and ctx.registry.target(target.name) is not None:
            yield self.diagnostic(target.name_span,
                                  f"-g {target.name}: -g goes to a user chain, and {target.name} is a "
                                  f"target; iptables refuses it (write -j {target.name})")
            return
        if own is not None or ctx.registry.target(target.name) is not None:
            return
        if close_names(target.name, jump_candidates(ctx, table)):
            return  # a misspelt target: FW101
        yield self.diagnostic(target.name_span,
                              f"{jump} {target.name}: no chain {target.name} in *{table.name} "
                              f"and no target of that name")
