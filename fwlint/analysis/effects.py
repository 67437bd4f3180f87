"""What a rule does besides deciding: effects other packets, later tables or the logs see.

A rule is redundant (FW202) only if removing it changes nothing.  "The rules after it and
the policy decide each of its packets the same way" is not enough when, without it, those
packets would meet a rule with an effect on the way to that decision: a LOG or NFLOG (what is
logged is part of the outcome: an ACCEPT before a LOG is how trusted traffic is kept out of
the logs), a MARK or CONNMARK (read by later tables, routing, other packets of the
connection), a SET, any other target that lets the packet go on, a jump into a chain holding
such a rule, or a match that changes state other packets see (:func:`match_effect`).  And a
rule whose own match has such an effect is never redundant for what comes after it: it runs
for the packets that reach it (it still is when earlier rules take all of them: then it
never runs).

:func:`match_effect` names the matches with effects on other packets: ``recent`` with
``--set``, ``--update``, ``--remove`` or ``--reap`` (the list is shared by ``--name``),
``hashlimit`` (its buckets are shared by ``--hashlimit-name``), ``nfacct`` (the accounting
object and its quota are shared) and ``set`` when the ruleset reads that set's counters
(``--packets-*``/``--bytes-*``) and the match updates them.  ``limit``, ``quota`` and
``statistic --mode nth`` keep state per rule (removing the rule removes its state with it);
``connlimit`` only counts what conntrack holds.

:class:`ChainEffects` gives, per rule of a chain, the packets that may meet its effect (None
when it has none), for fwlint.analysis.findings.
"""

from __future__ import annotations

import bisect
from typing import Any

from fwlint.ast import Match, Rule, Ruleset, Table

_SET_COUNTERS = frozenset({"packets-eq", "packets-lt", "packets-gt", "bytes-eq", "bytes-lt", "bytes-gt"})
_RECENT_WRITES = ("set", "update", "remove", "reap")


def counted_sets(ruleset: Ruleset) -> frozenset[str]:
    """The ipsets whose element counters some set match of the ruleset compares."""
    out: set[str] = set()
    for rule in ruleset.rules():
        for m in rule.matches:
            if m.name != "set":
                continue
            names = [o.values[0] for o in m.options if o.name == "match-set" and o.values]
            if names and any(o.name in _SET_COUNTERS for o in m.options):
                out.update(names)
    return frozenset(out)


def match_effect(match: Match, counted: frozenset[str] = frozenset()) -> str | None:
    """Why evaluating ``match`` changes what other packets (or other rules) see; None when
    it does not.  ``counted``: the sets whose counters the ruleset compares."""
    name = match.name
    if name == "recent":
        written = [o.name for o in match.options if o.name in _RECENT_WRITES]
        if written:
            return f"-m recent --{written[0]} (it changes a list other rules read)"
        return None
    if name == "hashlimit":
        return "-m hashlimit (its buckets are shared by --hashlimit-name)"
    if name == "nfacct":
        return "-m nfacct (it counts into a shared accounting object)"
    if name == "set" and counted:
        if any(o.name == "update-counters" and o.negated for o in match.options):
            return None
        names = {o.values[0] for o in match.options if o.name == "match-set" and o.values}
        if names & counted:
            return "-m set (it updates counters other rules compare)"
    return None


def rule_match_effect(rule: Rule, counted: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """The position among ``rule.matches`` of its last match with an effect, and why; None
    when it has none."""
    found = None
    for k, m in enumerate(rule.matches):
        why = match_effect(m, counted)
        if why is not None:
            found = (k, why)
    return found


def _target_effect(rule: Rule, table: Table, registry: Any, chains: dict[str, bool]) -> bool:
    """The rule's target lets the packet go on with an effect, or jumps to a chain with one
    (``chains``: the chains known so far to have one)."""
    t = rule.target
    if t is None:
        return False
    if t.name in chains:
        return chains[t.name]
    ext = registry.target(t.name)
    if ext is None:
        return True  # refused, or unknown: count it
    return not ext.terminal


def effect_chains(table: Table, registry: Any, counted: frozenset[str]) -> frozenset[str]:
    """The chains of ``table`` holding a rule with an effect, or a jump or goto to such a
    chain (as written: a rule the kernel would refuse counts too, which only loses
    findings)."""
    has: dict[str, bool] = {c.name: False for c in table.chains}
    changed = True
    while changed:
        changed = False
        for c in table.chains:
            if has[c.name]:
                continue
            for rule in c.rules:
                if rule_match_effect(rule, counted) is not None or _target_effect(rule, table, registry, has):
                    has[c.name] = True
                    changed = True
                    break
    return frozenset(name for name, yes in has.items() if yes)


class ChainEffects:
    """The effects of the rules of one analysed chain.

    ``region(j)``: the packets (as they reach rule j) that may meet rule j's effect: its
    ``upper`` for a target with an effect or a jump into a chain with one; for a match with
    an effect, the packets that pass the conditions up to it (iptables tests the address,
    interface and protocol part first, then the matches in order); None when the rule has
    no effect.  ``own(i)``: why rule i's own matches have an effect (None: they have none).
    ``after(i)``: the packets that may meet an effect of some rule after rule i (a superset:
    no header change happens on the way without a rule with an effect first).
    """

    def __init__(self, model: Any, tm: Any, analysis: Any) -> None:
        self.model = model
        self.tm = tm
        self.a = analysis
        self.enc = model.encoding
        self._kinds: list[Any] | None = None
        self._regions: dict[int, Any] = {}
        self._after: tuple[list[int], list[Any]] | None = None

    def _kind(self, j: int) -> Any:
        """None (no effect), "rule" (its target or its jump), or (k, why) for a match."""
        if self._kinds is None:
            counted, chains = _table_facts(self.model, self.tm)
            kinds: list[Any] = []
            for rm in self.a.rules:
                if rm.excluded:
                    kinds.append(None)
                    continue
                own = rule_match_effect(rm.rule, counted)
                if own is not None:
                    kinds.append(own)
                elif rm.jump is not None:
                    kinds.append("rule" if rm.jump in chains else None)
                elif rm.action is not None and rm.action.kind in ("continue", "maybe") \
                        and rm.rule.target is not None:
                    kinds.append("rule")
                else:
                    kinds.append(None)
            self._kinds = kinds
        return self._kinds[j]

    def has(self, j: int) -> bool:
        return self._kind(j) is not None

    def own(self, i: int) -> str | None:
        kind = self._kind(i)
        return kind[1] if isinstance(kind, tuple) else None

    def region(self, j: int) -> Any:
        kind = self._kind(j)
        if kind is None:
            return None
        got = self._regions.get(j)
        if got is None:
            rm = self.a.rules[j]
            if kind == "rule":
                got = rm.upper
            else:
                got = self._prefix(rm.rule, kind[0])
            self._regions[j] = got
        return got

    def _prefix(self, rule: Rule, last: int) -> Any:
        """The packets that pass the rule's built-in part and its matches up to ``last``."""
        from fwlint.analysis.meaning import Refused
        from fwlint.analysis.model import _rule_protocol

        protocol = _rule_protocol(rule)
        out = self.enc.true
        for k, m in enumerate(rule.matches):
            if k > last and m.name != "builtin":
                continue
            try:
                out = out & self.model.match_meaning(m, protocol).upper
            except Refused:
                return self.enc.true  # cannot happen for a rule in the model; be safe
        return out

    def after(self, i: int) -> Any:
        """The union of the regions of the rules after rule ``i``."""
        if self._after is None:
            false = self.enc.false
            indexes = [j for j in range(len(self.a.rules)) if self.has(j)]
            unions: list[Any] = [false] * len(indexes)
            acc = false
            for pos in range(len(indexes) - 1, -1, -1):
                acc = acc | self.region(indexes[pos])
                unions[pos] = acc
            self._after = (indexes, unions)
        indexes, unions = self._after
        pos = bisect.bisect_right(indexes, i)
        return unions[pos] if pos < len(indexes) else self.enc.false


def _table_facts(model: Any, tm: Any) -> tuple[frozenset[str], frozenset[str]]:
    """The sets whose counters the ruleset reads and the table's chains with effects, worked
    out once per table block (kept on the table model)."""
    facts = getattr(tm, "_effect_facts", None)
    if facts is None:
        counted = getattr(model, "_counted_sets", None)
        if counted is None:
            counted = counted_sets(model.ruleset)
            model._counted_sets = counted
        facts = (counted, effect_chains(tm.table, model.registry, counted))
        tm._effect_facts = facts
    return facts
