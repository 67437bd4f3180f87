from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import state_options, state_patterns


class ImpossibleStateMatch(Rule):
    """## What it does
    Finds a rule whose connection state matches (`-m state --state`,
    `-m conntrack --ctstate`, inverted or not) together admit no state at
    all: `-m state --state NEW -m conntrack --ctstate ESTABLISHED`, or
    `! --ctstate` over every state.

    ## Why is this bad
    conntrack gives every packet exactly one of INVALID, NEW, ESTABLISHED,
    RELATED and UNTRACKED (SNAT and DNAT are flags a tracked connection may
    carry besides). When the options of a rule exclude all of them the rule
    never matches: iptables accepts it, and whatever it was written to do
    silently does not happen. It is usually a merge of two rules gone wrong,
    or an inversion in the wrong place.

    ## Example
    ```
    -A INPUT -m state --state NEW -m conntrack --ctstate ESTABLISHED -j ACCEPT
    ```

    ## Use instead
    Two rules, or one state list:
    ```
    -A INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT
    ```

    ## In nftables
    `ct state new ct state established` is accepted by nft and never matches
    either.
    """

    code = "FW306"
    name = "impossible-state-match"
    severity = Severity.WARNING
    needs_matches = frozenset({"state", "conntrack"})

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        patterns = state_patterns(rule)
        if patterns is None or patterns:
            return
        options = state_options(rule)
        shown = " ".join(f"{'! ' if o.negated else ''}{o.written} {o.value}" for o in options)
        yield self.diagnostic(
            options[0].span, f"{shown}: no connection state passes all of these, so the rule never "
                             f"matches")
