from __future__ import annotations

import heapq
from typing import Iterable

from fwlint.ast import Rule as AstRule, Ruleset, Table
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import accepts_every, and_list

LATE_AFTER = 10
"""More rules than this before the ESTABLISHED accept make FW302 speak.  A chain that first
accepts loopback, drops INVALID packets and has a few anti-spoofing rules stays under it."""

_FILTER_CHAINS = ("INPUT", "FORWARD", "OUTPUT")


def _accepts_established(rule: AstRule) -> bool:
    return rule.target is not None and rule.target.name == "ACCEPT" and \
        accepts_every(rule, "ESTABLISHED")


def first_established_accept(table: Table, start: str) -> tuple[int, AstRule, str] | None:
    """The ESTABLISHED accept that packets entering ``start`` meet after the fewest rules:
    (rules checked before it, the rule, its chain).  A jump counts as one rule, and so do the
    rules above it in every chain on the way (the rules inside a chain jumped to and returned
    from are not counted)."""
    names = table.chain_names
    best: tuple[int, AstRule, str] | None = None
    cost: dict[str, int] = {start: 0}
    queue = [(0, start)]
    while queue:
        entry, name = heapq.heappop(queue)
        if entry > cost.get(name, entry) or (best is not None and entry >= best[0]):
            continue
        chain = table.chain(name)
        if chain is None:
            continue
        for index, rule in enumerate(chain.rules):
            before = entry + index
            if best is not None and before >= best[0]:
                break
            if _accepts_established(rule):
                best = (before, rule, name)
                break
            target = rule.target
            if target is not None and target.name in names and before + 1 < cost.get(target.name, before + 2):
                cost[target.name] = before + 1
                heapq.heappush(queue, (before + 1, target.name))
    return best


class EstablishedAcceptLate(Rule):
    """## What it does
    Finds an INPUT, FORWARD or OUTPUT chain of the filter table whose first
    rule that accepts ESTABLISHED packets (`-m conntrack --ctstate
    ESTABLISHED,RELATED -j ACCEPT` or the `-m state` form) comes after more
    than 10 other rules, and says how many. Rules are counted along the
    shortest way there: the rules above it in its chain, and when it is in a
    user chain, the rules above the jump (and the jump) in each calling chain.

    ## Why is this bad
    Almost every packet a host sees belongs to a connection already accepted.
    Each of them is checked against every rule above that accept, one by one,
    before it is let through: the work grows with the ruleset for no gain, and
    a rule meant for new connections (a rate limit, a LOG, a DROP for a port)
    may catch replies and established traffic by accident. The usual layout
    accepts ESTABLISHED,RELATED first, then handles new connections.

    The threshold is 10 rules: a chain may first accept loopback, drop INVALID
    packets and have a few anti-spoofing rules and stay under it.

    ## Example
    ```
    -A INPUT -s 198.51.100.0/24 -j DROP
    ... 12 more rules for new connections ...
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -s 198.51.100.0/24 -j DROP
    ...
    ```
    Moving it changes which rule counts established packets, and lets through
    established packets a rule above it used to drop: check those rules
    first (there is no automatic fix).

    ## In nftables
    `ct state established,related accept` as the first rule of the chain, or
    a verdict map on `ct state` at the top.
    """

    code = "FW302"
    name = "established-accept-late"
    severity = Severity.INFO

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for table in ruleset.tables:
            if table.name != "filter":
                continue
            late: dict[int, tuple[AstRule, str, list[tuple[str, int]]]] = {}
            for start in _FILTER_CHAINS:
                if table.chain(start) is None:
                    continue
                found = first_established_accept(table, start)
                if found is None or found[0] <= LATE_AFTER:
                    continue
                before, rule, chain = found
                late.setdefault(id(rule), (rule, chain, []))[2].append((start, before))
            why = "every packet of an established connection is checked against them first"
            for rule, chain, starts in late.values():
                hooks = and_list([s for s, _ in starts])
                counts = and_list([str(n) for _, n in starts])
                if [chain] == [s for s, _ in starts]:
                    message = (f"ESTABLISHED packets on {chain} are accepted only after {counts} "
                               f"other rules: {why}; move this rule to the top of {chain}")
                else:
                    message = (f"ESTABLISHED packets on {hooks} are accepted only here, in chain "
                               f"{chain}, after {counts} other rules: {why}; accept them at the "
                               f"top of {hooks}")
                yield self.diagnostic(rule.span, message)
