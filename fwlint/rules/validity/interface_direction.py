from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import chain_callers

# option -> the built-in chains where packets have no such interface
_NO_INTERFACE = {
    "in-interface": ("-i", frozenset({"OUTPUT", "POSTROUTING"}),
                     "packets there have no input interface yet"),
    "out-interface": ("-o", frozenset({"INPUT", "PREROUTING"}),
                      "packets there have no output interface yet"),
}


class InterfaceDirection(Rule):
    """## What it does
    Finds `-i` on OUTPUT or POSTROUTING and `-o` on INPUT or PREROUTING, and
    the same inside a user chain that is reached only from those chains.

    ## Why is this bad
    A locally generated packet (OUTPUT) has no input interface and an incoming
    one (INPUT, PREROUTING) has no output interface yet. iptables refuses
    the rule in a built-in chain ("Can't use -i with OUTPUT"), which fails the
    whole restore; in a user chain it is accepted but can never match, so the
    rule silently does nothing. The usual intent is the other option.

    ## Example
    ```
    -A OUTPUT -i eth0 -p tcp --dport 25 -j DROP
    ```

    ## Use instead
    ```
    -A OUTPUT -o eth0 -p tcp --dport 25 -j DROP
    ```

    ## In nftables
    `iifname` in an output hook chain is accepted by nft and never matches;
    the same mistake, without the error.
    """

    code = "FW103"
    name = "interface-direction"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        chain, table = ctx.chain, ctx.table
        if chain is None or table is None:
            return
        builtin = rule.match("builtin")
        if builtin is None:
            return
        for opt in builtin.options:
            entry = _NO_INTERFACE.get(opt.name)
            if entry is None:
                continue
            flag, chains, why = entry
            shown = f"{'! ' if opt.negated else ''}{flag} {opt.value or ''}".strip()
            if chain.builtin:
                if chain.name in chains:
                    yield self.diagnostic(
                        opt.span, f"{shown} on {chain.name}: {why}; iptables refuses this rule"
                        + (" (did you mean -o?)" if flag == "-i" else " (did you mean -i?)"))
            else:
                callers = chain_callers(ctx, table).get(chain.name, frozenset())
                if callers and callers <= chains:
                    via = ", ".join(sorted(callers))
                    yield self.diagnostic(
                        opt.span, f"{shown} in chain {chain.name}, which is reached only from "
                        f"{via}: {why}, so this rule never matches", severity=Severity.WARNING)
