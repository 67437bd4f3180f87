"""Leaf chains worked out in a small BDD manager of their own, their results moved back.

Every CUDD operation costs per node it visits or makes, and at the size of a large ruleset's
model (hundreds of thousands of live nodes, millions made and collected, a computed table of
millions of entries) nearly every visit misses the processor's caches: in the main manager an
AND of two 50-node rule sets took ~25 µs and a step of a chain's walk 100-200 µs at 50,000
rules.  A leaf chain (no jump, no header change: ``model._deferrable``) reads nothing of the
model but its own rules and its entry set, so it is worked out in a scratch manager: the same
variables in the same order, small tables (``Encoding(scratch=True)``), its nodes in the
caches, the same operations several times faster.  What the rest of the analysis needs of the
chain comes back as from fwlint.analysis.parallel's child (``describe_chain``/``apply_chain``):
the rules' models without their BDDs (encoded again in the main manager if read), the summary
with its sets moved to the main manager (CUDD's transfer: ``native.Plain.transfer``), the
findings with their rules as (chain, index), the chain's analysis set up released (walked
again in the main manager when asked for; a finding's packets likewise).

A scratch manager serves chain after chain: once it holds more than ``SCRATCH_NODES`` nodes
(dead ones included) its dead nodes are collected, and if the caches of encoded values still
keep half of that alive, it is dropped with everything in it and a new one is made (~1.5 ms).
Chains of fewer than ``SCRATCH_FROM`` rules stay in the main manager (their few operations do
not pay for moving the entry set over and the results back), and so do chains of more than
``SCRATCH_UPTO`` (their sets may outgrow a scratch manager's small computed table).

The sets are the same BDDs (canonical for the variable order), so every size a budget compares
(``SUMMARY_BUDGET``, ``EXACT_JUMP_BUDGET``), every finding and every message is the one the
main manager gives; tests/analysis/test_scratch.py holds the two against each other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fwlint.analysis.fields import Encoding

SCRATCH_FROM = 8
"""Rules in a leaf chain from which it is worked out in a scratch manager."""

SCRATCH_UPTO = 2000
"""Rules in a leaf chain up to which it is worked out in a scratch manager (a longer chain's
sets may outgrow a small computed table: it stays in the main manager)."""

SCRATCH_NODES = 60_000
"""Nodes (live and dead) past which a scratch manager's dead nodes are collected before the
next chain; it is replaced by a new one when half of that stays live."""

SCRATCH_CHAINS = 16
"""Chains a scratch manager serves when its node count cannot be read (no native CUDD calls)."""


class Scratch:
    """The leaf chains of one table block worked out in scratch managers.

    ``work(name)`` gives the chain's findings with the chain set up in the main model (as
    ``model._work_out_chain`` does); ``values(name)`` gives what ``parallel.describe_chain``
    gives (plain values: for a forked child to send).  Both go through the main model for a
    chain of fewer than ``SCRATCH_FROM`` rules."""

    def __init__(self, model: Any, tm: Any, deferred: dict[str, Any], entries: dict[str, Any],
                 callers: dict[str, list[Any]], work: Callable[[str], list[Any]]) -> None:
        self.model = model
        self.tm = tm
        self.deferred = deferred
        self.entries = entries
        self.callers = callers
        self.main_work = work
        self._apart: Any = None  # the Model over the current scratch manager
        self._moved: dict[int, tuple[Any, Any]] = {}  # entry sets moved: main node -> (main, moved)
        self._served = 0

    def apart(self, name: str) -> bool:
        """Chain ``name`` is worked out in a scratch manager."""
        chain = self.deferred.get(name)
        return chain is not None and SCRATCH_FROM <= len(chain.rules) <= SCRATCH_UPTO

    def work(self, name: str) -> list[Any]:
        from fwlint.analysis.parallel import apply_chain

        if not self.apart(name):
            return self.main_work(name)
        apart, values = self._values(name, None)
        main = self.model.encoding
        ask = apart.encoding.ask

        def load(u: Any) -> Any:
            return ask.transfer(u, main.ask, main.bdd)

        return apply_chain(self.model, self.tm, self.entries, self.callers, self.main_work, values, load)[1]

    def values(self, name: str) -> tuple:
        from fwlint.analysis.parallel import describe_chain

        if not self.apart(name):
            return describe_chain(self.model, self.tm, name, self.main_work(name))
        return self._values(name, "plain")[1]

    def _values(self, name: str, carry: str | None) -> tuple[Any, tuple]:
        from fwlint.analysis.model import _work_out_chain
        from fwlint.analysis.parallel import describe_chain, dump_bdd

        apart = self._manager()
        enc = apart.encoding
        tm = self.tm.apart(apart)
        entry = self._entry(apart, self.entries.get(name, self.model.encoding.false))
        found = _work_out_chain(apart, tm, self.deferred, {name: entry}, self.callers, name)
        keep = functools.partial(dump_bdd, enc.bdd) if carry == "plain" else _same
        return apart, describe_chain(apart, tm, name, found, keep)

    def _manager(self) -> Any:
        apart = self._apart
        if apart is not None:
            ask = apart.encoding.ask
            nodes = ask.nodes()
            if nodes is not None and nodes > SCRATCH_NODES and ask.collect():
                nodes = ask.nodes()  # what the caches of encoded values keep
                full = nodes is None or nodes > SCRATCH_NODES // 2
            else:
                full = self._served >= SCRATCH_CHAINS if nodes is None else nodes > SCRATCH_NODES
            if not full:
                self._served += 1
                return apart
        self._apart = None
        self._moved = {}
        main = self.model.encoding
        enc = Encoding(main.family, main.interfaces, scratch=True)
        if enc.bdd.var_levels != main.bdd.var_levels:  # cannot happen: the same fields, widths, order
            raise RuntimeError("a scratch manager with other variables than the model's")
        self._apart = apart = self.model.apart(enc)
        self._served = 1
        return apart

    def _entry(self, apart: Any, entry: Any) -> Any:
        main, enc = self.model.encoding, apart.encoding
        if entry == main.universe:
            return enc.universe
        if entry == main.false:
            return enc.false
        hit = self._moved.get(int(entry))
        if hit is None:
            hit = self._moved[int(entry)] = (entry, main.ask.transfer(entry, enc.ask, enc.bdd))
        return hit[1]


def _same(u: Any) -> Any:
    return u
