"""The progress bar: only on a terminal, only after a delay, rate-limited, erased at the end."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import fwlint.progress
from fwlint.cli import main
from fwlint.progress import ProgressBar, enabled, format_elapsed, progress, set_enabled


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("TERM", raising=False)
    set_enabled(True)
    yield
    set_enabled(True)


def bar_on(stream, clock, total=4, **kwargs) -> ProgressBar:
    return ProgressBar("Checking", total, unit="files", stream=stream, clock=clock, background=False,
                       **kwargs)


def test_appears_after_the_delay_then_redraws_at_most_every_interval():
    stream, clock = Terminal(), Clock()
    with bar_on(stream, clock) as bar:
        bar.item = "a.v4"
        bar.advance()
        clock.now += 0.9
        bar.advance()
        assert stream.getvalue() == ""  # under a second: nothing
        clock.now += 0.2
        bar.advance()
        first = "\rChecking [##################------] 3/4 files  75% 0:01 a.v4"
        assert stream.getvalue() == first
        clock.now += 0.05
        bar.item = "b.v4"
        bar.advance()
        assert stream.getvalue() == first  # within the interval: not redrawn
        clock.now += 0.1
        bar.refresh()
        second = "\rChecking [########################] 4/4 files 100% 0:01 b.v4"
        assert stream.getvalue() == first + second
        clock.now += 0.5
        bar.refresh()
        assert stream.getvalue() == first + second  # nothing changed: nothing written
    assert stream.getvalue() == first + second + "\r" + " " * (len(second) - 1) + "\r"


def test_a_shorter_line_blanks_what_the_longer_one_left():
    stream, clock = Terminal(), Clock()
    bar = bar_on(stream, clock, delay=0)
    bar.item = "a-long-file-name.v4"
    bar.refresh()
    bar.item = None
    clock.now += 1
    bar.refresh()
    long_line = "Checking [------------------------] 0/4 files   0% 0:00 a-long-file-name.v4"
    short_line = "Checking [------------------------] 0/4 files   0% 0:01"
    assert stream.getvalue() == f"\r{long_line}\r{short_line}" + " " * (len(long_line) - len(short_line))
    bar.close()
    bar.close()  # closing twice erases once
    assert stream.getvalue().endswith("\r" + " " * len(short_line) + "\r")
    assert stream.getvalue().count(" " * len(short_line) + "\r") == 1


def test_unknown_total_spins():
    stream, clock = Terminal(), Clock()
    bar = ProgressBar("Analysing", None, unit="rules", stream=stream, clock=clock, delay=0,
                      background=False)
    for _ in range(3):
        bar.advance(10)
        clock.now += 0.25
    assert stream.getvalue() == ("\rAnalysing | 10 rules 0:00\rAnalysing / 20 rules 0:00"
                                 "\rAnalysing - 30 rules 0:00")
    clock.now += 0.25
    bar.refresh()
    assert stream.getvalue().endswith("\rAnalysing - 30 rules 0:00\rAnalysing \\ 30 rules 0:01")
    bar.close()


def test_not_a_terminal_writes_nothing():
    stream, clock = io.StringIO(), Clock()
    with bar_on(stream, clock, delay=0) as bar:
        bar.advance()
        clock.now += 5
        bar.refresh(force=True)
        assert bar.active is False
    assert stream.getvalue() == ""


def test_disabled_and_dumb_terminals_write_nothing(monkeypatch):
    stream, clock = Terminal(), Clock()
    with enabled(False), bar_on(stream, clock, delay=0) as bar:
        bar.refresh(force=True)
    assert stream.getvalue() == ""
    assert fwlint.progress._enabled is True  # restored
    monkeypatch.setenv("TERM", "dumb")
    with bar_on(stream, clock, delay=0) as bar:
        bar.refresh(force=True)
    assert stream.getvalue() == ""


def test_line_fits_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    bar = bar_on(Terminal(), Clock(), delay=0)
    bar.item = "/etc/iptables/a/very/long/path/rules.v4"
    assert bar.render() == "Checking [------------------------] ..."
    assert len(bar.render()) == 39
    bar.item = "evil\x1b[2Jname"
    monkeypatch.setenv("COLUMNS", "200")
    assert bar.render().endswith(" evil?[2Jname")


def test_a_stream_that_fails_stops_the_bar():
    class Broken(Terminal):
        def write(self, text):
            raise BrokenPipeError

    bar = bar_on(Broken(), Clock(), delay=0)
    bar.refresh()
    assert bar.active is False
    bar.close()


def test_format_elapsed():
    assert [format_elapsed(s) for s in (0, 59.9, 61, 3600, 3725)] == [
        "0:00", "0:59", "1:01", "1:00:00", "1:02:05"]


# --- a real terminal: a pseudo-terminal, with the background thread ---------------------------

SCRIPT = textwrap.dedent("""
    import sys, time
    from fwlint.progress import progress
    with progress("Translating", total=3, unit="chains") as bar:
        bar.item = "INPUT"
        time.sleep(float(sys.argv[1]))  # one long step: the bar appears without any advance()
        bar.advance(3)
    print("done")
""")


def run_in_pty(argv: list[str], *, stderr_is_terminal: bool = True,
               env: dict | None = None) -> tuple[bytes, bytes, int]:
    """Run ``argv`` with stderr on a pseudo-terminal (or a pipe); stdout is a pipe."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=slave if stderr_is_terminal else subprocess.PIPE,
                            env={**os.environ, **(env or {})}, cwd=Path(__file__).parent)
    os.close(slave)
    terminal = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            proc.kill()
            raise AssertionError("no output from the child for 30 s")
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    out = proc.stdout.read()
    err = proc.stderr.read() if proc.stderr else b""
    proc.wait(30)
    return terminal + err, out, proc.returncode


def test_pty_long_step_shows_the_bar_and_erases_it():
    terminal, out, code = run_in_pty([sys.executable, "-c", SCRIPT, "1.5"])
    assert code == 0 and out == b"done\n"
    text = terminal.decode()
    assert text.startswith("\rTranslating [------------------------] 0/3 chains   0% 0:01 INPUT")
    last = text.rsplit("\r", 2)
    assert last[-1] == "" and last[-2].strip() == ""  # ends erased: "\r<blanks>\r"
    assert len(last[-2]) == len("Translating [------------------------] 0/3 chains   0% 0:01 INPUT")


def test_pty_short_work_prints_nothing():
    terminal, out, code = run_in_pty([sys.executable, "-c", SCRIPT, "0.3"])
    assert (terminal, out, code) == (b"", b"done\n", 0)


def test_pipe_prints_nothing_even_for_long_work():
    err, out, code = run_in_pty([sys.executable, "-c", SCRIPT, "1.3"], stderr_is_terminal=False)
    assert (err, out, code) == (b"", b"done\n", 0)


# --- fwlint check --------------------------------------------------------------------------------

RULES = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCESPT\nCOMMIT\n"


@pytest.fixture
def three_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "etc").mkdir()
    for name in ("a.v4", "b.v4", "c.v4"):
        (tmp_path / "etc" / name).write_text(RULES)
    return tmp_path


def test_check_shows_progress_on_a_terminal(three_files, capsys, monkeypatch):
    monkeypatch.setattr(fwlint.progress, "DELAY", 0.0)
    monkeypatch.setattr(fwlint.progress, "INTERVAL", 0.0)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["check", "--select", "FW101", "etc"]) == 1
    drawn = terminal.getvalue()
    for n, name in enumerate(("a.v4", "b.v4", "c.v4"), start=1):
        assert f"] {n}/3 files " in drawn
        assert f" etc/{name}" in drawn
    assert drawn.startswith("\rChecking [")
    assert drawn.endswith("\r" + " " * len(drawn.rsplit("\r", 2)[-2]) + "\r")
    out = capsys.readouterr().out
    assert out.splitlines()[-2:] == ["Found 3 findings (3 errors).", "[*] 3 fixable with --fix."]


def test_fix_shows_progress_and_quiet_hides_it(three_files, capsys, monkeypatch):
    monkeypatch.setattr(fwlint.progress, "DELAY", 0.0)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["check", "--select", "FW101", "--fix", "etc"]) == 0
    assert terminal.getvalue().startswith("\rFixing [")
    erased = "\r" + " " * len(terminal.getvalue().split("\r")[1]) + "\r"
    assert erased + "Fixed 3 findings" in terminal.getvalue()  # the bar is gone before the message
    terminal.seek(0)
    terminal.truncate()
    assert main(["check", "--select", "FW101", "-q", "etc"]) == 0
    assert terminal.getvalue() == ""
    assert fwlint.progress._enabled is True


def test_check_progress_in_a_real_terminal():
    # The whole command in a pseudo-terminal, the bar's delay set to nothing.
    script = ("import sys, fwlint.progress as p; p.DELAY = p.INTERVAL = 0.0; from fwlint.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    terminal, out, code = run_in_pty([sys.executable, "-c", script, "check", "--select", "FW101",
                                      "--exit-zero", str(corpus)])
    assert code == 0
    files = sorted(p.name for p in corpus.iterdir() if not p.name.endswith((".expected", ".md", ".nft")))
    text = terminal.decode()
    assert text.startswith("\rChecking [")
    assert f"{len(files)}/{len(files)} files" in text
    assert text.endswith("\r")
    assert "\nFound " in out.decode() and "\r" not in out.decode()  # the report on stdout, untouched
    # and with stderr a pipe, not a byte of progress
    err, _, _ = run_in_pty([sys.executable, "-c", script, "check", "--select", "FW101", str(corpus)],
                           stderr_is_terminal=False)
    assert err == b""


def test_progress_function_defaults_to_stderr(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress("Applying", total=1) as bar:
        assert bar.stream is terminal and bar.active
        assert bar.delay == fwlint.progress.DELAY
    time.sleep(0)  # the thread was stopped and joined by close()
    assert bar._thread is not None and not bar._thread.is_alive()
