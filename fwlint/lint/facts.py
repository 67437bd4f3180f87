"""Facts about a ruleset that several rules need, computed once per ruleset."""

from __future__ import annotations

import difflib
import ipaddress

from fwlint.ast import BUILTIN_CHAINS, Chain, Match, Rule, Table
from fwlint.extensions import Registry
from fwlint.lint.rule import Context


def chains_by_name(ctx: Context, table: Table) -> dict[str, Chain]:
    """The chains of ``table`` by name (computed once per table)."""
    return ctx.memo(("chains", id(table)), lambda: {c.name: c for c in table.chains})


def jump_candidates(ctx: Context, table: Table) -> frozenset[str]:
    """Every name a -j/-g may give in ``table``: its chains and every known target."""
    return ctx.memo(("jump-names", id(table)),
                    lambda: frozenset(ctx.registry.targets) | frozenset(chains_by_name(ctx, table)))


def chain_callers(ctx: Context, table: Table) -> dict[str, frozenset[str]]:
    """For each chain of ``table``, the built-in chains from which it can be reached."""
    def compute() -> dict[str, frozenset[str]]:
        names = table.chain_names
        edges: dict[str, set[str]] = {c.name: set() for c in table.chains}
        for c in table.chains:
            for r in c.rules:
                if r.target is not None and r.target.name in names:
                    edges[c.name].add(r.target.name)
        reach: dict[str, set[str]] = {name: set() for name in names}
        for root in BUILTIN_CHAINS.get(table.name, ()):
            if root not in edges:
                continue
            stack, seen = [root], {root}
            while stack:
                cur = stack.pop()
                reach[cur].add(root)
                for nxt in edges.get(cur, ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
        return {k: frozenset(v) for k, v in reach.items()}
    return ctx.memo(("callers", id(table)), compute)


def reachable_chains(table: Table, start: str) -> list[str]:
    """``start`` and every chain it can jump or go to, in the order first met."""
    names = table.chain_names
    order, seen, stack = [], {start}, [start]
    while stack:
        cur = stack.pop()
        order.append(cur)
        chain = table.chain(cur)
        if chain is None:
            continue
        for r in chain.rules:
            t = r.target
            if t is not None and t.name in names and t.name not in seen:
                seen.add(t.name)
                stack.append(t.name)
    return order


_EVERYTHING_V4 = ipaddress.ip_network("0.0.0.0/0")
_EVERYTHING_V6 = ipaddress.ip_network("::/0")


def _always_true(m: Match) -> bool:
    if m.name == "comment":
        return True
    if m.name != "builtin":
        return False
    for opt in m.options:
        if opt.negated or not opt.values:
            return False
        value = opt.values[0]
        if opt.name == "protocol" and value.lower() in ("all", "0"):
            continue
        if opt.name in ("source", "destination"):
            try:
                net = ipaddress.ip_network(value, strict=False)
            except ValueError:
                return False
            if net.prefixlen == 0:
                continue
            return False
        if opt.name in ("in-interface", "out-interface") and value == "+":
            continue
        return False
    return True


def is_unconditional(rule: Rule) -> bool:
    """True when every match of the rule matches every packet (or it has none)."""
    return not rule.unclaimed and all(_always_true(m) for m in rule.matches)


def ends_traversal(rule: Rule, registry: Registry) -> bool:
    """True when a packet this rule matches never reaches the next rule of the chain."""
    t = rule.target
    if t is None:
        return False
    if t.goto:
        return True
    ext = registry.target(t.name)
    if ext is None:
        return False
    if t.name == "NFQUEUE" and t.option("queue-bypass") is not None:
        return False
    return ext.terminal


def close_names(word: str, candidates: set[str] | frozenset[str]) -> list[str]:
    """Candidates ``word`` is probably a misspelling of: same letters in another case, or a
    small edit away."""
    lower = word.lower()
    same_case = sorted(c for c in candidates if c.lower() == lower and c != word)
    if same_case:
        return same_case
    if len(word) < 3:
        return []
    out = []
    for c in candidates:
        if c == word or abs(len(c) - len(word)) > 2:
            continue
        d = _distance(lower, c.lower())
        limit = 1 if len(word) <= 4 else 2
        if d <= limit:
            out.append((d, c))
    if not out:
        ratio = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.85)
        return ratio
    best = min(d for d, _ in out)
    return sorted(c for d, c in out if d == best)


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count as one edit)."""
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]
