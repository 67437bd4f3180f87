"""``--family inet``: an IPv4 and an IPv6 ruleset in one ``inet`` table.

Each chain the two families have in common becomes one nft chain.  Its rules are the two
families' rules merged where they agree: a rule both families have at corresponding places
(the longest common run of equal rules, in order) is written once, for both; a rule of one
family only is qualified with that family (``meta nfproto ipv4``) unless one of its parts
already is (``ip saddr``, ``dnat ip to``, ``reject with icmp ...``).  Each family still meets
its own rules in its own order.

A built-in chain whose policy differs between the families (a family without the chain counts
as ACCEPT, with no rules) cannot be one base chain with one policy.  Its base chain (policy
accept) then jumps each family to a chain of its own holding that family's rules
(``meta nfproto vmap { ipv4 : jump filter_input_ipv4, ... }``) and, after the jump, applies the
policy of each family whose policy is not ACCEPT (``meta nfproto ipv4 drop``).  Every way out
of the family's chain that iptables ends with the policy comes back there: running off its
end, RETURN in it, and also a chain reached from it by ``-g`` (or by a ``-g`` from such a chain)
running off its end or returning, since nft goes back to the last ``jump``, as iptables goes
back to the built-in chain.  (With ``goto`` into the family's chain, those last would come back
to the base chain's policy, ACCEPT.)
"""

from __future__ import annotations

import difflib
from typing import Callable

from fwlint.ast import Ruleset
from fwlint.extensions import Registry
from fwlint.nft.emitter import (
    NftChain,
    NftTable,
    Options,
    Translator,
    _chains,
    _tables,
    base_chain_spec,
    finish_table,
)
from fwlint.nft.expr import VERDICT, NftRule, Relation, Statement, Term, Value
from fwlint.nft.names import ChainNames
from fwlint.nft.render import rule_text

FAMILY_NAMES = {4: "ipv4", 6: "ipv6"}


def _policy(ruleset: Ruleset | None, table: str, chain: str) -> str:
    if ruleset is None:
        return "accept"
    for t in _tables(ruleset):
        if t.name == table:
            c = t.chain(chain)
            if c is not None and (c.declared or c.rules):
                return (c.policy or "ACCEPT").lower()
    return "accept"


def translate_inet(rulesets: dict[int, Ruleset], options: Options, registry: Registry | None = None,
                   on_rule: Callable[[int], None] | None = None) -> tuple[NftTable, Translator]:
    """Both families' rulesets (either may be missing) in one inet table."""
    translator = Translator(options, registry, "inet", on_rule)
    keys: list[tuple[str, str, bool]] = []
    present: dict[int, set[tuple[str, str]]] = {}
    for family in (4, 6):
        ruleset = rulesets.get(family)
        present[family] = set()
        if ruleset is None:
            continue
        for table in _tables(ruleset):
            for chain in _chains(table):
                present[family].add((table.name, chain.name))
                key = (table.name, chain.name, chain.builtin)
                if key not in keys:
                    keys.append(key)
    keys = _ordered(keys)
    dispatch = {(t, c) for t, c, builtin in keys if builtin and
                _policy(rulesets.get(4), t, c) != _policy(rulesets.get(6), t, c)}
    names = ChainNames()
    names.assign([(t, c, builtin, None) for t, c, builtin in keys])
    for table, chain in sorted(dispatch):
        base = names.get(table, chain)
        for family in (4, 6):
            if (table, chain) in present[family]:
                names.add((table, chain, family), f"{base}_{FAMILY_NAMES[family]}")

    translated: dict[int, dict[tuple[str, str], list[NftRule]]] = {4: {}, 6: {}}
    for family in (4, 6):
        ruleset = rulesets.get(family)
        if ruleset is None:
            continue
        translator.begin(ruleset)
        for table in _tables(ruleset):
            for chain in _chains(table):
                key = (table.name, chain.name)
                rules: list[NftRule] = []
                for rule in chain.rules:
                    # RETURN in a family's chain is ``return``: back to the base chain, its policy
                    rules.extend(translator.translate_rule(rule, family, table, chain, names))
                translated[family][key] = rules
        translator.leftovers(ruleset)

    chains: list[NftChain] = []
    for table, chain, builtin in keys:
        key = (table, chain)
        name = names.get(table, chain)
        assert name is not None
        if key in dispatch:
            chains.extend(_dispatched(table, chain, name, names, translated, rulesets))
            continue
        nft_chain = NftChain(name, table, chain)
        if builtin:
            nft_chain.base = base_chain_spec(table, chain)
            owner = rulesets.get(4) if key in present[4] else rulesets.get(6)
            nft_chain.policy = _policy(owner, table, chain)
        elif name != chain:
            nft_chain.note = f"iptables chain {chain} (table {table})"
        v4, v6 = translated[4].get(key), translated[6].get(key)
        if v4 is not None and v6 is not None:
            nft_chain.rules = merge_rules(v4, v6)
        else:
            only = 4 if v4 is not None else 6
            rules = v4 if v4 is not None else v6 or []
            if builtin:  # the other family passes the base chain too: qualify
                for rule in rules:
                    rule.family = only
            nft_chain.rules = rules
        chains.append(nft_chain)
    sources = tuple(rulesets[f].path for f in (4, 6) if f in rulesets)
    table = NftTable("inet", options.table, chains, sources=sources)
    finish_table(translator, table)
    return table, translator


def translator_verdict(policy: str) -> Statement:
    return Statement(policy, {policy: None}, VERDICT, verdict=policy)


def _dispatched(table: str, chain: str, name: str, names: ChainNames,
                translated: dict[int, dict[tuple[str, str], list[NftRule]]],
                rulesets: dict[int, Ruleset]) -> list[NftChain]:
    """A base chain jumping each family to its own chain and then applying the family's policy,
    and those chains."""
    base = NftChain(name, table, chain, base=base_chain_spec(table, chain), policy="accept")
    out = [base]
    elements = []
    policies: list[NftRule] = []
    for family in (4, 6):
        policy = _policy(rulesets.get(family), table, chain)
        if policy != "accept":
            policies.append(NftRule([], [translator_verdict(policy)], family=family))
        rules = translated[family].get((table, chain))
        if not rules:  # nothing to jump to: the policy alone
            continue
        own = names.get(table, chain, family)
        assert own is not None
        per_family = NftChain(own, table, chain, family=family,
                              note=f"iptables {table} {chain} for IPv{family} (policy {policy.upper()}, "
                                   f"applied in {name})")
        per_family.rules = list(rules)
        out.append(per_family)
        elements.append((FAMILY_NAMES[family], own))
    base.rules = []
    if elements:
        text = "meta nfproto vmap { " + ", ".join(f"{fam} : jump {own}" for fam, own in elements) + " }"
        data = {"vmap": {"key": {"meta": {"key": "nfproto"}},
                         "data": {"set": [[fam, {"jump": {"target": own}}] for fam, own in elements]}}}
        base.rules.append(NftRule([], [Statement(text, data, VERDICT, verdict="vmap")]))
    base.rules.extend(policies)
    return out


def _merge_key(rule: NftRule, family: int) -> tuple:
    if rule.text_only:
        return ("comment", family, id(rule))
    return ("rule", rule_text(rule, counters=False))


def merge_rules(v4: list[NftRule], v6: list[NftRule]) -> list[NftRule]:
    """The rules of both families in one chain: those they agree on once, in order; the others
    marked with their family, each family's order kept."""
    keys4 = [_merge_key(r, 4) for r in v4]
    keys6 = [_merge_key(r, 6) for r in v6]
    matcher = difflib.SequenceMatcher(None, keys4, keys6, autojunk=False)
    out: list[NftRule] = []
    i = j = 0
    for a, b, size in matcher.get_matching_blocks():
        for rule in v4[i:a]:
            rule.family = 4
            out.append(rule)
        for rule in v6[j:b]:
            rule.family = 6
            out.append(rule)
        for k in range(size):
            both, other = v4[a + k], v6[b + k]
            if both.counters is not None and other.counters is not None:
                both.counters = (both.counters[0] + other.counters[0], both.counters[1] + other.counters[1])
            both.spans = (*both.spans, *other.spans)
            both.family = None
            out.append(both)
        i, j = a + size, b + size
    return out


def _ordered(keys: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    from fwlint.ast import BUILTIN_CHAINS
    from fwlint.nft.emitter import TABLE_ORDER

    def order(key: tuple[str, str, bool]) -> tuple:
        table, chain, builtin = key
        hooks = BUILTIN_CHAINS.get(table, ())
        return (TABLE_ORDER.index(table), 0 if builtin else 1,
                hooks.index(chain) if builtin and chain in hooks else 0)
    return sorted(keys, key=order)  # stable: user chains keep their order


__all__ = ["merge_rules", "translate_inet", "Relation", "Term", "Value"]
