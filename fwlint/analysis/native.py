"""Questions about BDDs answered inside CUDD without building a BDD: "is f within g?", "do f
and g share a packet?".

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

    # For loops that ask many questions of the same sets: a key stands for a set (the caller
    # keeps the set alive while it uses the key), and ``within_keys(key(f), key(g))`` is
    # ``within(f, g)``; so ``within_keys(key(f), key(~g))`` is ``disjoint(f, g)``.

    def key(self, f: Any) -> Any:
        return f

    def within_keys(self, f: Any, g: Any) -> bool:
        return (f & ~g) == self.false


class Native(Plain):
    """The questions through ``Cudd_bddLeq`` (builds nothing)."""

    native = True

    def __init__(self, bdd: Any, manager: int, leq: Any) -> None:
        super().__init__(bdd)
        self._manager = manager
        self._leq = leq

    def within(self, f: Any, g: Any) -> bool:
        return bool(self._leq(self._manager, int(f) - 2, int(g) - 2))

    def disjoint(self, f: Any, g: Any) -> bool:
        return bool(self._leq(self._manager, int(f) - 2, int(~g) - 2))

    def key(self, f: Any) -> Any:
        return int(f) - 2

    def within_keys(self, f: Any, g: Any) -> bool:
        return bool(self._leq(self._manager, f, g))


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
    out = Native(bdd, manager, lib.Cudd_bddLeq)
    # the answers on functions whose answers are known
    names = list(bdd.vars)[:2]
    if len(names) == 2:
        x, y = bdd.var(names[0]), bdd.var(names[1])
        checks = [(out.within(x & y, x), True), (out.within(x, x & y), False),
                  (out.disjoint(x & y, ~x), True), (out.disjoint(x, y), False),
                  (out.within(bdd.false, x), True), (out.disjoint(true, bdd.false), True)]
        if any(got != want for got, want in checks):
            return Plain(bdd)
    return out
