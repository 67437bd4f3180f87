from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import chain_loops


class ChainLoop(Rule):
    """## What it does
    Finds jumps and gotos between user chains that form a cycle
    (`A -> B -> A`, or a chain that jumps to itself). Each cycle is reported
    once, at the jump that closes it (the first such jump met when walking the
    chains from the built-in ones in order), naming the chains of the cycle.

    ## Why is this bad
    The kernel walks every chain a built-in chain can reach when the table is
    committed and refuses a table with a loop among them (ELOOP, "Too many
    levels of symbolic links"), so `iptables-restore` fails and nothing of
    that table is applied; `iptables-restore --test` does not notice. A packet
    would otherwise go round the loop for ever.

    A loop that no built-in chain reaches is accepted by the kernel and never
    runs; it is a warning, because the first jump to any of its chains makes
    the restore fail.

    ## Example
    ```
    *filter
    :INPUT DROP [0:0]
    :ssh - [0:0]
    :ratelimit - [0:0]
    -A INPUT -p tcp --dport 22 -j ssh
    -A ssh -j ratelimit
    -A ratelimit -m limit --limit 5/min -j ssh
    COMMIT
    ```

    ## Use instead
    Let the inner chain return (it falls back to the caller at its end, or
    with `-j RETURN`) and give the verdict there:
    ```
    -A INPUT -p tcp --dport 22 -j ssh
    -A ssh -j ratelimit
    -A ssh -j ACCEPT
    -A ratelimit -m limit --limit 5/min -j RETURN
    -A ratelimit -j DROP
    ```

    ## In nftables
    The same: `nft` refuses a loop of `jump`/`goto` that a base chain reaches
    ("Too many links") and accepts one that none reaches.
    """

    code = "FW107"
    name = "chain-loop"
    severity = Severity.ERROR

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for table in ruleset.tables:
            for loop in chain_loops(table):
                cycle = " -> ".join(loop.chains)
                jump = "-g" if loop.rule.target is not None and loop.rule.target.goto else "-j"
                closing = f"{jump} {loop.chains[-1]} in chain {loop.chains[-2]}"
                span = loop.rule.target.span if loop.rule.target is not None else loop.rule.span
                if loop.reached_from:
                    yield self.diagnostic(
                        span, f"{closing} closes a loop of chains: {cycle}, reached from "
                              f"{loop.reached_from}; the kernel refuses *{table.name} when it is "
                              f"committed (ELOOP), so iptables-restore fails")
                else:
                    yield self.diagnostic(
                        span, f"{closing} closes a loop of chains: {cycle}; no built-in chain "
                              f"reaches it yet, but a jump to any of them will make "
                              f"iptables-restore fail", severity=Severity.WARNING)
