"""``fwlint apply --confirm SECONDS``: keep the new ruleset only when the user says so in time.

As iptables-apply: once the ruleset is in, the user must type ``yes`` (and Enter) on the
terminal within the time.  Anything else restores the previous ruleset: another answer, no
answer in time, the end of the input, Ctrl-C, a hangup (the SSH session that ran fwlint is
gone: its terminal's SIGHUP), SIGTERM.  While waiting, those signals end the wait instead of
fwlint; while restoring, they are held back until it is done.
"""

from __future__ import annotations

import os
import select
import signal
import time
from contextlib import contextmanager
from typing import IO, Iterator

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
    previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    try:
        yield
    finally:
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
