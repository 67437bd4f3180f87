"""Both processors on a big ruleset: the chains nothing else depends on, shared with a forked child.

A user chain with no jump and no header change (``model._deferrable``) is a leaf of the chain
graph: its rules are encoded when its turn comes, its walk, summary and findings depend only on
its own rules and its entry set, and the only thing of it another chain reads is its summary.
gen_ruleset.py-like rulesets keep most of their rules in such chains.  So once the entry sets
of every table block are known (``model._entries``), one child is forked with the whole model
in memory and the two processes share the long leaf chains of all the blocks out: the child
takes them from the front of the list; this process first runs the other lint rules of
``fwlint check`` (build_model's ``meanwhile``) and works out what needs none of them (the other
chains of a block without such chains, the short leaf chains: ``first``), then
takes them from the back, each claiming the next under a lock in shared memory (so a process
slowed down by the machine's other work leaves more to the other).  The chains that jump to
shared ones come after.  The child never waits for this process to read: what the pipe
cannot take yet is queued in the child and written with its next chains (``_Sender``), and
this process takes only whole values (``_Receiver``).  The child sends, per chain, what this
process needs of it, as plain values:

* each rule's model without its BDDs (why it is left out, approximations, action, protocol:
  the BDDs are encoded again here if anything reads them, as for every released rule);
* the chain's summary (outcome labels, approximations, whether it is coarse or small) with its
  sets as BDD node lists (``dump_bdd``/``load_bdd``: the two managers have the same variables
  in the same order, so a set rebuilt here is the child's set);
* the findings: code, kind, message, outcome and the rules involved as (chain, index).

The chain's analysis here is set up released (walked again when asked for, as any released
one), and a finding's ``packets`` are worked out again here when read (``RemoteFinding``).
Every value is the one this process would compute: the child runs the same code on a copy of
the same model.  Chains the child claimed but whose results never came (it died, or failed)
are worked out here, so the findings are always complete.

Used only where ``os.fork`` exists, with two processors or more, and for a ruleset whose leaf
chains of ``SHARED_FROM`` rules or more (the others stay here) hold ``PARALLEL_FROM`` rules or
more.  The chains are worked out in scratch managers on both sides (fwlint.analysis.scratch).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import mmap
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable
from typing import Any

from fwlint.forking import flush_before_fork
from fwlint.forking import processors as _processors

PARALLEL_FROM = 4000
"""Rules in the leaf chains the child may take (``SHARED_FROM``), all table blocks together,
from which a child takes part (forking and sending the results back cost some milliseconds)."""

SHARED_FROM = 8
"""Rules in a leaf chain from which the child may take it: a shorter one costs this process
more to set up from the child's values than to work out (kube-proxy's one-rule endpoint
chains)."""

FAULT_AFTER: int | None = None
"""Tests only: the child leaves without a word after sending this many chains."""

_END = "end"


def available(rules: int) -> bool:
    """A child is worth forking for leaf chains of ``rules`` rules, and can be (no thread runs
    that the child would lack)."""
    return rules >= PARALLEL_FROM and hasattr(os, "fork") and _processors() >= 2 \
        and threading.active_count() == 1


# --- BDDs as plain values -----------------------------------------------------------------


def dump_bdd(bdd: Any, u: Any) -> tuple[list[tuple[str, int, int]], int]:
    """The nodes of ``u`` (variable, low, high; 0 is false, 1 true, k + 2 the k-th node,
    children before parents) and the reference of its root."""
    true, false = bdd.true, bdd.false
    refs: dict[int, int] = {int(false): 0, int(true): 1}
    nodes: list[tuple[str, int, int]] = []
    stack = [u]
    while stack:
        v = stack[-1]
        key = int(v)
        if key in refs:
            stack.pop()
            continue
        low, high = v.low, v.high
        if v.negated:  # dd gives the children of the regular node: complement them
            low, high = ~low, ~high
        lk, hk = refs.get(int(low)), refs.get(int(high))
        if lk is None or hk is None:
            if lk is None:
                stack.append(low)
            if hk is None:
                stack.append(high)
            continue
        stack.pop()
        refs[key] = len(nodes) + 2
        nodes.append((v.var, lk, hk))
    return nodes, refs[int(u)]


def load_bdd(bdd: Any, dumped: tuple[list[tuple[str, int, int]], int]) -> Any:
    nodes, root = dumped
    built = [bdd.false, bdd.true]
    for name, low, high in nodes:
        built.append(bdd.ite(bdd.var(name), built[high], built[low]))
    return built[root]


# --- the shared claims --------------------------------------------------------------------


class _Claims:
    """The next chain each process takes: front (the child) and back (this process).

    Each process moves only its own end, by one, in an aligned 8-byte word of shared memory,
    so every chain is claimed at least once even without the lock: the lock only keeps the two
    from both taking the last one (harmless: the child's result replaces this process's, the
    same values).  A lock not had within LOCK_WAIT seconds (the child died holding it) is not
    asked for again."""

    LOCK_WAIT = 2.0

    def __init__(self, count: int) -> None:
        import multiprocessing

        self._lock = multiprocessing.get_context("fork").Lock()
        self._locking = True
        self._memory = mmap.mmap(-1, 16)
        self._slots = memoryview(self._memory).cast("q")
        self._slots[0] = 0
        self._slots[1] = count - 1

    def _claim(self, end: int) -> int | None:
        held = self._locking and self._lock.acquire(timeout=self.LOCK_WAIT)
        if not held:
            self._locking = False
        try:
            k = self._slots[end]
            if (k > self._slots[1]) if end == 0 else (k < self._slots[0]):
                return None
            self._slots[end] = k + 1 if end == 0 else k - 1
            return k
        finally:
            if held:
                self._lock.release()

    def front(self) -> int | None:
        return self._claim(0)

    def back(self) -> int | None:
        return self._claim(1)

    def child_claimed(self) -> int:
        """How many chains the child claimed (they are the first ones)."""
        return self._slots[0]


# --- the two halves -----------------------------------------------------------------------


def _widen(fd: int) -> None:
    """Let the pipe hold more of what the child sends before it has to keep the rest itself
    (Linux: 1 MiB, the default limit for a process; the default 64 KiB is a few chains)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (OSError, ImportError):
        pass  # the default size: the child keeps more in its queue, the result is the same


_FRAME = struct.Struct("!Q")
"""Each value on the pipe: its pickle's length, then the pickle."""


class _Sender:
    """The child's end of the pipe.  What it sends is queued and written as far as the pipe
    takes it at once, so the child never waits for this process to read while chains remain
    (this process may be busy for seconds with its first part and, in ``fwlint check``, the
    other lint rules: 2.2 MB of values at 50,000 rules, more than the pipe holds); only
    ``close`` waits until everything is written."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.queue = bytearray()
        os.set_blocking(fd, False)

    def send(self, value: Any) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.queue += _FRAME.pack(len(data))
        self.queue += data
        self._write()

    def _write(self) -> None:
        while self.queue:
            try:
                written = os.write(self.fd, self.queue)
            except BlockingIOError:
                return  # the pipe is full: the rest goes with a later send
            del self.queue[:written]

    def close(self) -> None:
        os.set_blocking(self.fd, True)
        self._write()
        os.close(self.fd)


class _Receiver:
    """This process's end of the pipe: the values the child sent, read without waiting for a
    value only partly written (the child writes the rest with its next chain)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()  # what was read and not yet taken: the start of a value
        self.closed = False

    def take(self, block: bool) -> list[Any]:
        """The values complete so far: those in the pipe now, or (``block``) every value until
        the child closes its end."""
        if not self.closed:
            os.set_blocking(self.fd, block)
            while True:
                try:
                    chunk = os.read(self.fd, 1 << 20)
                except BlockingIOError:
                    break
                except OSError:
                    chunk = b""
                if not chunk:
                    self.closed = True
                    break
                self.buffer += chunk
        out: list[Any] = []
        buffer, start = self.buffer, 0
        with memoryview(buffer) as view:
            while len(buffer) - start >= _FRAME.size:
                (size,) = _FRAME.unpack_from(view, start)
                end = start + _FRAME.size + size
                if end > len(buffer):
                    break
                with view[start + _FRAME.size:end] as value:
                    out.append(pickle.loads(value))
                start = end
        del buffer[:start]
        return out

    def close(self) -> None:
        os.close(self.fd)


def share_chains(names: list[Any], work: Callable[[Any], list[Any]],
                 produce: Callable[[Any], Any],
                 apply: Callable[[Any], tuple[Any, list[Any]]],
                 first: Callable[[], None] | None = None) -> dict[Any, list[Any]]:
    """Work out the chains ``names`` with a forked child: ``work(name)`` analyses one chain
    here and gives its findings; ``produce(name)`` analyses one in the child and gives what
    it found as plain values (``describe_chain``); ``apply(values)``, here, sets the chain up
    in this process and gives its name and findings.  ``first()`` runs here once the child is
    at work, before this process takes its part (work that needs none of ``names``).
    Returns name -> findings for every chain of ``names``, or nothing when no child could be
    forked (the caller works them out, and does what ``first`` would have)."""
    try:
        claims = _Claims(len(names))
        read_fd, write_fd = os.pipe()
        _widen(write_fd)
    except OSError:
        return {}  # no shared memory or pipe to be had: the caller works them all out
    flush_before_fork()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return {}
    if pid == 0:  # the child: claim, work, send; leave without running any exit handler
        status = 1
        sender: _Sender | None = None
        try:
            os.close(read_fd)
            gc.disable()
            sender = _Sender(write_fd)
            sent = 0
            while True:
                k = claims.front()
                if k is None:
                    break
                if FAULT_AFTER is not None and sent >= FAULT_AFTER:
                    sender.close()  # what was sent arrives; the rest never comes
                    os._exit(3)
                sender.send(produce(names[k]))
                sent += 1
            sender.send(_END)
            sender.close()
            status = 0
        except BaseException:  # noqa: BLE001 - the parent works out what did not come
            if sender is not None:
                with contextlib.suppress(OSError):  # the parent gone: nothing to send to
                    sender.close()  # the chains done before arrive
        finally:
            os._exit(status)
    os.close(write_fd)
    receiver = _Receiver(read_fd)
    found: dict[str, list[Any]] = {}
    received: list[Any] = []
    ended = False

    def take(block: bool) -> None:
        nonlocal ended
        if ended:
            return
        for item in receiver.take(block):
            if isinstance(item, str) and item == _END:
                ended = True
            else:
                received.append(item)
        if receiver.closed:
            ended = True  # _END, or the child left without it: what never came is worked out here

    try:
        if first is not None:
            first()
        while True:
            k = claims.back()
            if k is None:
                break
            found[names[k]] = work(names[k])
            take(False)
        take(True)
    finally:
        try:
            receiver.close()
        except OSError:
            pass
        try:
            if not ended:  # this process is failing: the child's work is of no use
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    for values in received:
        name, findings = apply(values)
        found[name] = findings
    for name in names[:claims.child_claimed()]:
        if name not in found:  # claimed by the child, never received: work it out here
            found[name] = work(name)
    return found



# --- a chain as plain values, and back ----------------------------------------------------


def describe_chain(model: Any, tm: Any, name: str, findings: list[Any],
                   carry: Callable[[Any], Any] | None = None) -> tuple:
    """What was found for chain ``name`` (in the child, or in a scratch manager), as plain
    values but for the summary's sets: ``carry(u)`` gives what stands for each (default:
    ``dump_bdd``'s node lists)."""
    analysis = tm.analyses[name]
    walk = tm.walks[name]
    if not walk.pure or walk.calls or analysis._walk is not walk or name not in tm.summaries:
        return ("again", name)  # not a leaf as expected: the other process works it out
    if carry is None:
        carry = functools.partial(dump_bdd, model.encoding.bdd)
    summary = tm.summaries[name]
    if summary.coarse:
        sets = None
    else:
        returned = None if summary.returned == summary.may_return else carry(summary.returned)
        decided = None if summary._may_decide is None else \
            {label: carry(u) for label, u in summary._may_decide.items()}
        sets = (carry(summary.may_return), returned, decided)
    described_summary = (tuple(sorted(summary.labels)), summary.approximations, tuple(sorted(summary.modifies)),
                         summary.coarse, summary.small, sets)
    rules = [(rm.excluded, rm.approximations, rm.action, rm.jump, rm.goto, rm.protocol) for rm in tm.rules[name]]
    found = [(f.code, f.kind, f.rule.index, f.message, [(b.chain, b.index) for b in f.blockers],
              [(b.chain, b.index) for b in f.also], f.outcome, f.to_policy, f.approximations)
             for f in findings]
    return ("chain", name, rules, list(walk.segment), sorted(walk.widened), analysis._context_free,
            described_summary, found)


def apply_chain(model: Any, tm: Any, entries: dict[str, Any], callers: dict[str, list[Any]],
                work: Callable[[str], list[Any]], values: tuple,
                load: Callable[[Any], Any] | None = None) -> tuple[str, list[Any]]:
    """Set chain ``values`` (from ``describe_chain``) up in this process, as ``work`` would
    have; its name and findings.  ``load(carried)`` gives the set a carried one stands for, in
    this process's manager (default: ``load_bdd`` of node lists)."""
    from fwlint.analysis.findings import RemoteFinding
    from fwlint.analysis.model import ChainAnalysis, ChainSummary, RuleModel, _Reencode, _Walk

    if values[0] == "again":
        return values[1], work(values[1])
    _, name, rules, segment, widened, context_free, described_summary, found = values
    enc = model.encoding
    bdd, true, false = enc.bdd, enc.true, enc.false
    if load is None:
        load = functools.partial(load_bdd, bdd)
    chain = tm.chains[name]
    encode = _Reencode(model, tm, chain)
    models = []
    for i, (rule, (excluded, approximations, action, jump, goto, protocol)) in enumerate(zip(chain.rules, rules)):
        rm = RuleModel(rule, name, i, excluded, approximations, action, jump, goto, protocol)
        if excluded is not None:
            rm.upper = rm.lower = false
        else:
            rm._encode = encode
        models.append(rm)
        model._by_rule[id(rule)] = (tm, rm)
    tm.rules[name] = models

    labels, approximations, modifies, coarse, small, sets = described_summary
    summary = ChainSummary.__new__(ChainSummary)
    summary._false, summary._true = false, true
    summary.labels = frozenset(labels)
    summary.approximations = approximations
    summary.modifies = frozenset(modifies)
    summary.coarse, summary.small = coarse, small
    summary._may_decide = None
    if sets is None:
        summary.may_return = summary.returned = true
    else:
        may_return, returned, decided = sets
        summary.may_return = load(may_return)
        summary.returned = summary.may_return if returned is None else load(returned)
        if decided is not None:
            summary._may_decide = {label: load(u) for label, u in decided.items()}
    tm.summaries[name] = summary

    walk = _Walk(model, tm, chain, enc.universe)  # released: walked again when asked for
    walk.segment = segment
    walk.widened = set(widened)
    walk.reach = walk.hits = walk.end = None
    walk.release()
    tm.walks[name] = walk
    analysis = ChainAnalysis(model, tm, chain, entries.get(name, false), walk, context_free)
    analysis.callers = callers.get(name, [])
    tm.analyses[name] = analysis

    def rules_at(places: list[tuple[str, int]]) -> list[Any]:
        return [tm.rules[c][k] for c, k in places]

    out = [RemoteFinding(code, kind, analysis, models[index], message, blockers=rules_at(blockers),
                         also=rules_at(also), outcome=outcome, to_policy=to_policy,
                         approximations=approximations)
           for code, kind, index, message, blockers, also, outcome, to_policy, approximations in found]
    return name, out
