"""The validity pass of a big translation, worked out in a second process while this one translates.

Before translating a rule, the translator asks the validity rules (FW1xx, through
fwlint.parse.script_lint.ValidityRefusal) whether iptables refuses it.  That answer depends on
the rule, its table, its chain and the family only, and costs about as much as translating the
rule.  For a big ruleset a child process, forked with the AST already in memory (nothing is
copied or pickled but the answers), asks the same question of the rules in the order the
translator goes through them, and sends the answers back in small batches; the translator takes
each rule's answer from there, or works it out itself when the child has not got that far.  The
translator's position is in memory both processes share: a child that falls behind skips ahead
of it, so neither does the other's work twice and, when answering is the slower half, the two
share it.  Either way each answer is the one ValidityRefusal gives: the child runs the same code
on the same objects.

Used only where ``os.fork`` exists, with more than one processor, and for rulesets of
``AHEAD_FROM`` rules or more.  If the child fails or is slow, nothing is lost but its help.
"""

from __future__ import annotations

import gc
import mmap
import os
import signal
import weakref
from typing import TYPE_CHECKING, Callable, Iterable

from fwlint.ast import Chain, Rule, Ruleset, Table
from fwlint.forking import flush_before_fork as _flush_before_fork
from fwlint.forking import processors as _processors

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

Refusal = Callable[[Rule, Table, Chain | None, int], "str | None"]

AHEAD_FROM = 2000
"""Rules in a ruleset from which the validity pass is worked out ahead (forking costs some
milliseconds; below this the pass takes about as long)."""

_BATCH = 32
_LEAD = 16  # how far ahead of the translator a child that fell behind starts again
_MISSING = object()


def refusals_ahead(refusal: Refusal, ruleset: Ruleset,
                   order: Iterable[tuple[Rule, Table, Chain]]) -> Refusal:
    """``refusal``, answering from a child process for the rules of ``order`` (the rules of
    ``ruleset`` with their table and chain, in the order they will be asked about) when that
    pays; else ``refusal`` itself.  A refusal made by this before is stopped and unwrapped."""
    if isinstance(refusal, RefusalsAhead):
        refusal.close()
        refusal = refusal.refusal
    if not hasattr(os, "fork") or _processors() < 2:
        return refusal
    work = list(order)
    if len(work) < AHEAD_FROM:
        return refusal
    return RefusalsAhead(refusal, work, ruleset.family)


class RefusalsAhead:
    """A ValidityRefusal whose answers for known rules come from a forked child."""

    def __init__(self, refusal: Refusal, work: list[tuple[Rule, Table, Chain]], family: int) -> None:
        self.refusal = refusal
        self.family = family
        self.position = {id(rule): (i, table, chain) for i, (rule, table, chain) in enumerate(work)}
        self.answers: list = [_MISSING] * len(work)
        self.conn: Connection | None = None
        self.shared = mmap.mmap(-1, 8)
        # the index of the rule the translator is at, read and written as one aligned 8-byte word
        # (struct.pack_into clears the bytes before writing them: the other process may see 0)
        self.at = memoryview(self.shared).cast("q")
        self.at[0] = -1
        from multiprocessing.connection import Connection

        read_fd, write_fd = os.pipe()
        _flush_before_fork()
        pid = os.fork()
        if pid == 0:  # the child: answer, send, leave without running any exit handler
            status = 1
            try:
                os.close(read_fd)
                gc.disable()
                _answer(refusal, work, family, Connection(write_fd, readable=False), self.at)
                status = 0
            except BaseException:  # noqa: BLE001 - the parent works the answers out itself
                pass
            finally:
                os._exit(status)
        os.close(write_fd)
        self.pid = pid
        self.conn = Connection(read_fd, writable=False)
        self._finalizer = weakref.finalize(self, _stop, pid, self.conn)

    def _receive(self) -> None:
        conn = self.conn
        if conn is None:
            return
        answers = self.answers
        try:
            while conn.poll(0):
                start, batch = conn.recv()
                answers[start:start + len(batch)] = batch
        except (EOFError, OSError):
            self.close()

    def __call__(self, rule: Rule, table: Table, chain: Chain | None, family: int) -> str | None:
        known = self.position.get(id(rule))
        if known is not None and family == self.family and known[1] is table and known[2] is chain:
            index = known[0]
            self.at[0] = index
            answer = self.answers[index]
            if answer is _MISSING:
                self._receive()
                answer = self.answers[index]
            if answer is not _MISSING:
                return answer
        return self.refusal(rule, table, chain, family)

    def finish(self) -> None:
        """Take every answer the child has still to send (waits for it)."""
        conn = self.conn
        if conn is None:
            return
        answers = self.answers
        try:
            while True:
                start, batch = conn.recv()
                answers[start:start + len(batch)] = batch
        except (EOFError, OSError):
            self.close()

    def close(self) -> None:
        """Stop the child (if it still works) and reap it."""
        self.conn = None
        self._finalizer()


def _answer(refusal: Refusal, work: list[tuple[Rule, Table, Chain]], family: int, conn: Connection,
            at_rule: memoryview) -> None:
    start = 0
    batch: list[str | None] = []
    index = 0
    total = len(work)
    while index < total:
        at = at_rule[0]
        if at >= index:  # the translator got here first: start again ahead of it
            if batch:
                conn.send((start, batch))
                batch = []
            index = at + _LEAD
            start = index
            continue
        rule, table, chain = work[index]
        batch.append(refusal(rule, table, chain, family))
        index += 1
        if len(batch) == _BATCH:
            conn.send((start, batch))
            batch = []
            start = index
    if batch:
        conn.send((start, batch))
    conn.close()


def _stop(pid: int, conn: Connection) -> None:
    try:
        conn.close()
    except OSError:
        pass
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    except ChildProcessError:
        pass
