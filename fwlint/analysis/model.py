"""The exact reachability model of one ruleset: rules as BDDs, chains evaluated as the kernel does.

Per table block:

1. **Rules.**  Each rule's matches become a :class:`~fwlint.analysis.meaning.Meaning` (an
   upper bound, "may match", and a lower bound, "surely matches"), its target an
   :class:`~fwlint.analysis.meaning.Action`; rules the kernel would refuse are left out
   (``RuleModel.excluded``).  Encodings are cached by value, meanings by match text (both
   caches emptied past a size: ``Model.trim_caches``).  A user chain with no jump and no
   header change is encoded only when its turn comes in step 3 (``_deferrable``): nothing
   before reads its rules.
2. **Entries, callers first.**  A built-in chain is entered by every packet; a user chain by
   what the conditions of the jumps to it let through (``_entries``).
3. **Chains, callees first.**  Each chain is walked once from the whole packet space, keeping
   the set of packets that may reach each rule; a user chain is summarised
   (:class:`ChainSummary`: what it may decide, per outcome, and what may come back) and the
   summary is used at every jump to it; the chain's findings (FW201-FW204) are worked out
   from the walk and its entry, and the per-rule sets are then released (walked again if
   asked for), and so are its rules' BDDs (encoded again if read): CUDD slows down as the
   set of live nodes grows, and its garbage collections cost in proportion to it.
   The leaf chains (those encoded in their turn: no jump, no header change) are worked out
   in small scratch managers (fwlint.analysis.scratch), and in a big ruleset the long ones
   of every table block are shared out with a forked child (fwlint.analysis.parallel), while
   this process first works out the chains that need none of them; the other chains read
   only their summaries, which come back with their findings.

Emptiness and inclusion questions ("does this set meet the packets reaching rule i?") are
asked with ``Encoding.ask`` (fwlint.analysis.native: CUDD's ``Cudd_bddLeq``), which stops at
the first path that decides and builds nothing, instead of building a conjunction.

Every set is sound: ``reach`` never misses a packet that can get there, ``kill`` never holds
one that can get past, so a rule found unreachable is unreachable whatever the matches the
model approximates do.  Rules are never compared pairwise: each rule costs one operation
against its chain's running "remaining packets" set, and a finding looks only at the rules
that take its packets.  Three budgets keep sets that would grow with the size of the ruleset
from doing so, each by losing precision soundly (a superset of what may happen, a subset of
what surely does): ``SUMMARY_BUDGET``, ``REACH_BUDGET`` and ``EXACT_JUMP_BUDGET``.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import ipaddress
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fwlint.analysis.fields import Encoding, InterfaceSymbols
from fwlint.analysis.meaning import (
    Action,
    Havoc,
    MatchContext,
    Meaning,
    Refused,
    SetBits,
    Step,
    TargetContext,
    Unknowable,
    forget_frames,
)
from fwlint.analysis.refusals import match_refusal, syntax_lines, target_refusal
from fwlint.ast import BUILTIN_CHAINS, Chain, Match, Rule, Ruleset, Table, Target
from fwlint.extensions import Extension, Opaque, Registry, rule_key
from fwlint.lint.facts import refused_here

ALL_FIELDS = "*"


@dataclass
class RuleModel:
    """One rule as the model sees it.

    ``upper``/``lower``: the packets it may / surely matches (as they stand when they reach
    it).  ``action``: what its target does (None for a jump or goto: ``jump`` names the
    chain).  ``excluded``: why the rule is left out of the model (the kernel would refuse
    it), else None.

    Once its chain is analysed, the model releases the two BDDs (``release``) to keep the
    set of live nodes small; reading them again encodes the rule again (the same sets).
    """

    rule: Rule
    chain: str
    index: int
    excluded: str | None = None
    approximations: tuple[str, ...] = ()
    action: Action | None = None
    jump: str | None = None
    goto: bool = False
    protocol: int | None = None  # the protocol number its -p requires (None: any), a quick filter
    _upper: Any = dataclasses.field(default=None, repr=False, compare=False)
    _lower: Any = dataclasses.field(default=None, repr=False, compare=False)
    _encode: Any = dataclasses.field(default=None, repr=False, compare=False)  # see release()

    @property
    def upper(self) -> Any:
        if self._upper is None and self._encode is not None:
            self._encode(self)
        return self._upper

    @upper.setter
    def upper(self, u: Any) -> None:
        self._upper = u

    @property
    def lower(self) -> Any:
        if self._lower is None and self._encode is not None:
            self._encode(self)
        return self._lower

    @lower.setter
    def lower(self, u: Any) -> None:
        self._lower = u

    def release(self, encode: Any) -> None:
        """Drop the two BDDs; ``encode(rule_model)`` sets them again when they are read
        (a function holding no strong reference to the model: no cycle keeps it alive)."""
        if self.excluded is None and self._upper is not None:
            self._upper = self._lower = None
            self._encode = encode

    @property
    def exact(self) -> bool:
        return not self.approximations

    @property
    def line(self) -> int:
        return self.rule.span.line

    @property
    def deciding(self) -> bool:
        """The packets it surely matches never reach the next rule of the chain."""
        if self.excluded:
            return False
        if self.jump is not None:
            return self.goto
        return self.action is not None and self.action.kind in ("decide", "return")


SUMMARY_BUDGET = 1500
"""A user chain whose "may come back" set has more BDD nodes than this is used coarsely at
its jumps: as if it might decide any of its outcomes for, or return, every packet sent to it
(sound, and it keeps the callers' sets from growing with every chain they jump to)."""

REACH_BUDGET = 20000
"""Once the set of packets reaching a rule has more BDD nodes than this, the jumps after it
are taken to keep every packet (a superset: sound; it bounds the cost of a chain that jumps
to hundreds of chains, whose exact remaining set is the complement of all their decisions)."""

EXACT_JUMP_BUDGET = 1000
"""The backward pass ("surely decided the same way by the rules after it") looks inside a
chain jumped to only when the chain's sets have at most this many BDD nodes; otherwise the
jump counts as "may decide anything" (an under-approximation: sound)."""


def union_all(items: list[Any], false: Any) -> Any:
    """The union of many sets, pairwise (a balanced tree of ORs costs less than a running one)."""
    items = [_resolve(u) for u in items]
    items = [u for u in items if u != false]
    if not items:
        return false
    while len(items) > 1:
        items = [items[k] | items[k + 1] if k + 1 < len(items) else items[k]
                 for k in range(0, len(items), 2)]
    return items[0]


_UNKNOWN = object()
"""In a walk's ``hits``: not computed (a rule that changes nothing for the next ones); None
stands for "not computed, and not empty" (an exact deciding rule that took something)."""


class _Through:
    """A contribution computed when needed: ``hit`` packets sent to a chain, those of them it
    may decide with ``label``, as they entered the caller (``modified`` quantified away)."""

    __slots__ = ("bdd", "hit", "label", "modified", "summary")

    def __init__(self, hit: Any, summary: ChainSummary, label: str, bdd: Any,
                 modified: frozenset[str]) -> None:
        self.hit, self.summary, self.label, self.bdd, self.modified = hit, summary, label, bdd, modified

    def resolve(self) -> Any:
        u = self.hit if self.summary.coarse else self.hit & self.summary.may_decide[self.label]
        return self.bdd.exist(self.modified, u) if self.modified else u


class _Taken:
    """A contribution computed when needed: the packets an exact rule took, ``before & ~after``
    (the sets reaching it and the next rule), as they entered (``modified`` quantified away)."""

    __slots__ = ("after", "bdd", "before", "modified")

    def __init__(self, before: Any, after: Any, bdd: Any, modified: frozenset[str]) -> None:
        self.before, self.after, self.bdd, self.modified = before, after, bdd, modified

    def resolve(self) -> Any:
        u = self.before & ~self.after
        return self.bdd.exist(self.modified, u) if self.modified else u


def _resolve(u: Any) -> Any:
    return u.resolve() if isinstance(u, (_Through, _Taken)) else u


class ChainSummary:
    """What a user chain does to the packets sent to it, whoever sends them.

    ``may_decide``: outcome -> the packets (as they enter) that may end with that outcome in
    the chain or below.  ``may_return``: the packets (as they enter) that may come back.
    ``returned``: those packets as they come back (after the chain's header changes).
    ``modifies``: the BDD variables header changes in the chain (or below) may write.
    ``coarse``: too large to use exactly (see SUMMARY_BUDGET): a jump to it may do anything
    its outcomes allow to any packet it sends.  ``small``: its outcome sets were worked out
    (EXACT_JUMP_BUDGET); otherwise each of its outcomes counts as possible for every packet
    it is sent (``may_decide`` gives the whole space for each).
    """

    def __init__(self, contributions: dict[str, list[Any]], may_return: Any, returned: Any,
                 modifies: frozenset[str], approximations: tuple[str, ...], true: Any,
                 false: Any) -> None:
        self._false = false
        self._true = true
        self.labels = frozenset(contributions)
        self.may_return = may_return
        self.returned = returned
        self.modifies = modifies
        self.approximations = approximations
        self.coarse = len(may_return) > SUMMARY_BUDGET
        if self.coarse:
            # nothing reads them: keep no nodes alive for them (CUDD slows as the live set grows)
            self.may_return = self.returned = true
        self._may_decide: dict[str, Any] | None = None
        self.small = False
        items = [u for group in contributions.values() for u in group]
        if not self.coarse and len(may_return) <= EXACT_JUMP_BUDGET and len(items) <= 64:
            decided = {label: union_all(group, false) for label, group in contributions.items()}
            if sum(len(u) for u in decided.values()) + len(may_return) <= EXACT_JUMP_BUDGET:
                self._may_decide = decided
                self.small = True

    @property
    def may_decide(self) -> dict[str, Any]:
        if self._may_decide is None:
            return {label: self._true for label in self.labels}
        return self._may_decide

    def may_decide_other(self, label: str | None) -> Any:
        """The packets that may end with an outcome other than ``label``."""
        out = self._false
        for w, u in self.may_decide.items():
            if w != label:
                out |= u
        return out

    def kill(self, lower: Any) -> Any:
        """The packets a jump whose conditions surely hold for ``lower`` surely takes out of
        the calling chain: those the chain surely does not send back."""
        if self.coarse:
            return self._false
        return lower & ~self.may_return


class ChainAnalysis:
    """One chain evaluated from its entry set.

    ``entry``: the packets that may enter it (the whole space for a built-in chain, what the
    callers send for a user chain).  ``reach[i]``: the packets that may reach rule ``i`` (as
    they stand there); ``hit(i)``: those of them rule ``i`` may match.  ``kill[i]``: the packets
    rule ``i`` surely takes out of the chain (whatever the context).  ``segment[i]``: the index
    where rule ``i``'s segment starts: within a segment no rule changes a header field, so
    ``reach[j+1] == reach[j] & ~kill[j]`` there; ``segment_entry(i)`` is the reach set at that
    start.  ``sure_after(i)``: for a deciding rule, the packets that the rules after it and
    the end of the chain would surely decide with its outcome (None for the others).
    """

    def __init__(self, model: Model, tm: TableModel, chain: Chain, entry: Any,
                 walk: _Walk, context_free: bool) -> None:
        # back-references are weak: a cycle would leave the BDD manager to the cyclic
        # collector, which may free it before the BDDs that still reference it
        self.model = weakref.proxy(model)
        self.tm = weakref.proxy(tm)
        self.table = tm.table
        self.chain = chain
        self.rules: list[RuleModel] = tm.rules[chain.name]
        self.entry = entry
        self.return_label = return_label(chain)
        self._walk = walk
        self._walk_entry = walk.entry
        self._context_free = context_free  # reach = entry & the walk's (entry-free) reach
        self.segment: list[int] = walk.segment
        self.callers: list[RuleModel] = []
        self._sure: dict[str, list[Any]] = {}
        self._bound: list[Any] | None = None
        self._kill: list[Any] | None = None
        self._reach: dict[int, Any] = {}
        self._hits: dict[int, Any] = {}

    @property
    def name(self) -> str:
        return self.chain.name

    def _walked(self) -> _Walk:
        """The walk with its per-rule sets (walked again if they were released)."""
        walk = self._walk
        if walk.reach is None:
            walk = _Walk(self.model, self.tm, self.chain, self._walk_entry)
            walk.run()
            walk.release()
            walk.contributions, walk.returned = {}, []
            self._walk = walk
        return walk

    def release(self) -> None:
        """Drop the per-rule sets: a large ruleset's analysis keeps only what other chains need
        (CUDD slows down as the set of live nodes grows); they are walked again when asked for."""
        self._walk.forget()
        self._reach = {}
        self._hits = {}
        self._sure = {}
        self._bound = None
        self._kill = None

    def reach_at(self, i: int) -> Any:
        hit = self._reach.get(i)
        if hit is None:
            hit = self._walked().reach[i]
            if self._context_free:
                hit = self.entry & hit
            self._reach[i] = hit
        return hit

    def free_reach(self, i: int) -> Any:
        """The reach set at rule ``i`` (or after the last rule) of the walk from the whole
        packet space, before the entry set is applied."""
        walk = self._walked()
        return walk.reach[i] if i < len(walk.reach) else walk.end

    @property
    def reach(self) -> list[Any]:
        return [self.reach_at(i) for i in range(len(self.rules))]

    def hit(self, i: int) -> Any:
        """The packets that may reach rule ``i`` and that it may match."""
        h = self._hits.get(i)
        if h is None:
            h = self._walked().hits[i]
            false = self.model.encoding.false
            if h is None or h is _UNKNOWN:  # not computed by the walk
                h = self.within(i, self.rules[i].upper)
            elif self._context_free and h != false:
                h = self.entry & h
            self._hits[i] = h
        return h

    def within(self, i: int, q: Any) -> Any:
        """The packets of ``q`` that may reach rule ``i`` (``q`` small: it is applied to the
        entry set before the reach set, which is the large one)."""
        if self._context_free:
            q = self.entry & q
            if q == self.model.encoding.false:
                return q
        return self._walked().reach[i] & q

    def meets(self, i: int, q: Any) -> bool:
        """Some packet of ``q`` may reach rule ``i`` (``within(i, q)`` is not empty; asked
        without building it)."""
        enc = self.model.encoding
        if self._context_free:
            q = self.entry & q
            if q == enc.false:
                return False
        return not enc.ask.disjoint(q, self._walked().reach[i])

    def meets_both(self, i: int, q: Any, r: Any) -> bool:
        """``meets(i, q & r)``, asked without building ``q & r`` when no entry set applies."""
        if self._context_free:
            return self.meets(i, q & r)
        return not self.model.encoding.ask.disjoint3(q, r, self._walked().reach[i])

    def takes_nothing(self, i: int) -> bool:
        """No packet that may reach rule ``i`` matches it."""
        h = self._walked().hits[i]
        false = self.model.encoding.false
        if h is _UNKNOWN:
            return self.hit(i) == false
        if h == false:
            return True
        if not self._context_free:
            return False  # the walk found (or skipped computing) a non-empty hit
        return self.hit(i) == false

    def segment_entry(self, i: int) -> Any:
        return self.reach_at(self.segment[i])

    def sure_after(self, i: int) -> Any:
        """The packets (as they reach rule ``i + 1``) that the rules after rule ``i`` and the
        end of the chain surely decide with rule ``i``'s outcome; None when it has none."""
        label = rule_outcome(self.rules[i], self.chain)
        if label is None:
            return None
        at = self._sure.get(label)
        if at is None:
            first = next(k for k, rm in enumerate(self.rules) if rule_outcome(rm, self.chain) == label)
            at = self._sure[label] = _backward(self.model, self.tm, self.chain, {label: first + 1})[label]
        return at[i + 1]

    def later_bound(self, i: int) -> Any:
        """A superset of ``sure_after(i)`` that costs one union per rule: the packets some rule
        after rule ``i`` could decide with its outcome (or the end, when it gives that outcome),
        taking any rule that jumps or changes headers as able to."""
        if self._bound is None:
            enc = self.model.encoding
            bound: dict[str, Any] = {}
            end = self.return_label
            out: list[Any] = [None] * len(self.rules)
            anything = enc.false  # rules after that may lead anywhere
            for k in range(len(self.rules) - 1, -1, -1):
                rm = self.rules[k]
                label = rule_outcome(rm, self.chain)
                if label is not None:
                    base = bound.get(label)
                    if base is None:
                        base = enc.true if label == end else enc.false
                    out[k] = base | anything
                if rm.excluded:
                    continue
                if rm.jump is not None or (rm.action.steps and rm.action.kind in ("continue", "maybe")):
                    anything = anything | rm.upper
                elif label is not None:
                    base = bound.get(label)
                    if base is None:
                        base = enc.true if label == end else enc.false
                    bound[label] = base | rm.lower
            self._bound = out
        return self._bound[i]

    @property
    def kill(self) -> list[Any]:
        if self._kill is None:
            false = self.model.encoding.false
            self._kill = [false if i in self._walk.widened else kill_set(self.model, self.tm, rm)
                          for i, rm in enumerate(self.rules)]
        return self._kill


class TableModel:
    """The chains of one table block, their rules, summaries and analyses."""

    def __init__(self, model: Model, table: Table) -> None:
        self.model = weakref.proxy(model)
        self.table = table
        self.chains: dict[str, Chain] = {c.name: c for c in table.chains}
        self.rules: dict[str, list[RuleModel]] = {}
        self.summaries: dict[str, ChainSummary] = {}
        self.walks: dict[str, _Walk] = {}
        self.analyses: dict[str, ChainAnalysis] = {}
        self.order: list[str] = []  # callers before callees

    def apart(self, model: Model) -> TableModel:
        """An empty table model of the same table block for ``model`` (one over a scratch
        manager: fwlint.analysis.scratch), sharing the chains and the table's effect facts."""
        from fwlint.analysis.effects import _table_facts

        other = TableModel.__new__(TableModel)
        other.model = weakref.proxy(model)
        other.table = self.table
        other.chains = self.chains
        other.rules, other.summaries, other.walks, other.analyses = {}, {}, {}, {}
        other.order = []
        other._effect_facts = _table_facts(self.model, self)
        return other


class Model:
    """The reachability model of one ruleset (one address family).

    Build it with :func:`build_model`; lint rules get it through :func:`model_for`.
    """

    def __init__(self, ruleset: Ruleset, registry: Registry, ctx: Any = None) -> None:
        self.ruleset = ruleset
        self.registry = registry
        self.family = ruleset.family
        self.encoding = Encoding(ruleset.family, InterfaceSymbols(_interface_names(ruleset)))
        self.enc = self.encoding
        self.tables: list[TableModel] = []
        self.findings: list[Any] = []  # FW201-FW204, chain by chain (fwlint.analysis.findings)
        if ctx is None:
            from fwlint.lint.rule import Context

            ctx = Context(ruleset, registry)
        self._ctx = ctx
        self._placement: dict[tuple, Any] = {}
        self._protocol: str | None = None
        self._match_cache: dict[tuple, Meaning | str] = {}
        self._target_cache: dict[tuple, Action | str] = {}
        self._by_rule: dict[int, tuple[TableModel, RuleModel]] = {}
        self._syntax_lines = syntax_lines(ruleset)  # lines with a syntax error (FW109)

    def apart(self, encoding: Encoding) -> Model:
        """A model of the same ruleset over another manager declaring the same variables in
        the same order (a scratch one: fwlint.analysis.scratch), sharing what holds no BDD."""
        other = Model.__new__(Model)
        other.ruleset, other.registry, other.family = self.ruleset, self.registry, self.family
        other.encoding = other.enc = encoding
        other.tables, other.findings = [], []
        other._ctx, other._placement = self._ctx, self._placement
        other._protocol = None
        other._match_cache = {}
        other._target_cache = self._target_cache  # actions and refusals: no BDD in them
        other._by_rule = {}
        other._syntax_lines = self._syntax_lines
        return other

    # --- public look-ups ------------------------------------------------------------------

    def table(self, name: str) -> TableModel | None:
        """The last block of table ``name`` (the one iptables-restore keeps)."""
        found = None
        for t in self.tables:
            if t.table.name == name:
                found = t
        return found

    def chain(self, table: str, chain: str) -> ChainAnalysis | None:
        t = self.table(table)
        return t.analyses.get(chain) if t is not None else None

    def rule_model(self, rule: Rule) -> RuleModel | None:
        hit = self._by_rule.get(id(rule))
        return hit[1] if hit is not None else None

    def analysis_of(self, rule: Rule) -> tuple[ChainAnalysis, RuleModel] | None:
        hit = self._by_rule.get(id(rule))
        if hit is None:
            return None
        table_model, rm = hit
        analysis = table_model.analyses.get(rm.chain)
        return (analysis, rm) if analysis is not None else None

    # --- transforms -----------------------------------------------------------------------

    def step_vars(self, step: Step) -> set[str]:
        enc = self.encoding
        if isinstance(step, Havoc) and step.field == ALL_FIELDS:
            return set(enc._field_of_var)
        width = enc.widths[step.field]
        names = enc.bits(step.field)
        mask = step.mask if step.mask is not None else (1 << width) - 1
        if isinstance(step, SetBits):
            mask = step.mask | step.value
        return {names[i] for i in range(width) if mask >> (width - 1 - i) & 1}

    def image(self, steps: Iterable[Step], u: Any) -> Any:
        """The packets ``u`` become after the header changes (an upper bound)."""
        bdd = self.encoding.bdd
        for step in steps:
            if isinstance(step, Havoc):
                u = bdd.exist(self.step_vars(step), u)
                continue
            set_bits, flips = self._split(step)
            if flips:
                u = bdd.let({v: ~self.encoding.var(v) for v in flips}, u)
            if set_bits:
                u = bdd.exist(set(set_bits), u) & bdd.cube(set_bits)
        return u

    def preimage(self, steps: Iterable[Step], u: Any) -> Any:
        """The packets that surely land in ``u`` after the header changes (a lower bound)."""
        bdd = self.encoding.bdd
        for step in reversed(tuple(steps)):
            if isinstance(step, Havoc):
                u = bdd.forall(self.step_vars(step), u)
                continue
            set_bits, flips = self._split(step)
            if set_bits:
                u = bdd.let(set_bits, u)
            if flips:
                u = bdd.let({v: ~self.encoding.var(v) for v in flips}, u)
        return u

    def _split(self, step: SetBits) -> tuple[dict[str, bool], list[str]]:
        enc = self.encoding
        width = enc.widths[step.field]
        names = enc.bits(step.field)
        set_bits: dict[str, bool] = {}
        flips: list[str] = []
        for i in range(width):
            bit = 1 << (width - 1 - i)
            if step.mask & bit:
                set_bits[names[i]] = bool(step.value & bit)
            elif step.value & bit:
                flips.append(names[i])
        return set_bits, flips

    def steps_vars(self, steps: Iterable[Step]) -> frozenset[str]:
        out: set[str] = set()
        for s in steps:
            out |= self.step_vars(s)
        return frozenset(out)

    # --- building rule meanings -----------------------------------------------------------

    def match_meaning(self, match: Match, protocol: str | None) -> Meaning:
        """The meaning of one match of a rule whose ``-p`` is ``protocol`` (raises Refused)."""
        key = (match.name, protocol, tuple([(o.name, o.values, o.negated, o.unresolved)
                                            for o in match.options]))
        hit = self._match_cache.get(key)
        if hit is None:
            try:
                hit = self._compute_match(match, protocol)
            except Refused as err:
                hit = str(err)
                forget_frames(err)
            except Unknowable as err:
                shown = "the built-in match" if match.name == "builtin" else f"-m {match.name}"
                hit = Meaning(self.encoding.true, self.encoding.false,
                              (f"{shown} ({err}: a host name, looked up when the rules are loaded)",))
                forget_frames(err)
            self._match_cache[key] = hit
        if isinstance(hit, str):
            raise Refused(hit)
        return hit

    def _compute_match(self, match: Match, protocol: str | None) -> Meaning:
        registry = self.registry
        ext = registry.builtin if match.name == "builtin" else registry.match(match.name)
        shown = "the built-in match" if match.name == "builtin" else f"-m {match.name}"
        if ext is None or not match.known:
            raise Refused(f"unknown match {shown}")
        if ext.family is not None and ext.family != self.family:
            raise Refused(f"{shown} exists for IPv{ext.family} only")
        unresolved = [o for o in match.options if getattr(o, "unresolved", False)]
        if unresolved:
            return Meaning(self.encoding.true, self.encoding.false,
                           (f"{unresolved[0].written} (its value comes from a variable fwlint could not resolve)",))
        meaning = ext.meaning
        if meaning is None:
            return Meaning(self.encoding.true, self.encoding.false, (shown,))
        if isinstance(meaning, Opaque):
            return Meaning(self.encoding.true, self.encoding.false, (shown,))
        out = meaning(match, MatchContext(self.encoding, ext, self.family, protocol))
        if isinstance(out, Meaning):
            return out
        return Meaning(out, out)

    def target_action(self, target: Target, ext: Extension) -> Action:
        key = (target.name, self._protocol, tuple((o.name, o.values, o.negated) for o in target.options))
        hit = self._target_cache.get(key)
        if hit is None:
            try:
                hit = self._compute_target(target, ext)
            except Refused as err:
                hit = str(err)
                forget_frames(err)
            self._target_cache[key] = hit
        if isinstance(hit, str):
            raise Refused(hit)
        return hit

    def _compute_target(self, target: Target, ext: Extension) -> Action:
        ctx = TargetContext(self.encoding, ext, self.family, self._protocol)
        for opt in target.options:
            if not opt.known:
                raise Refused(f"-j {target.name} has no option {opt.written}")
            if getattr(opt, "unresolved", False):
                return Action("maybe", ctx.outcome_label(target), (Havoc(ALL_FIELDS),))
        meaning = ext.meaning
        if meaning is None or isinstance(meaning, Opaque):
            if ext.terminal:
                return ctx.decide(ctx.outcome_label(target))
            return ctx.go_on(Havoc(ALL_FIELDS))
        return meaning(target, ctx)

    MATCH_CACHE_LIMIT = 512
    ENCODING_CACHE_LIMIT = 16384

    def trim_caches(self) -> None:
        """Empty the caches of encoded values when they have grown past their limits: most
        values of a large ruleset occur once, and what a cache holds stays live in CUDD."""
        if len(self._match_cache) > self.MATCH_CACHE_LIMIT:
            self._match_cache.clear()
        if len(self.encoding._cache) > self.ENCODING_CACHE_LIMIT:
            self.encoding._cache.clear()

    def encode_again(self, table_model: TableModel, chain: Chain, rm: RuleModel) -> None:
        """Set the BDDs of a released rule again (the same sets: the encoding is a function
        of the rule and where it stands)."""
        fresh = RuleModel(rm.rule, chain.name, rm.index)
        built = self._ctx is not None
        if not built:
            from fwlint.lint.rule import Context

            self._ctx = Context(self.ruleset, self.registry)
        try:
            self._fill(fresh, table_model, chain, rm.rule)
        except Refused as err:  # it was not refused the first time: cannot happen
            forget_frames(err)
            raise RuntimeError(f"line {rm.line}: encoded again, the rule is refused") from None
        finally:
            if not built:
                self._ctx = None
                self._placement = {}
        rm._upper, rm._lower = fresh._upper, fresh._lower

    def build_rule(self, table_model: TableModel, chain: Chain, index: int, rule: Rule) -> RuleModel:
        rm = RuleModel(rule, chain.name, index)
        try:
            self._fill(rm, table_model, chain, rule)
        except Refused as err:
            rm.excluded = str(err) or "refused"
            rm.upper = rm.lower = self.encoding.false
            forget_frames(err)
        return rm

    def _fill(self, rm: RuleModel, table_model: TableModel, chain: Chain, rule: Rule) -> None:
        enc = self.encoding
        registry = self.registry
        if rule.unclaimed:
            raise Refused(f"{rule.unclaimed[0].written or rule.unclaimed[0].values[0]}: no match or "
                          "target of the rule takes it")
        if self._syntax_lines and (rule.span.file, rule.span.line) in self._syntax_lines:
            raise Refused("iptables-restore refuses its line (a syntax error)")
        ctx = self._placement_context(table_model, chain)
        protocol = _rule_protocol(rule)
        number = _protocol_number(protocol) if protocol is not None else None
        rm.protocol = number if number else None
        parts: list[Meaning] = []
        for m in rule.matches:
            ext = registry.builtin if m.name == "builtin" else registry.match(m.name)
            if ext is not None and m.known and m.name != "builtin":
                if ext.protocols is not None and not _protocol_in(protocol, ext.protocols):
                    raise Refused(f"-m {m.name} needs -p {'/'.join(sorted(ext.protocols))}")
                if refused_here(ctx, ext, m.options, m.span, rule):
                    raise Refused(f"-m {m.name} is not allowed here")
            parts.append(self.match_meaning(m, protocol))
        refused = match_refusal(rule, registry, self.family)  # options the meanings do not read
        if refused is not None:
            raise Refused(refused)
        if rule.match("builtin") is not None and chain.builtin:
            _check_interfaces(rule, chain.name)
        upper = lower = enc.true
        approx: list[str] = []
        for p in parts:
            if upper is lower and p.upper is p.lower:  # exact so far and exact: one conjunction
                upper = lower = upper & p.upper
            else:
                upper &= p.upper
                lower &= p.lower
            if p.approximations:
                approx.extend(a for a in p.approximations if a not in approx)
        rm.upper, rm.lower, rm.approximations = upper, lower, tuple(approx)

        target = rule.target
        if target is None:
            rm.action = Action("continue")
            return
        if target.name in table_model.chains:
            dest = table_model.chains[target.name]
            if dest.builtin:
                raise Refused(f"-j {target.name}: a jump to a built-in chain")
            if target.options:
                raise Refused(f"-j {target.name}: a jump to a chain takes no options")
            rm.jump = target.name
            rm.goto = target.goto
            return
        if target.goto:
            raise Refused(f"-g {target.name}: no such chain")
        ext = registry.target(target.name)
        if ext is None:
            raise Refused(f"unknown target {target.name}")
        if ext.family is not None and ext.family != self.family:
            raise Refused(f"-j {target.name} exists for IPv{ext.family} only")
        if refused_here(ctx, ext, target.options, target.span, rule):
            raise Refused(f"-j {target.name} is not allowed here")
        self._protocol = protocol
        action = self.target_action(target, ext)
        refused = target_refusal(rule, registry, self.family)
        if refused is not None:
            raise Refused(refused)
        if action.steps and _expansions(rule) > 1 and any(
                isinstance(s, SetBits) and s.value & ~s.mask for s in action.steps):
            # `-s a,b` is one kernel rule per address: a packet both take has its bits
            # flipped twice; say only that they may change.
            action = dataclasses.replace(action, steps=tuple(
                Havoc(s.field, s.value | s.mask) if isinstance(s, SetBits) else s for s in action.steps))
        rm.action = action

    def _placement_context(self, table_model: TableModel, chain: Chain) -> Any:
        """A lint Context standing at ``chain``, for fwlint.lint.facts.misplacements."""
        key = (id(table_model.table), chain.name)
        hit = self._placement.get(key)
        if hit is None:
            hit = self._placement[key] = dataclasses.replace(self._ctx, table=table_model.table,
                                                             chain=chain)
        return hit


def _interface_names(ruleset: Ruleset) -> set[str]:
    names: set[str] = set()
    for rule in ruleset.rules():
        m = rule.match("builtin")
        if m is None:
            continue
        for opt in m.options:
            if opt.name in ("in-interface", "out-interface") and opt.values:
                names.add(opt.values[0])
    return names


def _rule_protocol(rule: Rule) -> str | None:
    opt = rule.option("protocol")
    if opt is None or opt.negated or not opt.values:
        return None
    return opt.values[0].lower()


@functools.lru_cache(maxsize=1024)
def _protocol_number(text: str) -> int | None:
    from fwlint.data.services import PROTOCOLS

    low = text.lower()
    if low.isdigit():
        return int(low)
    return PROTOCOLS.get(low)


@functools.lru_cache(maxsize=1024)
def _protocol_in(protocol: str | None, allowed: frozenset[str]) -> bool:
    if protocol is None:
        return False
    number = _protocol_number(protocol)
    return number is not None and number != 0 and number in {_protocol_number(p) for p in allowed}


def _check_interfaces(rule: Rule, chain: str) -> None:
    """iptables refuses -i on OUTPUT/POSTROUTING and -o on PREROUTING/INPUT."""
    m = rule.match("builtin")
    for opt in m.options if m is not None else ():
        if opt.name == "in-interface" and chain in ("OUTPUT", "POSTROUTING"):
            raise Refused(f"-i on {chain}")
        if opt.name == "out-interface" and chain in ("PREROUTING", "INPUT"):
            raise Refused(f"-o on {chain}")


def _expansions(rule: Rule) -> int:
    n = 1
    m = rule.match("builtin")
    for opt in m.options if m is not None else ():
        if opt.name in ("source", "destination") and opt.values:
            n *= len(opt.values[0].split(","))
    return n


def _topological(table_model: TableModel) -> list[str]:
    """Chain names with every caller before its callees (the jump graph has no loop left)."""
    names = list(table_model.chains)
    edges: dict[str, set[str]] = {n: set() for n in names}
    indegree = {n: 0 for n in names}
    for name in names:
        for rm in table_model.rules[name]:
            if rm.jump is not None and not rm.excluded and rm.jump not in edges[name]:
                edges[name].add(rm.jump)
                indegree[rm.jump] += 1
    position = {n: k for k, n in enumerate(names)}
    ready = collections.deque(n for n in names if indegree[n] == 0)
    order: list[str] = []
    while ready:
        n = ready.popleft()
        order.append(n)
        for d in sorted(edges[n], key=position.__getitem__):
            indegree[d] -= 1
            if indegree[d] == 0:
                ready.append(d)
    return order


def _exclude_loops(table_model: TableModel) -> None:
    """Jumps that close a loop of chains are left out (the kernel refuses the table: FW107)."""
    names = set(table_model.chains)
    state: dict[str, int] = {}
    builtin = [c for c in BUILTIN_CHAINS.get(table_model.table.name, ()) if c in names]
    roots = builtin + [n for n in table_model.chains if n not in builtin]
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(table_model.rules[root]))]
        while stack:
            name, it = stack[-1]
            rm = next(it, None)
            if rm is None:
                stack.pop()
                state[name] = 2
                continue
            if rm.excluded or rm.jump is None:
                continue
            mark = state.get(rm.jump)
            if mark == 1:
                rm.excluded = f"-j {rm.jump} closes a loop of chains"
                rm.upper = rm.lower = table_model.model.encoding.false
            elif mark is None:
                state[rm.jump] = 1
                stack.append((rm.jump, iter(table_model.rules[rm.jump])))


def return_label(chain: Chain) -> str:
    """The outcome of a packet that returns from (or falls off the end of) ``chain``."""
    if chain.builtin:
        return chain.policy or "ACCEPT"
    return "RETURN"


def rule_outcome(rm: RuleModel, chain: Chain) -> str | None:
    """The outcome a deciding rule gives (RETURN in a built-in chain: its policy); None for a
    rule that does not decide (a jump, LOG ...)."""
    if rm.excluded or rm.jump is not None or rm.action is None:
        return None
    if rm.action.kind == "return":
        return return_label(chain)
    if rm.action.kind == "decide":
        return rm.action.outcome
    return None


class _Walk:
    """The forward evaluation of one chain from an entry set.

    Keeps, for each rule, the packets that may reach it and those it may match; per outcome,
    the packets (as they entered) that may end so; the packets that come back; and whether
    no header changed on the way (``pure``: then every set is the entry set intersected with
    the sets a walk from the whole packet space finds).
    """

    def __init__(self, model: Model, table_model: TableModel, chain: Chain, entry: Any) -> None:
        self.model = model
        self.tm = table_model
        self.chain = chain
        self.entry = entry
        self.contributions: dict[str, list[Any]] = {}
        self.returned: list[Any] = []
        self.modified: frozenset[str] = frozenset()  # written on the way to the current rule
        self.exit_modified: frozenset[str] = frozenset()  # written on some way out by a return
        self.approximations: list[str] = []
        self.reach: list[Any] = []
        self.hits: list[Any] = []
        self.segment: list[int] = []
        self.calls: list[tuple[RuleModel, Any]] = []
        self.widened: set[int] = set()  # jumps taken to keep every packet (REACH_BUDGET)
        self.pure = True

    def _decided(self, label: str, u: Any) -> None:
        """Record packets (as they stand now) that may end with ``label``, as they entered."""
        if self.modified:
            u = self.model.encoding.bdd.exist(self.modified, u)
        self.contributions.setdefault(label, []).append(u)

    def _took(self, label: str, before: Any, after: Any) -> None:
        """Record, to compute when needed, what an exact rule took between ``before`` and
        ``after`` as decided with ``label``."""
        self.contributions.setdefault(label, []).append(
            _Taken(before, after, self.model.encoding.bdd, self.modified))

    def _note(self, approximations: Iterable[str]) -> None:
        for a in approximations:
            if a not in self.approximations:
                self.approximations.append(a)

    def run(self) -> None:
        model = self.model
        enc = model.encoding
        false = enc.false
        R = self.entry
        rules = self.tm.rules[self.chain.name]
        seg = 0
        builtin = self.chain.builtin
        ret_label = return_label(self.chain)
        reach, hits, segment = self.reach, self.hits, self.segment
        summaries = self.tm.summaries
        sized: Any = None  # the last set counted, and its nodes
        size = 0
        for i, rm in enumerate(rules):
            reach.append(R)
            segment.append(seg)
            if rm.excluded:
                hits.append(false)
                continue
            action = rm.action
            if action is not None and not rm.approximations and action.kind in ("decide", "return") \
                    and not (action.kind == "return" and not builtin):
                # an exact deciding rule: what it takes is what leaves the set, one operation
                after = R & ~rm.lower
                if after == R:
                    hits.append(false)
                    continue
                hits.append(None)  # computed when asked for (ChainAnalysis.hit)
                self._took(action.outcome if action.kind == "decide" else ret_label, R, after)
                R = after
                continue
            if rm.jump is None and action.kind == "continue" and not action.steps:
                # LOG and the like change nothing here: what they match is computed if asked
                hits.append(_UNKNOWN)
                if rm.approximations:
                    self._note(rm.approximations)
                continue
            hit = R & rm.upper
            hits.append(hit)
            if hit == false:
                continue
            if rm.approximations:
                self._note(rm.approximations)
            if rm.jump is not None:
                summary = summaries[rm.jump]
                self._note(summary.approximations)
                self.calls.append((rm, hit))
                for label in summary.labels:
                    self.contributions.setdefault(label, []).append(
                        _Through(hit, summary, label, enc.bdd, self.modified))
                coarse = summary.coarse
                if rm.goto:
                    # what comes back from the chain gone to returns from this one
                    if builtin:
                        d = hit if coarse else hit & summary.may_return
                        if d != false:
                            self._decided(ret_label, d)
                    else:
                        if summary.modifies:
                            back = enc.bdd.exist(summary.modifies, hit)
                            self.returned.append(back if coarse else back & summary.returned)
                        else:
                            self.returned.append(hit if coarse else hit & summary.may_return)
                        self.exit_modified = self.exit_modified | self.modified | summary.modifies
                    R = R & ~rm.lower
                elif summary.modifies:
                    back = enc.bdd.exist(summary.modifies, hit)
                    if not coarse:
                        back &= summary.returned
                    R = (R & ~rm.lower) | back
                    self.modified = self.modified | summary.modifies
                    self.pure = False
                    seg = i + 1
                elif not coarse:
                    if sized is None or R != sized:  # counting is a walk over the whole set:
                        sized, size = R, len(R)  # once per set (it stays once past the budget)
                    if size > REACH_BUDGET:
                        self.widened.add(i)
                    else:
                        kill = rm.lower & ~summary.may_return
                        if kill != false:
                            R = R & ~kill
                continue
            action = rm.action
            kind = action.kind
            if kind == "decide":
                self._decided(action.outcome, hit)
                R = R & ~rm.lower
            elif kind == "return":
                if builtin:
                    self._decided(ret_label, hit)
                else:
                    self.returned.append(hit)
                    self.exit_modified = self.exit_modified | self.modified
                R = R & ~rm.lower
            else:
                if kind == "maybe":
                    self._decided(action.outcome, hit)
                if action.steps:
                    R = (R & ~rm.lower) | model.image(action.steps, hit)
                    self.modified = self.modified | model.steps_vars(action.steps)
                    self.pure = False
                    seg = i + 1
        if builtin:
            if R != false:
                self._decided(ret_label, R)
        else:
            self.returned.append(R)
            self.exit_modified = self.exit_modified | self.modified
        self.end = R

    def release(self) -> None:
        """Drop the references back to the model (no cycles: see ChainAnalysis)."""
        self.model = self.tm = None  # type: ignore[assignment]

    def forget(self) -> None:
        """Drop the per-rule sets (they hold most of the nodes; ChainAnalysis walks again
        when asked for them) and what refers to them."""
        self.calls = [(rm, hit if isinstance(hit, bool) else hit != hit.bdd.false)
                      for rm, hit in self.calls]
        self.reach = None  # type: ignore[assignment]
        self.hits = None  # type: ignore[assignment]
        self.end = None
        self.contributions = {}
        self.returned = []

    def summary(self) -> ChainSummary:
        enc = self.model.encoding
        returned = union_all(self.returned, enc.false)
        modifies = self.exit_modified
        may_return = enc.bdd.exist(modifies, returned) if modifies else returned
        return ChainSummary(self.contributions, may_return, returned, modifies,
                            tuple(self.approximations), enc.true, enc.false)


def kill_set(model: Model, tm: TableModel, rm: RuleModel) -> Any:
    """The packets the rule surely takes out of its chain, whatever the context."""
    false = model.encoding.false
    if rm.excluded:
        return false
    if rm.jump is not None:
        if rm.goto:
            return rm.lower
        return tm.summaries[rm.jump].kill(rm.lower)
    if rm.action is not None and rm.action.kind in ("decide", "return"):
        return rm.lower
    return false


def _backward(model: Model, tm: TableModel, chain: Chain, wanted: dict[str, int]) -> dict[str, list[Any]]:
    """For each outcome in ``wanted`` (outcome -> the first position it is needed at): at each
    position i from there on, the packets (as they reach rule i) that the rules from i on and
    the chain's end surely decide with that outcome."""
    enc = model.encoding
    true, false = enc.true, enc.false
    rules = tm.rules[chain.name]
    end_label = return_label(chain)
    out: dict[str, list[Any]] = {}
    for label, first in wanted.items():
        S = true if label == end_label else false
        at: list[Any] = [None] * (len(rules) + 1)
        at[len(rules)] = S
        for i in range(len(rules) - 1, first - 1, -1):
            rm = rules[i]
            # an empty set stays empty through rules that decide nothing themselves
            if not rm.excluded and (S != false or rm.jump is not None or rm.deciding):
                S = _step_back(model, tm, chain, rm, label, S, end_label)
            at[i] = S
        out[label] = at
    return out


def _step_back(model: Model, tm: TableModel, chain: Chain, rm: RuleModel, label: str, S: Any,
               end_label: str) -> Any:
    enc = model.encoding
    bdd = enc.bdd
    false = enc.false
    if rm.jump is not None:
        summary = tm.summaries[rm.jump]
        if not summary.small:
            return ~rm.upper & S
        bad = summary.may_decide_other(label)
        if rm.goto:
            back_ok = enc.true if label == end_label else false
        elif summary.modifies:
            back_ok = bdd.forall(summary.modifies, ~summary.returned | S)
        else:
            back_ok = S
        good = ~bad & (~summary.may_return | back_ok)
        return (~rm.upper | good) & (rm.lower | S)
    action = rm.action
    kind = action.kind
    if kind in ("decide", "return"):
        outcome = end_label if kind == "return" else action.outcome
        if outcome == label:
            return rm.lower | S
        return ~rm.upper & S
    if kind == "maybe" and action.outcome != label:
        return ~rm.upper & S
    if not action.steps:
        return S
    after = model.preimage(action.steps, S)
    return (~rm.upper | after) & (rm.lower | S)


def build_model(ruleset: Ruleset, registry: Registry, ctx: Any = None,
                meanwhile: Callable[[], None] | None = None) -> Model:
    """Encode every rule of ``ruleset``, then, chain by chain (callees first), walk it, summarise
    it and work out its findings (FW201-FW204, ``Model.findings``).  ``meanwhile()`` is called
    once: while the forked child is at work when there is one (fwlint.analysis.parallel: the
    other lint rules run then), else before the chains are worked out."""
    from fwlint.analysis import parallel
    from fwlint.analysis.scratch import Scratch

    model = Model(ruleset, registry, ctx)
    blocks: list[tuple[TableModel, dict[str, Chain]]] = []
    for table in ruleset.tables:
        tm = TableModel(model, table)
        model.tables.append(tm)
        # encoded when its turn comes (no jump, no header change)
        blocks.append((tm, {chain.name: chain for chain in table.chains if _deferrable(tm, chain)}))
    scratches: list[Scratch | None] = [None] * len(blocks)

    def prepare(k: int) -> Scratch:
        """Encode the chains of block ``k`` that wait for no turn; its entry sets."""
        apart = scratches[k]
        if apart is None:
            tm, deferred = blocks[k]
            for chain in tm.table.chains:
                tm.rules[chain.name] = [] if chain.name in deferred else _encode_chain(model, tm, chain)
            _exclude_loops(tm)
            tm.order = _topological(tm)
            entries, callers = _entries(model, tm)
            work = functools.partial(_work_out_chain, model, tm, deferred, entries, callers)
            # the leaf chains (nothing depends on them but through their summaries): each worked
            # out in a small manager of its own, the other chains in the model's
            apart = scratches[k] = Scratch(model, tm, deferred, entries, callers, work)
        return apart

    found: list[dict[str, list[Any]]] = [{} for _ in blocks]
    # ... and the long ones of every block shared with a child, while this process first works
    # out what needs none of them (the blocks without any, the short leaf chains)
    long = [{name for name, chain in deferred.items() if len(chain.rules) >= parallel.SHARED_FROM}
            for _, deferred in blocks]
    shared = [(k, name) for k, (tm, _) in enumerate(blocks) if long[k]
              for name in reversed(prepare(k).tm.order) if name in long[k]]

    def work_out(k: int, skip: set[str] = frozenset()) -> None:
        apart = prepare(k)
        for name in reversed(apart.tm.order):
            if name not in skip and name not in found[k]:
                found[k][name] = apart.work(name)

    waiting = [meanwhile] if meanwhile is not None else []

    def run_meanwhile() -> None:
        while waiting:
            waiting.pop()()

    def first() -> None:
        run_meanwhile()
        for k, (tm, _) in enumerate(blocks):
            work_out(k, _waiting(tm, long[k]) if long[k] else set())

    def produce(key: tuple[int, str]) -> tuple:
        return key[0], prepare(key[0]).values(key[1])

    def apply(values: tuple) -> tuple[tuple[int, str], list[Any]]:
        k, described = values
        apart = prepare(k)
        name, findings = parallel.apply_chain(model, apart.tm, apart.entries, apart.callers,
                                              apart.main_work, described)
        return (k, name), findings

    if parallel.available(sum(len(blocks[k][1][name].rules) for k, name in shared)):
        got = parallel.share_chains(shared, lambda key: prepare(key[0]).work(key[1]), produce, apply,
                                    first=first)
        for (k, name), findings in got.items():
            found[k][name] = findings
    run_meanwhile()  # no child was forked
    for k, (tm, _) in enumerate(blocks):
        work_out(k)
        live = _entered(model, tm)
        for chain in tm.table.chains:  # in the order the chains are declared
            if chain.name in live:
                model.findings.extend(found[k].get(chain.name, ()))
    model._ctx = None
    model._placement = {}
    return model


def _waiting(tm: TableModel, shared: set[str]) -> set[str]:
    """The chains ``shared`` and those that jump to them, directly or through other chains."""
    out = set(shared)
    for name in reversed(tm.order):  # callees first
        if any(rm.jump is not None and rm.jump in out for rm in tm.rules[name]):
            out.add(name)
    return out


def _work_out_chain(model: Model, tm: TableModel, deferred: dict[str, Chain], entries: dict[str, Any],
                    callers: dict[str, list[RuleModel]], name: str) -> list[Any]:
    """Encode chain ``name`` if it waited for its turn, walk and summarise it, work out its
    findings (returned), and release its per-rule sets and its rules' BDDs."""
    from fwlint.analysis.findings import chain_findings

    if name in deferred:
        tm.rules[name] = _encode_chain(model, tm, deferred[name])
    analysis = _analyse(model, tm, name, entries.get(name, model.encoding.false))
    analysis.callers = callers.get(name, [])
    tm.analyses[name] = analysis
    out = chain_findings(model, tm, analysis)
    analysis.release()
    # only this chain's analysis reads its rules' sets: release them (read again, they are
    # encoded again), so the live nodes are those of one chain, not of the ruleset
    encode = _Reencode(model, tm, tm.chains[name])
    for rm in tm.rules[name]:
        rm.release(encode)
    model.trim_caches()
    return out


PLAIN_TARGETS = frozenset({"ACCEPT", "DROP", "REJECT", "RETURN", "LOG", "NFLOG",
                           "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"})
"""Targets that neither jump nor change a header field the model follows, whatever their
options (the NAT targets decide: their rewrite is the outcome)."""


def _deferrable(tm: TableModel, chain: Chain) -> bool:
    """A user chain whose rules matter to no other chain before its own analysis: none jumps
    (so the chain graph, the loops and the entry sets do not depend on them) and none changes
    a header field (``_may_modify``), whether or not the kernel would refuse it."""
    if chain.builtin:
        return False
    for rule in chain.rules:
        t = rule.target
        if t is None:
            continue
        if t.goto or t.name in tm.chains or t.name not in PLAIN_TARGETS:
            return False
        if any(getattr(o, "unresolved", False) for o in t.options):
            return False  # an unresolved option makes the target "may change anything"
    return True


def _encode_chain(model: Model, tm: TableModel, chain: Chain) -> list[RuleModel]:
    rules = []
    for i, rule in enumerate(chain.rules):
        rm = model.build_rule(tm, chain, i, rule)
        rules.append(rm)
        model._by_rule[id(rule)] = (tm, rm)
    return rules


class _Reencode:
    """Sets a released rule's BDDs again (weak references: the rules are the model's)."""

    __slots__ = ("chain", "model", "tm")

    def __init__(self, model: Model, tm: TableModel, chain: Chain) -> None:
        self.model = weakref.ref(model)
        self.tm = weakref.ref(tm)
        self.chain = chain

    def __call__(self, rm: RuleModel) -> None:
        model, tm = self.model(), self.tm()
        if model is None or tm is None:
            raise RuntimeError("the model this rule belongs to is gone")
        model.encode_again(tm, self.chain, rm)


def _may_modify(tm: TableModel) -> dict[str, bool]:
    """Chains that may change header fields (a rule with header changes, or a jump to such a
    chain), as written: known before any chain is walked."""
    out: dict[str, bool] = {}
    for name in reversed(tm.order):
        out[name] = any(not rm.excluded and (
            (rm.jump is not None and out.get(rm.jump, False))
            or (rm.action is not None and bool(rm.action.steps))) for rm in tm.rules[name])
    return out


def _entries(model: Model, tm: TableModel) -> tuple[dict[str, Any], dict[str, list[RuleModel]]]:
    """What may enter each chain, callers first: the whole space for a built-in chain; for a
    user chain, what the conditions of the jumps to it let through within their chains' entries
    (before a header change; anything after one).  A superset of what arrives: what earlier
    rules of the callers decide is not taken off, which would make the entry sets as large as
    the callers' whole state and every rule of the chain pay for it.  Jumps the walks find
    unreachable still count here (their chains' findings are dropped, see ``_entered``)."""
    enc = model.encoding
    universe, false = enc.universe, enc.false
    modifies = _may_modify(tm)
    hooks = BUILTIN_CHAINS.get(tm.table.name, ())
    sent: dict[str, list[Any]] = {}
    callers: dict[str, list[RuleModel]] = {}
    entries: dict[str, Any] = {}
    for name in tm.order:
        chain = tm.chains[name]
        if chain.builtin and name in hooks:
            entry = universe
        else:
            entry = union_all(sent.get(name, []), false)
            if entry != false and (universe & ~entry) == false:
                entry = universe
        entries[name] = entry
        if entry == false:
            continue
        changed = False
        for rm in tm.rules[name]:
            if rm.excluded:
                continue
            if rm.jump is not None:
                within = universe if changed else entry
                part = within & rm.upper
                if part != false:
                    sent.setdefault(rm.jump, []).append(part)
                    callers.setdefault(rm.jump, []).append(rm)
                changed = changed or modifies.get(rm.jump, False)
            elif rm.action is not None and rm.action.steps:
                changed = True
    return entries, callers


def _entered(model: Model, tm: TableModel) -> set[str]:
    """The chains some packet may enter: the built-in ones, and those a jump that may take a
    packet leads to from an entered chain."""
    false = model.encoding.false
    live = {name for name in tm.order if tm.chains[name].builtin}
    for name in tm.order:
        if name not in live:
            continue
        walk = tm.walks.get(name)
        for rm, hit in (walk.calls if walk is not None else ()):
            if hit is True or (not isinstance(hit, bool) and hit != false):
                live.add(rm.jump)
    return live


def _analyse(model: Model, tm: TableModel, name: str, entry: Any) -> ChainAnalysis:
    """Walk a chain (its callees done) from the whole space, summarise it, and set up its
    analysis from ``entry`` (applied lazily when no header changes; else by a second walk)."""
    enc = model.encoding
    universe, false = enc.universe, enc.false
    chain = tm.chains[name]
    walk = _Walk(model, tm, chain, universe)
    walk.run()
    tm.walks[name] = walk
    if not chain.builtin:
        tm.summaries[name] = walk.summary()
    if walk.pure or entry == universe or entry == false:
        analysis = ChainAnalysis(model, tm, chain, entry, walk, context_free=entry != universe)
    else:
        context = _Walk(model, tm, chain, entry)
        context.run()
        context.release()
        analysis = ChainAnalysis(model, tm, chain, entry, context, context_free=False)
    walk.release()
    return analysis


def describe_target(rule: Rule) -> str:
    """``-j DROP``, ``-g CHAIN``, ``-j REJECT`` (no options), or "no target"."""
    t = rule.target
    if t is None:
        return "no target"
    return f"{'-g' if t.goto else '-j'} {t.name}"


def same_rule_key(rule: Rule, registry: Registry, family: int) -> tuple:
    return rule_key(rule, registry, family, ignore_comments=True)


def network_of(text: str, family: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)
