"""What the model proves about each rule: FW201-FW204, computed once per ruleset.

For each chain, in rule order, a rule gets at most one finding, the first that applies:

1. FW203 ``unreachable-after-catch-all``: an earlier rule of the chain takes every packet
   whatever the context (``-j DROP``, ``-p all -j DROP``, a jump to a chain that decides
   everything).
2. FW204 ``duplicate-rule``: an earlier rule of the same segment (no header change in between)
   takes exactly the same packets and does exactly the same (exact meanings compared as BDDs;
   a rule with an approximated match must also be written the same way).
3. FW201 ``shadowed-rule`` / FW202 ``redundant-rule``: the rule can never match where it stands.
   FW201 when some of its packets surely get another outcome from the earlier rules, FW202
   when every one of them surely gets the same outcome (removing it changes nothing).
4. FW202 ``redundant-rule``: the rule can match, but the rules after it and the chain's end
   would decide each of its packets the same way.

So a rule never gets FW201, FW203 and FW204 for the same reason.  FW203 and FW204 hold
whatever jumps into the chain; FW201 and FW202 use what the callers can send (a chain nothing
jumps to gets neither).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from fwlint.analysis.effects import ChainEffects
from fwlint.analysis.model import (
    ChainAnalysis,
    Model,
    RuleModel,
    TableModel,
    describe_target,
    return_label,
    rule_outcome,
    same_rule_key,
)
from fwlint.lint.facts import is_unconditional

FOLLOW_BUDGET = 64
"""How many later rules a rule's packets are followed through (to see whether they would be
decided the same way without it) before one backward pass over the chain decides instead."""

_TOO_FAR = object()

LINEAR_SCAN = 64
"""A shadowed rule with at most this many rules before it in its segment has them scanned one
by one for the rules that take its packets; past that, the reach sets are bisected."""

ALSO_SCAN = 64
"""How many rules before a shadowed one are looked at for "would take them all too"."""

NAMED_AHEAD = 64
"""How far ahead a redundant rule's message looks for the rules that take its packets when
the backward pass (not a forward walk) proved it."""


@dataclass
class Finding:
    """One proven fact about a rule, with the rules that cause it.

    ``kind``: "catch-all" (FW203), "duplicate" (FW204), "shadowed" and "shadowed-by-callers"
    (FW201), "redundant-earlier", "redundant-by-callers" and "redundant-later" (FW202).
    ``blockers``: the rules that take its packets (earlier ones; for "redundant-later" the
    later ones; for "...-by-callers" the jumps to its chain, whose conditions leave its packets
    out); ``also``: other earlier rules that would each take them all on their own.
    ``packets``: the packets the finding is about, as a BDD (for "shadowed" and
    "redundant-earlier": the packets the rule matches at the start of its segment, none of
    which reaches it; for "...-by-callers": the packets it matches, none of which is sent to
    its chain; for "redundant-later": the packets it takes, which the rest of the chain would
    decide the same way).
    ``to_policy``: for "redundant-later", some of them would reach the chain's end.
    """

    code: str
    kind: str
    analysis: ChainAnalysis
    rule: RuleModel
    message: str
    blockers: list[RuleModel] = field(default_factory=list)
    also: list[RuleModel] = field(default_factory=list)
    packets: Any = None
    outcome: str | None = None
    to_policy: bool = False
    approximations: tuple[str, ...] = ()

    @property
    def related(self) -> list[Any]:
        return [b.rule.span for b in (*self.blockers, *self.also)]


_VERBS = {"ACCEPT": ("accepts", "accepted"), "DROP": ("drops", "dropped"),
          "REJECT": ("rejects", "rejected"), "RETURN": ("returns", "returned"),
          "QUEUE": ("queues", "queued"), "NFQUEUE": ("queues", "queued")}


def _verbs(outcome: str | None) -> tuple[str, str] | None:
    if outcome is None:
        return None
    return _VERBS.get(outcome.split()[0])


def _shown(rm: RuleModel) -> str:
    return f"{rm.line} ({describe_target(rm.rule)})"


def _lines(rules: list[RuleModel], one: str = "the rule at line", many: str = "the rules at lines") -> str:
    items = [_shown(r) for r in sorted(rules, key=lambda r: (r.line, r.index))]
    if len(items) == 1:
        return f"{one} {items[0]}"
    return f"{many} {', '.join(items[:-1])} and {items[-1]}"


def _approx_note(approx: list[str]) -> str:
    return f" [approximated: {', '.join(approx)}]" if approx else ""


def _collect_approx(*groups: Any) -> list[str]:
    out: list[str] = []
    for group in groups:
        for a in group:
            if a not in out:
                out.append(a)
    return out


class _ChainFindings:
    def __init__(self, model: Model, tm: TableModel, a: ChainAnalysis) -> None:
        self.model = model
        self.tm = tm
        self.a = a
        self.enc = model.encoding
        self._next_index: dict[tuple[str, bool], list[int]] = {}
        self._inexact: list[int] | None = None
        self._follow_tables: tuple[list[Any], list[bool], list[Any]] | None = None
        self._givers: dict[str, list[int]] = {}
        self.effects = ChainEffects(model, tm, a)  # what rules do besides deciding


    def run(self) -> list[Finding]:
        a, enc = self.a, self.enc
        false = enc.false
        by_index: dict[int, Finding] = {}
        catch_all: RuleModel | None = None
        keys: dict[tuple, RuleModel] = {}
        segment = -1
        live: list[int] = []
        for i, rm in enumerate(a.rules):
            if rm.excluded:
                continue
            if a.segment[i] != segment:
                segment = a.segment[i]
                keys = {}
            key = self.duplicate_key(rm)
            first = keys.get(key)
            if first is None:
                keys[key] = rm
            if catch_all is not None:
                by_index[i] = self.catch_all(rm, catch_all)
                continue
            if first is not None and self.effects.own(i) is None:  # else it has its own effect
                by_index[i] = Finding("FW204", "duplicate", a, rm,
                                      f"duplicate of the rule at line {first.line} in {a.name}",
                                      blockers=[first])
                continue
            live.append(i)
            # a catch-all leaves nothing to the next rule, from the whole packet space
            if a.free_reach(i + 1) == false and enc.ask.within(enc.universe, a.kill[i]):
                catch_all = rm
        if a.entry != false:
            candidates: list[tuple[int, Any, str]] = []
            for i in live:
                rm = a.rules[i]
                if a.takes_nothing(i):
                    if not enc.ask.disjoint(rm.upper, enc.universe):  # else its own conditions contradict
                        found = self.dead(i, rm)
                        if found is not None:
                            by_index[i] = found
                    continue
                outcome = rule_outcome(rm, a.chain)
                if outcome is None or self.effects.own(i) is not None:
                    continue  # no outcome, or its match has an effect the rules after lack
                candidates.append((i, None, outcome))
            # Rules never reached are left out when following a rule's packets, if they give the
            # same outcome: without the rule they might take some, and decide them the same way.
            # So a rule whose copy (FW204) or a rule after it (FW201...) would only repeat it is
            # not called redundant because of that copy: reporting both invites deleting both.
            never_reached = set(by_index)
            later: list[Finding] = []
            absent: dict[str, set[int]] = {}
            for i, hit, outcome in candidates:
                if outcome not in absent:
                    absent[outcome] = {j for j in never_reached
                                       if rule_outcome(a.rules[j], a.chain) == outcome}
                found = self.redundant_later(i, a.rules[i], hit, outcome, absent[outcome])
                if found is not None and not any(b.index in never_reached for b in found.blockers):
                    if absent[outcome]:
                        copies = {j for j in absent[outcome] if by_index[j].code in ("FW203", "FW204")}
                        if copies != absent[outcome]:
                            found = self.deciders(i, found, outcome, copies)
                    later.append(found)
            for found in later:
                by_index[found.rule.index] = found
        return [by_index[i] for i in sorted(by_index)]

    # --- FW203 ------------------------------------------------------------------------------

    def catch_all(self, rm: RuleModel, blocker: RuleModel) -> Finding:
        how = "with no conditions" if is_unconditional(blocker.rule) else \
            "whose conditions every packet meets"
        shown = describe_target(blocker.rule)
        if blocker.jump is not None and not blocker.goto:
            how += f"; {blocker.jump} decides every packet"
        message = (f"unreachable: the rule at line {blocker.line} ({shown} {how}) takes every "
                   f"packet in {self.a.name} before it gets here")
        return Finding("FW203", "catch-all", self.a, rm, message, blockers=[blocker])

    # --- FW204 ------------------------------------------------------------------------------

    def duplicate_key(self, rm: RuleModel) -> tuple:
        if rm.jump is not None:
            action: tuple = ("jump", rm.jump, rm.goto)
        elif rm.action.kind in ("decide", "return"):
            action = (rm.action.kind, rm.action.outcome)
        else:
            t = rm.rule.target
            action = ("continue", same_rule_key(rm.rule, self.model.registry, self.model.family)[1]
                      if t is not None else None)
        if rm.exact:
            return (action, int(rm.upper))
        return (action, "approximated", same_rule_key(rm.rule, self.model.registry, self.model.family))

    # --- FW201 / FW202 ----------------------------------------------------------------------

    def dead(self, i: int, rm: RuleModel) -> Finding | None:
        a, enc = self.a, self.enc
        false, ask = enc.false, enc.ask
        start = a.segment[i]
        P = a.segment_entry(i) & rm.upper
        if P == false:
            if start == 0 and not a.chain.builtin and a.callers:
                # its packets never come here: the jumps' conditions leave them out
                callers = sorted(a.callers, key=lambda r: (r.line, r.index))
                lines = ", ".join(str(c.line) for c in callers)
                word = "line" if len(callers) == 1 else "lines"
                message = (f"never matches: no packet that reaches {a.name} can match it "
                           f"(the jumps to {a.name} at {word} {lines} send it none)")
                outcome = rule_outcome(rm, a.chain)
                if outcome == "RETURN" and (self.effects.own(i) is None
                                            or not a.meets(i, self.effects.region(i))):
                    # returning what never comes changes nothing, harmlessly
                    return Finding("FW202", "redundant-by-callers", a, rm,
                                   "redundant: " + message[len("never matches: "):],
                                   blockers=callers, packets=rm.upper & enc.universe, outcome=outcome,
                                   approximations=rm.approximations)
                return Finding("FW201", "shadowed-by-callers", a, rm, message, blockers=callers,
                               packets=rm.upper & enc.universe, outcome=outcome,
                               approximations=rm.approximations)
            return None
        # The rules before it in the segment that first take some of P (in order: with the
        # pruning below, a minimal cover), and the outcomes P's packets may get on the way.
        ret_label = return_label(a.chain)
        possible: dict[str, Any] = {}
        if i - start <= LINEAR_SCAN:
            chosen: list[int] = []
            left = P
            for j in range(start, i):
                if left == false:
                    break
                other = a.rules[j]
                if other.excluded or ask.disjoint(left, other.upper):
                    continue
                t = left & other.upper
                self.note_outcomes(possible, other, t, ret_label)
                if not ask.disjoint(a.kill[j], left):
                    chosen.append(j)
                    left = left & ~a.kill[j]
            if left != false or not chosen:
                return None  # cannot happen in a segment (its kills cover P); be safe
        else:
            chosen = self.first_takers(P, start, i)
            if not chosen:
                return None
            for j in sorted(set(chosen) | {k for k in self.inexact() if start <= k < i}):
                t = (a.free_reach(j) & P) & a.rules[j].upper
                if t != false:
                    self.note_outcomes(possible, a.rules[j], t, ret_label)
        cover = self.prune(P, chosen)
        outcome = rule_outcome(rm, a.chain)
        same = possible.get(outcome, false) if outcome is not None else false
        surely_other = P & ~same
        if surely_other != false and not any(self.differs(j, outcome, P) for j in cover):
            extra = next((j for j in chosen if self.differs(j, outcome, surely_other)
                          and not ask.disjoint(a.kill[j], surely_other)), None)
            if extra is not None:
                cover = self.prune(P, sorted({*cover, extra}), keep=extra)
        blockers = [a.rules[j] for j in cover]
        also = self.alternatives(P, start, i, cover)
        approx = _collect_approx(rm.approximations, *(b.approximations for b in blockers),
                                 *(self.chain_approx(b) for b in blockers))
        if surely_other == false and self.effects.own(i) is not None and \
                a.meets(i, self.effects.region(i)):
            return None  # it never matches, but its match with an effect runs for some packets
        if surely_other != false:
            message = "shadowed: every packet it matches is taken first by " + _lines(blockers)
            code, kind = "FW201", "shadowed"
        else:
            verbs = _verbs(outcome)
            done = f"{verbs[1]} earlier" if verbs else "decided the same way earlier"
            message = f"redundant: every packet it matches is {done}, by " + _lines(blockers)
            code, kind = "FW202", "redundant-earlier"
        if also:
            message += "; " + _lines(also) + (" would take them all too" if len(also) == 1
                                               else " would each take them all too")
        message += _approx_note(approx)
        return Finding(code, kind, a, rm, message, blockers=blockers, also=also,
                       packets=P, outcome=outcome, approximations=tuple(approx))

    def first_takers(self, P: Any, start: int, end: int) -> list[int]:
        """The rules of start..end-1 where the part of P that reaches them shrinks, found by
        bisection over the reach sets (within a segment each rule takes its kill off)."""
        a, false = self.a, self.enc.false
        seen: dict[int, Any] = {start: P, end: false}

        def left_at(k: int) -> Any:
            u = seen.get(k)
            if u is None:
                u = seen[k] = a.free_reach(k) & P
            return u

        out: list[int] = []
        stack = [(start, end)]
        while stack:
            lo, hi = stack.pop()
            if left_at(lo) == left_at(hi):
                continue
            if hi - lo == 1:
                out.append(lo)
                continue
            mid = (lo + hi) // 2
            stack.append((mid, hi))
            stack.append((lo, mid))
        return sorted(out)

    def inexact(self) -> list[int]:
        """Rules that may decide packets they do not surely take: approximated deciding rules,
        "maybe" targets, jumps (their outcomes come from the chain jumped to)."""
        if self._inexact is None:
            self._inexact = [k for k, rm in enumerate(self.a.rules) if not rm.excluded and (
                rm.jump is not None or (rm.action.kind == "maybe")
                or (rm.action.kind in ("decide", "return") and not rm.exact))]
        return self._inexact

    def alternatives(self, P: Any, start: int, end: int, cover: list[int]) -> list[RuleModel]:
        """Other earlier rules of the segment that would take all of P on their own (the
        nearest ALSO_SCAN rules before the shadowed one are looked at)."""
        a, false = self.a, self.enc.false
        out = []
        for j in range(max(start, end - ALSO_SCAN), end):
            if j in cover or a.rules[j].excluded or a.kill[j] == false:
                continue
            if self.enc.ask.within(P, a.kill[j]):
                out.append(a.rules[j])
        return out

    def note_outcomes(self, possible: dict[str, Any], rm: RuleModel, t: Any, ret_label: str) -> None:
        """Record the outcomes rule ``rm`` may give the packets ``t`` it may take."""
        false = self.enc.false

        def add(label: str, u: Any) -> None:
            if u != false:
                possible[label] = possible.get(label, false) | u

        if rm.jump is not None:
            summary = self.tm.summaries[rm.jump]
            for label in summary.labels:
                add(label, t if summary.coarse else t & summary.may_decide[label])
            if rm.goto:
                add(ret_label, t if summary.coarse else t & summary.may_return)
        elif rm.action.kind in ("decide", "maybe"):
            add(rm.action.outcome, t)
        elif rm.action.kind == "return":
            add(ret_label, t)

    def chain_approx(self, rm: RuleModel) -> tuple[str, ...]:
        if rm.jump is None:
            return ()
        return self.tm.summaries[rm.jump].approximations

    def prune(self, P: Any, chosen: list[int], keep: int | None = None) -> list[int]:
        a, false = self.a, self.enc.false
        out = list(chosen)
        for j in sorted(chosen, key=lambda j: -j):
            if j == keep or len(out) == 1:
                continue
            rest = [k for k in out if k != j]
            covered = false
            for k in rest:
                covered |= a.kill[k]
            if self.enc.ask.within(P, covered):
                out = rest
        return sorted(out)

    def differs(self, j: int, outcome: str | None, P: Any) -> bool:
        """Rule j may give some packet of P an outcome other than ``outcome``."""
        rm = self.a.rules[j]
        t = P & rm.upper
        if rm.jump is not None:
            summary = self.tm.summaries[rm.jump]
            if summary.coarse:
                return any(label != outcome for label in summary.labels) or (
                    rm.goto and return_label(self.a.chain) != outcome)
            ask = self.enc.ask
            if any(label != outcome and not ask.disjoint(t, u) for label, u in summary.may_decide.items()):
                return True
            return rm.goto and return_label(self.a.chain) != outcome and \
                not ask.disjoint(t, summary.may_return)
        return rule_outcome(rm, self.a.chain) != outcome

    def redundant_later(self, i: int, rm: RuleModel, hit: Any, outcome: str,
                        absent: set[int] = frozenset()) -> Finding | None:
        """FW202 when the rules after rule ``i`` and the chain's end surely decide every packet
        it may take (``hit``) with its outcome.  The packets are followed forward, which
        usually stops within a few rules at one that may decide some of them otherwise (and
        names the rules that take them); past FOLLOW_BUDGET rules, one backward pass for the
        outcome (computed once per chain and outcome) decides, and the rules named are those
        among the next few that take some of the packets."""
        a = self.a
        if a.return_label != outcome and not self.may_meet_later(i, outcome):
            return None  # no later rule that could decide its packets its way meets them, and
            # the end does not decide them so: some reach another outcome
        if self.next_other(outcome)[i] > i + FOLLOW_BUDGET:
            checked: Any = _TOO_FAR  # nothing to stop the walk soon: the backward pass is cheaper
        else:
            checked = self.follow(i, outcome, absent)
        if checked is None:
            return None
        hit = a.hit(i)
        if checked is _TOO_FAR:
            sure = a.sure_after(i)
            if not self.enc.ask.within(hit, sure):
                return None
            if not self.enc.ask.disjoint(hit, self.effects.after(i)):
                return None  # without it, some may meet a rule with an effect on the way
            takers, to_end, approx = self.name_later(i, hit, outcome)
        else:
            takers, to_end, approx = checked
        return self.redundant_finding(rm, hit, outcome, takers, to_end,
                                      _collect_approx(rm.approximations, approx))

    def deciders(self, i: int, found: Finding, outcome: str, copies: set[int]) -> Finding:
        """``found`` (proven with the never-reached rules of its outcome left out) naming the
        rules that would decide its packets without rule ``i`` as the chain stands: the
        shadowed ones included, since they would take the packets first, but not the copies
        (FW203, FW204): a rule is not called redundant because of its own copy."""
        again = self.follow(i, outcome, copies)
        if not isinstance(again, tuple):
            return found
        takers, to_end, approx = again
        if [b.index for b in takers] == [b.index for b in found.blockers] and to_end == found.to_policy:
            return found
        return self.redundant_finding(found.rule, found.packets, outcome, takers, to_end,
                                      _collect_approx(found.rule.approximations, approx))

    def may_meet_later(self, i: int, outcome: str) -> bool:
        """Some rule after rule ``i`` that could give its packets ``outcome`` (``_may_give``, the
        rules ``next_same`` points at) may match one of the packets rule ``i`` may match: one
        question per such rule, asked of the rule's own packets (its ``upper``), without
        building anything.  When none
        does, the packets rule ``i`` takes would, without it, go on to another outcome or to the
        chain's end, whatever ``follow`` would find on the way.  At most FOLLOW_BUDGET such rules
        are asked (more: True, and ``follow`` or the backward pass decides), so that a long chain
        of rules with one outcome costs no question per pair of its rules."""
        a = self.a
        givers = self._givers.get(outcome)
        if givers is None:
            givers = self._givers[outcome] = [k for k in range(len(a.rules)) if self._may_give(k, outcome, True)]
        start = bisect.bisect_right(givers, i)
        if start == len(givers):
            return False
        if len(givers) - start > FOLLOW_BUDGET:
            return True
        protocols, _, outside = self.follow_tables()
        rm = a.rules[i]
        protocol = rm.protocol
        ask = self.enc.ask
        key = ask.key(rm.upper)
        for j in givers[start:]:
            other = protocols[j]
            if protocol is not None and other is not None and other is not False and other != protocol:
                continue  # another protocol: no packet in common
            if self.effects.has(j) or outside[j] is None:
                return True  # its key stands for its effect's packets, not its own: follow decides
            if not ask.within_keys(key, outside[j]):
                return True
        return False

    def _may_give(self, k: int, outcome: str, same: bool) -> bool:
        """Rule ``k`` could give the packets it takes ``outcome`` (``same``) or another outcome:
        a deciding rule with it (with another), a jump, a header change."""
        rm = self.a.rules[k]
        if rm.excluded:
            return False
        if rm.jump is not None or (rm.action.steps and rm.action.kind in ("continue", "maybe")):
            return True
        if rm.action.kind in ("decide", "return", "maybe"):
            label = self.a.return_label if rm.action.kind == "return" else rm.action.outcome
            return (label == outcome) == same
        return False

    def next_same(self, outcome: str) -> list[int]:
        """For each rule, the index of the next rule after it that could give its packets
        ``outcome`` (a deciding rule with it, a jump, a header change); the number of rules
        when there is none."""
        return self._next_deciding(outcome, True)

    def next_other(self, outcome: str) -> list[int]:
        """For each rule, the index of the next rule after it that could give its packets an
        outcome other than ``outcome`` (a deciding rule with another, a jump, a header change);
        the number of rules when there is none."""
        return self._next_deciding(outcome, False)

    def _next_deciding(self, outcome: str, same: bool) -> list[int]:
        cached = self._next_index.get((outcome, same))
        if cached is None:
            a = self.a
            n = len(a.rules)
            cached = [n] * n
            nxt = n
            for k in range(n - 1, -1, -1):
                cached[k] = nxt
                if self._may_give(k, outcome, same):
                    nxt = k
            self._next_index[(outcome, same)] = cached
        return cached

    def follow(self, i: int, outcome: str, absent: set[int] = frozenset()
               ) -> tuple[list[RuleModel], bool, list[str]] | None | object:
        """Follow the packets rule ``i`` may take (its hit set, as they reach rule i + 1)
        through the rest of the chain, the rules in ``absent`` left out: None as soon as some
        of them may get another outcome, else the rules that take them, whether some reach the
        chain's end, and the approximations involved (_TOO_FAR past FOLLOW_BUDGET rules).

        The walk runs on the rule's own packets (a small superset of the hit set) to skip the
        rules that cannot meet them; only a rule that meets them is tested against the packets
        that really reach rule i (``ChainAnalysis.within``), less what the rules with the same
        outcome before it took.  A jump or a header change switches to following the hit set
        exactly (``_follow_exact``)."""
        a, false = self.a, self.enc.false
        ask = self.enc.ask
        upper = a.rules[i].upper
        protocol = a.rules[i].protocol
        coarse = upper
        pending: list[Any] = []  # lowers of same-outcome rules passed, not yet taken off
        takers: list[RuleModel] = []
        approx: list[str] = []
        steps = 0

        def exact_now() -> Any:
            x = a.hit(i)
            for k in pending:
                x = x & ~k
            return x

        protocols, active, outside = self.follow_tables()
        within_keys = ask.within_keys
        coarse_key = None if coarse == false else ask.key(coarse)
        rules = a.rules
        for j in range(i + 1, len(rules)):
            if coarse_key is None:
                break
            if j in absent and not self.effects.has(j):  # never reached: but its effect would be
                continue
            other_protocol = protocols[j]
            if other_protocol is False:  # left out of the model
                continue
            steps += 1
            if steps > FOLLOW_BUDGET:
                return _TOO_FAR
            if protocol is not None and other_protocol is not None and other_protocol != protocol:
                continue
            if not active[j]:
                continue  # a rule without a target: it decides nothing and changes nothing
            if within_keys(coarse_key, outside[j]):  # no packet of coarse it may match
                continue
            effect = self.effects.region(j)
            if effect is not None and a.meets_both(i, coarse, effect):
                return None  # without rule i, some of its packets may meet this rule's effect
            other = rules[j]
            action = other.action
            if other.jump is not None or action.steps:
                found = self._follow_exact(j, exact_now(), outcome, absent, FOLLOW_BUDGET - steps + 1)
                if found is None or found is _TOO_FAR:
                    return found
                more, to_end, extra = found
                return takers + more, to_end, _collect_approx(approx, extra)
            kind = action.kind
            if kind not in ("decide", "return", "maybe"):
                continue
            label = a.return_label if kind == "return" else action.outcome
            # coarse already has the pending lowers taken off
            if not a.meets_both(i, coarse, other.upper):
                continue
            if label != outcome:
                return None
            takers.append(other)
            approx = _collect_approx(approx, other.approximations)
            if kind != "maybe":
                pending.append(other.lower)
                coarse = coarse & ~other.lower
                coarse_key = None if coarse == false else ask.key(coarse)
        # coarse is the rule's packets less the pending lowers: exact_now() is what of it reaches
        to_end = coarse != false and a.meets(i, coarse)
        if to_end and a.return_label != outcome:
            return None
        return takers, to_end, approx

    def follow_tables(self) -> tuple[list[Any], list[bool], list[Any]]:
        """Per rule of the chain, for ``follow``'s loop: its protocol number (None: any; False:
        the rule is left out of the model), whether it may decide or change anything or has an
        effect (fwlint.analysis.effects), and the key (``ask.key``) of the packets it cannot
        match (for a match with an effect: of those its effect cannot meet)."""
        tables = self._follow_tables
        if tables is None:
            ask = self.enc.ask
            protocols: list[Any] = []
            active: list[bool] = []
            outside: list[Any] = []
            self._outside_sets: list[Any] = []  # keeps the sets the keys stand for alive
            for rm in self.a.rules:
                if rm.excluded:
                    protocols.append(False)
                    active.append(False)
                    outside.append(None)
                    continue
                protocols.append(rm.protocol)
                action = rm.action
                moves = rm.jump is not None or bool(action.steps) or action.kind != "continue"
                effect = self.effects.region(len(active))
                active.append(moves or effect is not None)
                if moves or effect is not None:
                    u = ~(rm.upper if effect is None else effect)
                    self._outside_sets.append(u)
                    outside.append(ask.key(u))
                else:
                    outside.append(None)
            tables = self._follow_tables = (protocols, active, outside)
        return tables

    def _follow_exact(self, start: int, X: Any, outcome: str, absent: set[int], budget: int
                      ) -> tuple[list[RuleModel], bool, list[str]] | None | object:
        """``follow`` from rule ``start`` on, with the exact set ``X`` (jumps, header changes)."""
        a, enc, model = self.a, self.enc, self.model
        false = enc.false
        takers: list[RuleModel] = []
        approx: list[str] = []
        steps = 0
        for j in range(start, len(a.rules)):
            if X == false:
                break
            other = a.rules[j]
            if other.excluded or (j in absent and not self.effects.has(j)):
                continue
            steps += 1
            if steps > budget:
                return _TOO_FAR
            effect = self.effects.region(j)
            if effect is not None and (X & effect) != false:
                return None  # some may meet this rule's effect
            t = X & other.upper
            if t == false:
                continue
            if other.jump is not None:
                summary = self.tm.summaries[other.jump]
                if not summary.small:
                    return None
                if (t & summary.may_decide_other(outcome)) != false:
                    return None
                if other.goto:
                    if a.return_label != outcome and (t & summary.may_return) != false:
                        return None
                    takers.append(other)
                    X = X & ~other.lower
                else:
                    if (t & summary.may_decide.get(outcome, false)) != false:
                        takers.append(other)
                    if summary.modifies:
                        X = (X & ~other.lower) | (enc.bdd.exist(summary.modifies, t) & summary.returned)
                    else:
                        X = X & ~(other.lower & ~summary.may_return)
                approx = _collect_approx(approx, other.approximations, summary.approximations)
                continue
            action = other.action
            kind = action.kind
            if kind in ("decide", "return", "maybe"):
                label = a.return_label if kind == "return" else action.outcome
                if label != outcome:
                    return None
                takers.append(other)
                approx = _collect_approx(approx, other.approximations)
            if action.steps:
                X = (X & ~other.lower) | model.image(action.steps, t)
            elif kind in ("decide", "return"):
                X = X & ~other.lower
        to_end = X != false
        if to_end and a.return_label != outcome:
            return None
        return takers, to_end, approx

    def name_later(self, i: int, hit: Any, outcome: str) -> tuple[list[RuleModel], bool, list[str]]:
        """For a rule already known redundant: the rules among the next NAMED_AHEAD that take
        some of its packets, and whether the end (policy) may take the rest."""
        a, false = self.a, self.enc.false
        X = hit
        takers: list[RuleModel] = []
        approx: list[str] = []
        for j in range(i + 1, min(len(a.rules), i + 1 + NAMED_AHEAD)):
            if X == false:
                break
            other = a.rules[j]
            if other.excluded or rule_outcome(other, a.chain) != outcome:
                continue
            if not self.enc.ask.disjoint(X, other.upper):
                takers.append(other)
                approx = _collect_approx(approx, other.approximations)
                X = X & ~a.kill[j]
        return takers, X != false and a.return_label == outcome, approx

    def redundant_finding(self, rm: RuleModel, hit: Any, outcome: str, later: list[RuleModel],
                          to_end: bool, approx: list[str]) -> Finding:
        a = self.a
        verbs = _verbs(outcome)
        parts = []
        if later:
            parts.append(_lines(later))
        chain = a.chain
        if to_end:
            if chain.builtin:
                parts.append(f"the {chain.policy or 'ACCEPT'} policy of {chain.name}")
            else:
                parts.append(f"the end of {chain.name}, which returns them")
        by = " and ".join(parts)
        if verbs and outcome != "RETURN":
            message = f"redundant: every packet it {verbs[0]} would be {verbs[1]} anyway, by {by}"
        elif outcome == "RETURN":
            message = f"redundant: every packet it returns would return anyway, by {by}"
        else:
            message = f"redundant: every packet it takes would get the same outcome anyway, from {by}"
        if to_end and chain.builtin and outcome == "ACCEPT" and (chain.policy or "ACCEPT") == "ACCEPT":
            message += ": an ACCEPT under an ACCEPT policy restricts nothing"
        message += _approx_note(approx)
        return Finding("FW202", "redundant-later", a, rm, message, blockers=later, packets=hit,
                       outcome=outcome, to_policy=to_end, approximations=tuple(approx))


def chain_findings(model: Model, tm: TableModel, analysis: ChainAnalysis) -> list[Finding]:
    """The FW201-FW204 findings of one chain, in rule order."""
    return _ChainFindings(model, tm, analysis).run()


def compute_findings(model: Model) -> list[Finding]:
    """Every finding of FW201-FW204 in the model (worked out while it was built), chain by
    chain, in rule order."""
    return model.findings


class RemoteFinding(Finding):
    """A finding worked out in another process (fwlint.analysis.parallel): its ``packets``
    are worked out in this one when first read (the chain's findings computed again)."""

    @property  # type: ignore[override]
    def packets(self) -> Any:
        got = self.__dict__.get("_packets")
        if got is None:
            a = self.analysis
            again = getattr(a, "_packets_again", None)
            if again is None:
                again = {f.rule.index: f.packets for f in chain_findings(a.model, a.tm, a)}
                a.release()
                a._packets_again = again
            got = self.__dict__["_packets"] = again.get(self.rule.index)
        return got

    @packets.setter
    def packets(self, value: Any) -> None:
        self.__dict__["_packets"] = value
