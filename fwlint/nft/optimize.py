"""``--optimize``: adjacent rules of the same shape merged into one.

Rules that differ only in the value one match compares (``tcp dport 22 accept``, ``tcp dport
80 accept``) become one rule with an anonymous set (``tcp dport { 22, 80 } accept``); rules that
differ in the values of several matches, a concatenation (``ip saddr . tcp dport { 192.0.2.1 .
22, 192.0.2.2 . 80 } accept``); rules that also differ in their verdict, a verdict map (``ip
saddr vmap { 192.0.2.1 : accept, 192.0.2.2 : drop }``).  Comments are kept: the merged rule
keeps a comment they share, else each element carries its rule's.

A merge must not change what happens to any packet:

- the values merged must not overlap (a packet matches at most one of the rules, so one rule
  doing what that rule did is the same), except that rules whose common action ends the chain
  (accept, drop, reject, a NAT, a jump's goto ...) may overlap, the first of them deciding in
  both cases; a verdict map always needs values that do not overlap;
- no rule may keep state between packets (a limit, a quota, a set update): two rules have two
  states, one rule one;
- the actions are verdicts, rejections, NAT and logging (none changes the fields compared);
- the rules are of one family (in an inet table) and none is kept as a comment.

Counters of merged rules are added up.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from fwlint.nft.context import disjoint, merge_overlaps
from fwlint.nft.expr import (
    ACTION,
    TERMINAL,
    VERDICT,
    NftRule,
    Relation,
    Statement,
    Term,
    Value,
    element_json,
    quote,
)

_VMAP_VERDICTS = ("accept", "drop", "return", "jump", "goto")


def _mergeable(rule: NftRule) -> bool:
    if rule.text_only:
        return False
    for part in rule.parts:
        if isinstance(part, Statement):
            return False  # limit, quota, set updates: state of their own
    for action in rule.actions:
        if action.stateful:
            return False
        if action.kind in (VERDICT, TERMINAL):
            continue
        if action.kind == ACTION and action.text.startswith("log"):
            continue
        return False
    return True


def _ends_chain(rule: NftRule) -> bool:
    return any(a.kind == TERMINAL or (a.kind == VERDICT and a.verdict in ("accept", "drop", "return",
                                                                         "goto", "queue", "vmap"))
               for a in rule.actions)


def _single_verdict(rule: NftRule) -> bool:
    return len(rule.actions) == 1 and rule.actions[0].kind == VERDICT and \
        rule.actions[0].verdict in _VMAP_VERDICTS


def _differences(a: NftRule, b: NftRule) -> tuple[frozenset[int], bool] | None:
    """The indexes of the relations whose values differ, and whether the verdicts differ; None
    when the two rules are not of one shape."""
    if len(a.parts) != len(b.parts) or a.family != b.family or a.counter != b.counter:
        return None
    diff = set()
    for i, (p, q) in enumerate(zip(a.parts, b.parts)):
        if not isinstance(p, Relation) or not isinstance(q, Relation):
            return None
        if p.left.text != q.left.text or p.op != q.op:
            return None
        if p.right.text != q.right.text:
            if p.op != "==" or p.right.wildcard or q.right.wildcard:
                return None
            diff.add(i)
    actions_a = [s.text for s in a.actions]
    actions_b = [s.text for s in b.actions]
    verdicts_differ = actions_a != actions_b
    if verdicts_differ and not (_single_verdict(a) and _single_verdict(b)):
        return None
    if not diff:
        return None
    return frozenset(diff), verdicts_differ


def _elements(rule: NftRule, index: int) -> list[Value]:
    right = rule.parts[index].right  # type: ignore[union-attr]
    return list(right.elements) if right.is_set else [right]


def _key_values(run: Sequence[NftRule], indexes: list[int]) -> list[list[Value]] | None:
    """The key of each rule: for one index the values of its set, for several the one value of
    each (a concatenation); None when a rule has several values at a concatenated index."""
    keys = []
    for rule in run:
        if len(indexes) == 1:
            keys.append(_elements(rule, indexes[0]))
        else:
            values = []
            for i in indexes:
                right = rule.parts[i].right  # type: ignore[union-attr]
                if right.is_set:
                    return None
                values.append(right)
            keys.append([_concat(values)])
    return keys


def _concat(values: Sequence[Value]) -> Value:
    extent = None
    return Value(" . ".join(v.text for v in values), {"concat": [v.json for v in values]}, extent,
                 "concat:" + ",".join(v.kind for v in values), (), False)


def _concat_disjoint(run: Sequence[NftRule], indexes: list[int]) -> bool:
    """No packet matches two rules' tuples: for each pair, some component does not overlap."""
    for x in range(len(run)):
        for y in range(x + 1, len(run)):
            if not any(disjoint([run[x].parts[i].right, run[y].parts[i].right])  # type: ignore[union-attr]
                       for i in indexes):
                return False
    return True


def _run_ok(run: Sequence[NftRule], indexes: list[int], vmap: bool) -> bool:
    if len(indexes) == 1:
        values = [v for rule in run for v in _elements(rule, indexes[0])]
        if disjoint(values):
            return True
        if vmap or not all(_ends_chain(r) for r in run):
            return False
        # overlapping values of rules that end the chain with one action: their union
        return len({r.comment for r in run}) == 1 and all(v.extent for v in values)
    return _concat_disjoint(run, indexes)


def _merge(run: Sequence[NftRule], indexes: list[int], vmap: bool) -> NftRule:
    first = run[0]
    keys = _key_values(run, indexes)
    assert keys is not None
    comments = {r.comment for r in run}
    shared_comment = first.comment if len(comments) == 1 else None
    lefts = [first.parts[i].left for i in indexes]  # type: ignore[union-attr]
    if len(lefts) == 1:
        left = lefts[0]
    else:
        left = Term(" . ".join(t.text for t in lefts), {"concat": [t.json for t in lefts]},
                    next((t.family for t in lefts if t.family), None), None)
    entries: list[tuple[Value, str | None, NftRule]] = []
    for rule, values in zip(run, keys):
        for value in values:
            entries.append((value, None if shared_comment is not None or len(comments) == 1 else rule.comment,
                            rule))
    if len(indexes) == 1 and not vmap and not disjoint([e[0] for e in entries]):
        merged = merge_overlaps([e[0] for e in entries])
        entries = [(v, None, first) for v in merged]
    rest = [p for i, p in enumerate(first.parts) if i not in indexes[1:]]
    position = indexes[0]
    counters = None
    if first.counter:
        counters = (sum((r.counters or (0, 0))[0] for r in run), sum((r.counters or (0, 0))[1] for r in run))
    if vmap:
        element_texts = [_element_text(v, c) + f" : {r.actions[0].text}" for v, c, r in entries]
        element_data = [[element_json(v, c), r.actions[0].json] for v, c, r in entries]
        text = f"{left.text} vmap {{ " + ", ".join(element_texts) + " }"
        data = {"vmap": {"key": left.json, "data": {"set": element_data}}}
        rest.pop(position)
        statement = Statement(text, data, VERDICT, verdict="vmap")
        return NftRule(rest, [statement], comment=shared_comment, counters=counters, counter=first.counter,
                       source=first.source, spans=tuple(s for r in run for s in r.spans), family=first.family)
    if len(entries) == 1 and entries[0][1] is None:
        right = entries[0][0]
    else:
        element_texts = [_element_text(v, c) for v, c, _ in entries]
        element_data = [element_json(v, c) for v, c, _ in entries]
        right = Value("{ " + ", ".join(element_texts) + " }", {"set": element_data}, None,
                      entries[0][0].kind, tuple(v for v, _, _ in entries))
    rest[position] = Relation(left, "==", right)
    return replace(first, parts=rest, comment=shared_comment, counters=counters,
                   spans=tuple(s for r in run for s in r.spans))


def _element_text(value: Value, comment: str | None) -> str:
    if comment is None:
        return value.text
    return f"{value.text} comment {quote(comment.replace(chr(34), chr(39)))}"


def optimize_chain(rules: list[NftRule]) -> list[NftRule]:
    """The chain's rules with each longest run of mergeable rules of one shape merged."""
    out: list[NftRule] = []
    i = 0
    while i < len(rules):
        first = rules[i]
        if not _mergeable(first) or i + 1 >= len(rules) or not _mergeable(rules[i + 1]):
            out.append(first)
            i += 1
            continue
        shape = _differences(first, rules[i + 1])
        if shape is None:
            out.append(first)
            i += 1
            continue
        indexes, vmap = sorted(shape[0]), shape[1]
        if vmap and not all(_single_verdict(r) for r in (first, rules[i + 1])):
            out.append(first)
            i += 1
            continue
        j = i + 2
        while j < len(rules) and _mergeable(rules[j]):
            other = _differences(first, rules[j])
            if other is None or not other[0] <= shape[0] or (other[1] and not vmap):
                break
            if vmap and not _single_verdict(rules[j]):
                break
            j += 1
        # the longest prefix of the run the values allow
        end = j
        while end - i >= 2 and (_key_values(rules[i:end], indexes) is None
                                or not _run_ok(rules[i:end], indexes, vmap)):
            end -= 1
        if end - i < 2:
            out.append(first)
            i += 1
            continue
        out.append(_merge(rules[i:end], indexes, vmap))
        i = end
    return out
