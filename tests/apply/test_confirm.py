"""fwlint.apply.confirm: `--confirm SECONDS` waits for `yes` on its input (a pipe here), and anything else,
a timeout, the end of the input or a signal, means the previous ruleset comes back."""

from __future__ import annotations

import io
import os
import signal
import threading
import time

import pytest

from fwlint.apply.confirm import SIGNALS, signals_held, wait_for_yes


def prompt_for(seconds: float) -> str:
    return (f"Type yes within {seconds:g} seconds to keep the new ruleset; anything else, or nothing, "
            "restores the previous one.\n")


@pytest.fixture
def pipe():
    """The read end as a file (the answers), and the write end's descriptor (the user's typing)."""
    read_end, write_end = os.pipe()
    answers = os.fdopen(read_end, "r")
    ends = {"write": write_end}
    yield answers, ends
    answers.close()
    if ends["write"] is not None:
        os.close(ends["write"])


def close_writer(ends) -> None:
    os.close(ends["write"])
    ends["write"] = None


def handlers() -> dict:
    return {s: signal.getsignal(s) for s in SIGNALS}


@pytest.mark.parametrize("typed, expected", [
    (b"yes\n", (True, "")),
    (b" YES \n", (True, "")),
    (b"Yes\nand more\n", (True, "")),
    (b"no\n", (False, "the answer was 'no', not yes")),
    (b"\n", (False, "the answer was '', not yes")),
    (b"yess\n", (False, "the answer was 'yess', not yes")),
])
def test_an_answer(pipe, typed, expected):
    answers, ends = pipe
    os.write(ends["write"], typed)
    prompt = io.StringIO()
    before = handlers()
    assert wait_for_yes(5, answers, prompt) == expected
    assert prompt.getvalue() == prompt_for(5)
    assert handlers() == before


def test_an_answer_typed_in_pieces(pipe):
    answers, ends = pipe
    os.write(ends["write"], b"y")
    threading.Timer(0.1, os.write, (ends["write"], b"es\n")).start()
    assert wait_for_yes(5, answers, io.StringIO()) == (True, "")


def test_the_end_of_the_input(pipe):
    answers, ends = pipe
    os.write(ends["write"], b"ye")
    close_writer(ends)
    assert wait_for_yes(5, answers, io.StringIO()) == (False, "the input ended without an answer")


def test_no_answer_in_time(pipe):
    answers, _ends = pipe
    prompt = io.StringIO()
    before = handlers()
    started = time.monotonic()
    assert wait_for_yes(0.3, answers, prompt) == (False, "no answer within 0.3 seconds")
    assert 0.3 <= time.monotonic() - started < 3
    assert prompt.getvalue() == prompt_for(0.3)
    assert handlers() == before


def test_an_answer_without_its_line_end_in_time_is_no_answer(pipe):
    answers, ends = pipe
    os.write(ends["write"], b"yes")
    assert wait_for_yes(0.3, answers, io.StringIO()) == (False, "no answer within 0.3 seconds")


@pytest.mark.parametrize("signum, why", [
    (signal.SIGHUP, "the terminal hung up (a lost session?)"),
    (signal.SIGINT, "interrupted (Ctrl-C)"),
    (signal.SIGTERM, "stopped by SIGTERM"),
    (signal.SIGQUIT, "stopped by SIGQUIT"),
])
def test_a_signal_ends_the_wait_and_the_handlers_are_put_back(pipe, signum, why):
    answers, _ends = pipe
    before = handlers()
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signum))
    timer.start()
    started = time.monotonic()
    try:
        assert wait_for_yes(10, answers, io.StringIO()) == (False, why)
    finally:
        timer.join()
    assert time.monotonic() - started < 5
    assert handlers() == before


def test_input_that_is_no_file():
    prompt = io.StringIO()
    assert wait_for_yes(5, io.StringIO("yes\n"), prompt) == (False, "no input to read the answer from")
    assert prompt.getvalue() == prompt_for(5)


def test_input_that_cannot_be_read():
    read_end, write_end = os.pipe()
    os.close(write_end)
    os.close(read_end)  # the terminal went away under it

    class Gone(io.StringIO):
        def fileno(self) -> int:
            return read_end

    assert wait_for_yes(5, Gone(), io.StringIO()) == (
        False, "the terminal cannot be read (Bad file descriptor)")


def test_a_prompt_that_cannot_be_written_does_not_stop_the_wait(pipe):
    answers, ends = pipe
    os.write(ends["write"], b"yes\n")
    gone = io.StringIO()
    gone.close()
    assert wait_for_yes(5, answers, gone) == (True, "")


def test_signals_held_until_the_block_is_over():
    received: list[int] = []
    previous = signal.signal(signal.SIGHUP, lambda signum, frame: received.append(signum))
    try:
        with signals_held():
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.05)
            assert received == []
        assert received == [signal.SIGHUP]
        assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()
    finally:
        signal.signal(signal.SIGHUP, previous)
