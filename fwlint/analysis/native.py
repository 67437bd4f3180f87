"""Questions about BDDs answered inside CUDD without building a BDD: "is f within g?", "do f
and g share a packet?", "do f, g and h?"; and a set moved from one manager to another with the
same variables.

``dd.cudd`` answers them by building ``f & ~g`` and comparing it with false: the whole
conjunction is built (and its nodes later collected) when one path of it settles the question.
CUDD's own ``Cudd_bddLeq`` walks both BDDs, stops at the first path that decides, builds
nothing and caches its steps; on a chain's "remaining packets" set (thousands of nodes) it is
many times cheaper than the conjunction.  ``dd.cudd`` does not wrap it, so it is called here
through ctypes on the extension module's own exported symbol.  The manager pointer is read
from the ``dd.cudd.BDD`` object, where Cython lays out its C fields; the layout is checked
against what CUDD itself reports (the constant ``one``, the number of variables, the node a
``Function`` wraps, and ``Cudd_bddLeq`` on known functions) before it is used, and
:class:`Plain` (the same questions with dd's operators) is used when anything differs.

``transfer`` moves a set to another manager declaring the same variables in the same order
(fwlint.analysis.scratch): CUDD's transfer with the identity renaming, called the same way
(``dd.cudd.BDD.copy`` does the same after work in Python that costs more than the transfer of
a small set); ``nodes`` is how many nodes the manager holds, dead ones included, and
``collect`` frees the dead ones now (CUDD's ``cuddGarbageCollect``, which CUDD itself calls
when its tables fill; exported by dd's build though not part of CUDD's API).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

_WORD = ctypes.sizeof(ctypes.c_size_t)


class Plain:
    """The questions with dd's operators (builds the conjunction)."""

    native = False

    def __init__(self, bdd: Any) -> None:
        self.false = bdd.false

    def within(self, f: Any, g: Any) -> bool:
        """Every packet of ``f`` is in ``g``."""
        return (f & ~g) == self.false

    def disjoint(self, f: Any, g: Any) -> bool:
        """No packet is in both ``f`` and ``g``."""
        return (f & g) == self.false

    def disjoint3(self, f: Any, g: Any, h: Any) -> bool:
        """No packet is in all of ``f``, ``g`` and ``h``."""
        return (f & g & h) == self.false

    # For loops that ask many questions of the same sets: a key stands for a set (the caller
    # keeps the set alive while it uses the key), and ``within_keys(key(f), key(g))`` is
    # ``within(f, g)``; so ``within_keys(key(f), key(~g))`` is ``disjoint(f, g)``.

    def key(self, f: Any) -> Any:
        return f

    def within_keys(self, f: Any, g: Any) -> bool:
        return (f & ~g) == self.false

    def transfer(self, u: Any, target: Plain, target_bdd: Any) -> Any:
        """``u`` (of this manager) in the manager ``target_bdd`` (whose questions are
        ``target``), which declares the same variables in the same order."""
        return u.bdd.copy(u, target_bdd)

    def nodes(self) -> int | None:
        """The nodes the manager holds, live and dead (None: not known)."""
        return None

    def collect(self) -> bool:
        """Free the dead nodes now (CUDD's own garbage collection, computed table included);
        False when it cannot be asked for."""
        return False


class Native(Plain):
    """The questions through ``Cudd_bddLeq`` (builds nothing)."""

    native = True

    def __init__(self, bdd: Any, manager: int, lib: Any, variables: int) -> None:
        super().__init__(bdd)
        self._manager = manager
        self._leq = lib.Cudd_bddLeq
        self._leq_unless = lib.fwlint_leq_unless  # checked in questions()
        self._lib = lib
        self._variables = variables
        self._renaming: Any = None
        self._move = lib.fwlint_move if hasattr(bdd, "_add_int") else None  # checked in questions()

    def within(self, f: Any, g: Any) -> bool:
        return bool(self._leq(self._manager, int(f) - 2, int(g) - 2))

    def disjoint(self, f: Any, g: Any) -> bool:
        return bool(self._leq(self._manager, int(f) - 2, int(~g) - 2))

    def disjoint3(self, f: Any, g: Any, h: Any) -> bool:
        # f & g <= ~h, asked as "f <= ~h unless ~g" (CUDD's Cudd_bddLeqUnless: f & ~D <= g)
        unless = self._leq_unless
        if unless is None:
            return super().disjoint3(f, g, h)
        return bool(unless(self._manager, int(f) - 2, int(~h) - 2, int(~g) - 2))

    def key(self, f: Any) -> Any:
        return int(f) - 2

    def within_keys(self, f: Any, g: Any) -> bool:
        return bool(self._leq(self._manager, f, g))

    def transfer(self, u: Any, target: Plain, target_bdd: Any) -> Any:
        move = self._move
        if move is None or not isinstance(target, Native) or target._move is None \
                or target._variables != self._variables:
            return super().transfer(u, target, target_bdd)
        if self._renaming is None:
            self._renaming = (ctypes.c_int * self._variables)(*range(self._variables))
        node = move(self._manager, target._manager, int(u) - 2, self._renaming)
        if not node:
            raise MemoryError("CUDD could not move a set to another manager")
        return target_bdd._add_int(node + 2)  # referenced at once: nothing ran in between

    def nodes(self) -> int | None:
        keys = self._lib.fwlint_keys
        return None if keys is None else int(keys(self._manager))

    def collect(self) -> bool:
        collect = self._lib.fwlint_collect
        if collect is None:
            return False
        collect(self._manager, 1)  # the referenced nodes (every live Function) stay
        return True


def _library(module: Any) -> Any | None:
    path = getattr(module, "__file__", None)
    if not path:
        return None
    try:
        lib = ctypes.CDLL(path)
        leq, read_one, read_size = lib.Cudd_bddLeq, lib.Cudd_ReadOne, lib.Cudd_ReadSize
    except (OSError, AttributeError):
        return None
    leq.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    leq.restype = ctypes.c_int
    lib.fwlint_move = lib.fwlint_keys = lib.fwlint_collect = lib.fwlint_leq_unless = None  # when exported
    unless = getattr(lib, "Cudd_bddLeqUnless", None)
    if unless is not None:
        unless.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        unless.restype = ctypes.c_int
        lib.fwlint_leq_unless = unless
    move = getattr(lib, "Cudd_bddTransferRename", None)  # dd's own addition to CUDD
    if move is not None:
        move.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
        move.restype = ctypes.c_void_p
        lib.fwlint_move = move
    keys = getattr(lib, "Cudd_ReadKeys", None)
    if keys is not None:
        keys.argtypes = [ctypes.c_void_p]
        keys.restype = ctypes.c_uint
        lib.fwlint_keys = keys
    collect = getattr(lib, "cuddGarbageCollect", None)  # internal, but exported by dd's build
    if collect is not None:
        collect.argtypes = [ctypes.c_void_p, ctypes.c_int]
        collect.restype = ctypes.c_int
        lib.fwlint_collect = collect
    read_one.argtypes = [ctypes.c_void_p]
    read_one.restype = ctypes.c_void_p
    read_size.argtypes = [ctypes.c_void_p]
    read_size.restype = ctypes.c_int
    return lib


def _words(obj: Any, count: int) -> list[int] | None:
    """The first ``count`` machine words of a Python object, when it is that large."""
    if sys.getsizeof(obj) < count * _WORD:
        return None
    return list((ctypes.c_size_t * count).from_address(id(obj)))


def questions(bdd: Any, variables: int) -> Plain:
    """The fastest sound way to ask the questions of this manager (``variables``: how many
    it declares, a check on the manager found)."""
    module = sys.modules.get(type(bdd).__module__)
    lib = _library(module) if module is not None else None
    if lib is None or type(bdd).__module__ != "dd.cudd":
        return Plain(bdd)
    true = bdd.true
    # dd.cudd.Function: object header, vtable, __weakref__, bdd, manager, node, _ref
    fwords = _words(true, 7)
    if fwords is None or fwords[4] != id(bdd) or fwords[6] != int(true) - 2:
        return Plain(bdd)
    manager = fwords[5]
    bwords = _words(bdd, 4)
    if bwords is None or manager not in bwords or manager == 0:
        return Plain(bdd)
    if lib.Cudd_ReadOne(manager) != int(true) - 2 or lib.Cudd_ReadSize(manager) != variables:
        return Plain(bdd)
    out = Native(bdd, manager, lib, variables)
    # the answers on functions whose answers are known
    names = list(bdd.vars)[:2]
    if len(names) == 2:
        x, y = bdd.var(names[0]), bdd.var(names[1])
        checks = [(out.within(x & y, x), True), (out.within(x, x & y), False),
                  (out.disjoint(x & y, ~x), True), (out.disjoint(x, y), False),
                  (out.within(bdd.false, x), True), (out.disjoint(true, bdd.false), True)]
        if any(got != want for got, want in checks):
            return Plain(bdd)
        if out._leq_unless is not None:
            threes = [((x, y, x & y), False), ((x, ~x, y), True), ((x, y, ~y), True),
                      ((x, y, ~x), True), ((x & y, ~x | ~y, true), True),
                      ((x | y, ~x, ~y), True), ((x | y, ~x, y), False), ((true, true, x), False)]
            if any(out.disjoint3(*args) != want for args, want in threes):
                out._leq_unless = None  # dd's operators instead
        if out._move is not None:  # a set moved within the manager comes back as itself
            try:
                if out.transfer(x & ~y, out, bdd) != x & ~y:
                    out._move = None
            except Exception:  # noqa: BLE001 - anything unexpected: dd's own copy instead
                out._move = None
    return out
