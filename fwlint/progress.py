"""A progress bar on stderr for work that takes a while (checking, analysis, translation, applying).

    with progress("Checking", total=len(files), unit="files") as bar:
        for name in files:
            bar.item = name
            ...
            bar.advance()

Nothing is written unless the stream (stderr by default) is a terminal, progress is enabled (it is
unless :func:`set_enabled` turned it off, as ``--quiet`` does) and ``TERM`` is not ``dumb``.  Even
then the bar appears only once the work has taken :data:`DELAY` seconds, so short runs print
nothing; it is redrawn at most every :data:`INTERVAL` seconds (a background thread keeps the
clock and spinner moving while one long step runs), and it erases itself when the work ends,
normally or not.  Only a carriage return and blanks are used, no escape sequences.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import time
from typing import Callable, Iterator, TextIO

DELAY = 1.0
"""Seconds of work before the bar first appears."""
INTERVAL = 0.1
"""Least seconds between two redraws."""
BAR_WIDTH = 24
SPINNER = "|/-\\"

_enabled = True


def set_enabled(flag: bool) -> bool:
    """Turn progress display on or off for the whole process; returns the previous setting."""
    global _enabled
    previous, _enabled = _enabled, flag
    return previous


@contextlib.contextmanager
def enabled(flag: bool) -> Iterator[None]:
    """Progress display on or off for the duration of a block."""
    previous = set_enabled(flag)
    try:
        yield
    finally:
        set_enabled(previous)


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """One task's progress.  Use it as a context manager (or call :meth:`close`)."""

    def __init__(self, label: str, total: int | None = None, *, unit: str = "",
                 stream: TextIO | None = None, delay: float | None = None,
                 interval: float | None = None, clock: Callable[[], float] = time.monotonic,
                 background: bool = True) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.completed = 0
        self.item: str | None = None
        """What is being worked on now (a file name), shown after the count."""
        self.stream = stream if stream is not None else sys.stderr
        self.delay = DELAY if delay is None else delay
        self.interval = INTERVAL if interval is None else interval
        self.clock = clock
        self.active = _enabled and os.environ.get("TERM") != "dumb" and is_terminal(self.stream)
        self.started = clock()
        self.last_draw: float | None = None
        self.drawn_line = ""
        self.drawn_width = 0
        self.frame = 0
        self.closed = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.active and background:
            self._thread = threading.Thread(target=self._tick, name="fwlint-progress", daemon=True)
            self._thread.start()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def advance(self, amount: int = 1) -> None:
        self.completed += amount
        self.refresh()

    def update(self, completed: int) -> None:
        self.completed = completed
        self.refresh()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Redraw, if the bar is due: shown only after ``delay``, then at most every ``interval``."""
        if not self.active or self.closed:
            return
        now = self.clock()
        if not force:
            if now - self.started < self.delay:
                return
            if self.last_draw is not None and now - self.last_draw < self.interval:
                return
        with self._lock:
            if self.closed:
                return
            self.last_draw = now
            line = self.render(now)
            if line == self.drawn_line:
                return
            pad = " " * max(0, self.drawn_width - len(line))
            self._write("\r" + line + pad)
            self.drawn_line = line
            self.drawn_width = len(line)
            self.frame += 1

    def render(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        elapsed = format_elapsed(now - self.started)
        unit = f" {self.unit}" if self.unit else ""
        if self.total:
            done = min(self.completed, self.total)
            filled = BAR_WIDTH * done // self.total
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            percent = 100 * done // self.total
            text = f"{self.label} [{bar}] {done}/{self.total}{unit} {percent:3d}% {elapsed}"
        else:
            spinner = SPINNER[self.frame % len(SPINNER)]
            text = f"{self.label} {spinner} {self.completed}{unit} {elapsed}"
        if self.item:
            text += f" {self.item}"
        text = "".join(ch if ch.isprintable() else "?" for ch in text)
        width = self._columns() - 1  # never the last column: a full line would wrap
        return text if len(text) <= width else text[:max(0, width - 3)] + "..."

    def _columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or 80
        except (AttributeError, ValueError, OSError):
            return shutil.get_terminal_size((80, 24)).columns

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.active = False

    def close(self) -> None:
        """Stop redrawing and erase the bar if it was shown."""
        if self._thread is not None:
            self._stop.set()
            if self._thread is not threading.current_thread():
                self._thread.join()
        with self._lock:
            if self.closed:
                return
            self.closed = True
            if self.active and self.drawn_width:
                self._write("\r" + " " * self.drawn_width + "\r")
                self.drawn_line, self.drawn_width = "", 0


def progress(label: str, total: int | None = None, *, unit: str = "",
             stream: TextIO | None = None) -> ProgressBar:
    """A progress bar for ``total`` steps (None: unknown, a spinner); use it in a ``with`` block."""
    return ProgressBar(label, total, unit=unit, stream=stream)
