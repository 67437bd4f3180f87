"""``fwlint apply --confirm SECONDS``: keep the new ruleset only when the user says so in time.

As iptables-apply: once the ruleset is in, the user must type ``yes`` (and Enter) on the
terminal within the time.  Anything else restores the previous ruleset: another answer, no
answer in time, the end of the input, Ctrl-C, a hangup (the SSH session that ran fwlint is
gone: its terminal's SIGHUP), SIGTERM.  Those signals are held back from before the
transaction until the wait begins (one that comes while the ruleset goes in ends the wait at
once) and while the previous ruleset is put back; while waiting, they end the wait.

fwlint itself may die without running any of that (``kill -9``, the out-of-memory killer):
:class:`Watchdog` is a process of its own, started before the transaction, in a session of its
own (a terminal's hangup does not reach it), which puts the previous ruleset back unless told
in time that the user said yes, or that fwlint has put it back itself.
"""

from __future__ import annotations

import os
import select
import signal
import syslog
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

ANSWER = "yes"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


class Interrupted(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted(signum)


@contextmanager
def signals_end_the_wait() -> Iterator[None]:
    """While the block runs, the signals (held back before, or new) raise :class:`Interrupted`.
    However it ends (a signal may arrive as soon as they are let through), they are held back
    again first, then their handlers put back."""
    previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def signals_held() -> Iterator[None]:
    """Signals wait (are blocked) until the block is over: a restore is not cut short."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def wait_for_yes(seconds: float, answers: IO[str], prompt: IO[str]) -> tuple[bool, str]:
    """Whether ``yes`` came in time, and what happened otherwise (for the message)."""
    _say(prompt, f"Type {ANSWER} within {_seconds(seconds)} to keep the new ruleset; anything else, "
                 "or nothing, restores the previous one.\n")
    deadline = time.monotonic() + seconds
    typed = b""
    try:
        fd = answers.fileno()
    except (OSError, ValueError):
        return False, "no input to read the answer from"
    try:
        with signals_end_the_wait():
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False, f"no answer within {_seconds(seconds)}"
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(fd, 1024)
                if not chunk:
                    return False, "the input ended without an answer"
                typed += chunk
                if b"\n" in typed:
                    answer = typed.split(b"\n", 1)[0].decode(errors="replace").strip()
                    if answer.lower() == ANSWER:
                        return True, ""
                    return False, f"the answer was {answer!r}, not {ANSWER}"
    except Interrupted as sig:
        what = {"SIGINT": "interrupted (Ctrl-C)", "SIGHUP": "the terminal hung up (a lost session?)"}
        return False, what.get(str(sig), f"stopped by {sig}")
    except OSError as exc:  # the terminal is gone
        return False, f"the terminal cannot be read ({exc.strerror or exc})"


def _seconds(seconds: float) -> str:
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


def _say(out: IO[str], text: str) -> None:
    try:
        out.write(text)
        out.flush()
    except (OSError, ValueError):
        pass  # a terminal that is gone: the restore goes on all the same


GRACE = 5.0
"""The watchdog waits this long past the confirmation time before it acts: fwlint itself, alive,
acts first."""

SLOW = 60.0
"""How long the watchdog lets fwlint take to put the ruleset in, or the previous one back, before
it takes fwlint for stuck."""

RESTORED = 3
"""The watchdog's exit status when it put the previous ruleset back."""


class Watchdog:
    """A forked process that runs ``restore`` unless fwlint says, in time, that there is no need.

    It is told over a pipe: ``a`` the ruleset is in (the countdown starts), ``k`` the user said
    yes, ``r`` fwlint is putting the previous ruleset back itself, ``d`` done (restored, or nothing
    applied).  It restores (and exits with :data:`RESTORED`) when the pipe ends without ``k`` or
    ``d`` (fwlint died), or when no word comes in time: :data:`SLOW` plus the confirmation time
    and :data:`GRACE` for ``a``, the time and its grace after ``a``, :data:`SLOW` after ``r``."""

    def __init__(self, seconds: float, restore: Callable[[], bool], what: str) -> None:
        self.pid = 0
        self.status: int | None = None
        read_end, self._write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(self._write_end)
            raise
        if pid == 0:  # the watchdog
            status = 1
            try:
                os.close(self._write_end)
                status = _watch(read_end, seconds, restore, what)
            finally:
                os._exit(status)
        self.pid = pid
        os.close(read_end)

    def tell(self, word: bytes) -> None:
        if self._write_end < 0:
            return
        try:
            os.write(self._write_end, word)
        except OSError:
            pass  # it is gone; the ruleset is what fwlint made it

    def restored(self) -> bool:
        """Whether it has already put the previous ruleset back (fwlint was stopped, or too slow)."""
        if self.status is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return False
            self.status = os.waitstatus_to_exitcode(status)
        return self.status == RESTORED

    def close(self) -> bool:
        """fwlint is done with it (after ``k`` or ``d``): it leaves, and is waited for.  Whether it
        had put the previous ruleset back before it heard."""
        if self._write_end >= 0:
            os.close(self._write_end)
            self._write_end = -1
        if self.status is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.status = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                return False
        return self.status == RESTORED


def _watch(read_end: int, seconds: float, restore: Callable[[], bool], what: str) -> int:
    os.setsid()  # no terminal, no hangup from it
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    deadline = time.monotonic() + SLOW + seconds + GRACE
    while True:
        ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:  # no word in time: fwlint is stuck, or stopped
            break
        word = os.read(read_end, 1)
        if word in (b"k", b"d"):
            return 0
        if word == b"a":
            deadline = time.monotonic() + seconds + GRACE
        elif word == b"r":
            deadline = time.monotonic() + SLOW
        elif not word:  # fwlint is gone without a word
            break
    done = restore()
    syslog.syslog(syslog.LOG_WARNING, f"fwlint apply: {what}: no confirmation from fwlint (it died, hung or was "
                                      "stopped): " + ("the previous ruleset is restored" if done else
                                                      "restoring it FAILED"))
    return RESTORED if done else 1
