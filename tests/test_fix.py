"""--fix, --unsafe-fixes and --diff: what changes (only the fixed spans) and what is reported.

The command-line tests select the rules they are about, so that rules added later do not
change what these files give."""

from __future__ import annotations

import os
import stat
import sys
from io import StringIO
from pathlib import Path

import pytest

from fwlint.ast import Span
from fwlint.lint.diagnostic import Diagnostic, Edit, Fix, Severity
from fwlint.lint.fix import apply_fixes, fix_source, unified_diff
from tests._cli import run, src

SELECT = "FW101,FW115,FW204,FW901"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- apply_fixes -------------------------------------------------------------------------------

def finding(code: str, *edits: tuple[int, int, int, int, str], applicability: str = "safe",
            file: str = "f") -> Diagnostic:
    fix = Fix(applicability, "fix", tuple(Edit(text, Span(file, l1, c1, l2, c2))
                                          for l1, c1, l2, c2, text in edits))
    first = edits[0]
    return Diagnostic(code, "test", "m", Severity.ERROR, Span(file, first[0], first[1], first[2], first[3]),
                      fix)


TEXT = "abcdef\nghijkl\n"


def test_fixes_that_do_not_overlap_all_apply():
    found = [finding("A", (1, 1, 1, 2, "A")), finding("B", (1, 3, 1, 5, "")),
             finding("C", (2, 6, 2, 7, "L"))]
    assert apply_fixes(TEXT, found) == ("Abef\nghijkL\n", 3)


def test_overlapping_fix_is_left_for_the_next_pass():
    first = finding("A", (1, 2, 1, 5, "X"))
    second = finding("B", (1, 4, 1, 6, "Y"))  # shares "d" with the first
    assert apply_fixes(TEXT, [second, first]) == ("aXef\nghijkl\n", 1)


def test_edits_that_touch_do_not_overlap():
    found = [finding("A", (1, 1, 1, 3, "X")), finding("B", (1, 3, 1, 4, "Y"))]
    assert apply_fixes(TEXT, found) == ("XYdef\nghijkl\n", 2)


def test_two_insertions_at_one_place_conflict():
    found = [finding("A", (1, 3, 1, 3, "1")), finding("B", (1, 3, 1, 3, "2"))]
    assert apply_fixes(TEXT, found) == ("ab1cdef\nghijkl\n", 1)


def test_insertion_inside_a_replaced_range_conflicts():
    found = [finding("A", (1, 2, 1, 5, "X")), finding("B", (1, 3, 1, 3, "!"))]
    assert apply_fixes(TEXT, found) == ("aXef\nghijkl\n", 1)


def test_a_fix_with_edits_around_another_fix_conflicts_only_if_an_edit_overlaps():
    # One fix edits both lines; another edits between its edits: both go in.
    around = finding("A", (1, 1, 1, 2, "<"), (2, 6, 2, 7, ">"))
    between = finding("B", (1, 6, 2, 2, "_"))
    assert apply_fixes(TEXT, [around, between]) == ("<bcde_hijk>\n", 2)
    overlapping = finding("C", (2, 5, 2, 7, "#"))
    assert apply_fixes(TEXT, [around, overlapping]) == ("<bcdef\nghijk>\n", 1)


def test_only_the_asked_applicability():
    found = [finding("A", (1, 1, 1, 2, "A")), finding("B", (2, 1, 2, 2, "G"), applicability="unsafe"),
             finding("C", (2, 3, 2, 4, "I"), applicability="display-only")]
    assert apply_fixes(TEXT, found) == ("Abcdef\nghijkl\n", 1)
    assert apply_fixes(TEXT, found, ("safe", "unsafe")) == ("Abcdef\nGhijkl\n", 2)


def test_edits_of_another_file_or_outside_the_text_are_left_out():
    found = [finding("A", (1, 1, 1, 2, "A"), file="other"), finding("B", (9, 1, 9, 2, "Z")),
             finding("C", (1, 40, 1, 41, "Z"))]
    assert apply_fixes(TEXT, found, path="f") == (TEXT, 0)


def test_fix_source_loops_until_nothing_applies():
    # The fix for each "x" rewrites it and the character after it, so neighbouring fixes
    # overlap: the first pass fixes the 1st and 3rd "x", the second pass the others.
    def lint(text: str) -> list[Diagnostic]:
        out = []
        for i, ch in enumerate(text):
            if ch == "x":
                end = min(i + 2, len(text))
                out.append(finding("X", (1, i + 1, 1, end + 1, "y" + text[i + 1:end])))
        return out

    assert apply_fixes("xxxx", lint("xxxx")) == ("yxyx", 2)

    outcome = fix_source("xxxx", lint)
    assert (outcome.text, outcome.fixed, outcome.diagnostics) == ("yyyy", 4, [])


def test_fix_source_stops_on_a_fix_that_never_ends():
    def lint(text: str) -> list[Diagnostic]:
        return [finding("X", (1, 1, 1, 1, "+"))]  # always one more

    outcome = fix_source("a", lint, max_passes=5)
    assert (outcome.text, outcome.fixed, len(outcome.diagnostics)) == ("+++++a", 5, 1)


def test_unified_diff():
    before = "one\r\ntwo\r\nthree"
    after = "one\r\n2\r\nthree"
    assert unified_diff("rules.v4", before, after) == (
        "--- rules.v4\n+++ rules.v4\n@@ -1,3 +1,3 @@\n"
        " one\r\n-two\r\n+2\r\n three\n\\ No newline at end of file\n")
    assert unified_diff("rules.v4", before, before) == ""


# --- fwlint check --fix -----------------------------------------------------------------------

# Everything a fix must not touch: an iptables-save header, a Latin-1 comment, counters, runs of
# blanks and a tab, a quoted comment with inner blanks, CR LF line ends (and one LF line), blank
# lines, and no line end after the last line.
DETAILED = (b"# Generated by iptables-save v1.8.9 on Sat Nov 21 13:00:00 2026\r\n"
            b"# caf\xe9: a Latin-1 comment\r\n"
            b"*filter\r\n"
            b":INPUT DROP [1234:56789]\r\n"
            b":FORWARD DROP [0:0]\r\n"
            b":OUTPUT ACCEPT [42:4242]\r\n"
            b"[10:600] -A INPUT   -s 192.0.2.0/24\t-p tcp  --dport 22 -j ACCESPT\r\n"
            b"-A INPUT -m comment --comment \"keep   these  spaces\" -j drop\n"
            b"\r\n"
            b"   \r\n"
            b"COMMIT\r\n"
            b"# Completed on Sat Nov 21 13:00:00 2026")


def test_fix_changes_only_the_fixed_spans(workdir, capsys):
    path = workdir / "rules.v4"
    path.write_bytes(DETAILED)
    code, out, err = run(capsys, "check", "--select", "FW101", "--fix", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 2 findings (0 remaining).\n")
    assert path.read_bytes() == DETAILED.replace(b"-j ACCESPT", b"-j ACCEPT").replace(b"-j drop", b"-j DROP")


def test_fix_crlf_too_keeps_everything_else(workdir, capsys):
    path = workdir / "rules.v4"
    path.write_bytes(DETAILED)
    code, out, err = run(capsys, "check", "--select", "FW101,FW115", "--fix", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 3 findings (0 remaining).\n")
    assert path.read_bytes() == DETAILED.replace(b"\r\n", b"\n").replace(b"-j ACCESPT", b"-j ACCEPT") \
        .replace(b"-j drop", b"-j DROP")


def test_fix_reports_what_remains(workdir, capsys):
    path = workdir / "rules.v4"
    path.write_text(src("*filter",
                        ":INPUT DROP [0:0]",
                        "-A INPUT -p tcp --dport 80 -j ACCESPT",
                        "-A INPUT -p tcp --dport 80 -j ACCEPT",
                        "-A INPUT -p tcp --dport 22 -j ACCEPT",
                        "-A INPUT -p tcp --dport 22 -j ACCEPT",
                        "COMMIT"))
    code, out, err = run(capsys, "check", "--select", SELECT, "--fix", "rules.v4")
    assert code == 1
    assert out == ("rules.v4:4:1: FW204 [warning] duplicate of the rule at line 3 in INPUT\n"
                   "rules.v4:6:1: FW204 [warning] duplicate of the rule at line 5 in INPUT\n"
                   "Found 2 findings (2 warnings).\n")
    assert err == "Fixed 1 finding (2 remaining).\n"
    code, out, err = run(capsys, "check", "--select", SELECT, "--fix", "--unsafe-fixes", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 2 findings (0 remaining).\n")
    assert path.read_text() == src("*filter",
                                   ":INPUT DROP [0:0]",
                                   "-A INPUT -p tcp --dport 80 -j ACCEPT",
                                   "-A INPUT -p tcp --dport 22 -j ACCEPT",
                                   "COMMIT")


def test_fix_overlapping_fixes_loop(workdir, capsys):
    # Two FW901 findings on one comment (an unused code and an unknown one) edit the same code
    # list: the first pass takes one, the second pass the other, which then removes the line.
    path = workdir / "rules.v4"
    path.write_text(src("*filter",
                        ":INPUT DROP [0:0]",
                        "# fwlint: ignore=FW204,FW2O4",
                        "-A INPUT -p tcp --dport 22 -j ACCEPT",
                        "COMMIT"))
    code, out, err = run(capsys, "check", "--select", SELECT, "--output-format", "json", "rules.v4")
    assert code == 0  # FW901 is info
    assert out.count('"code": "FW901"') == 2
    code, out, err = run(capsys, "check", "--select", SELECT, "--fix", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 2 findings (0 remaining).\n")
    assert path.read_text() == src("*filter",
                                   ":INPUT DROP [0:0]",
                                   "-A INPUT -p tcp --dport 22 -j ACCEPT",
                                   "COMMIT")


def test_fix_through_a_symlink_keeps_link_mode_and_other_bytes(workdir, capsys):
    real_dir = workdir / "saved"
    real_dir.mkdir()
    real = real_dir / "firewall.txt"
    real.write_bytes(DETAILED)
    real.chmod(0o600)
    link = workdir / "rules.v4"
    link.symlink_to(os.path.join("saved", "firewall.txt"))
    code, out, err = run(capsys, "check", "--select", "FW101", "--fix", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 2 findings (0 remaining).\n")
    assert link.is_symlink() and os.readlink(link) == os.path.join("saved", "firewall.txt")
    assert real.read_bytes() == DETAILED.replace(b"-j ACCESPT", b"-j ACCEPT").replace(b"-j drop", b"-j DROP")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in real_dir.iterdir()) == ["firewall.txt"]  # no temporary file left
    assert sorted(p.name for p in workdir.iterdir()) == ["rules.v4", "saved"]


def test_fix_writes_nothing_when_nothing_applies(workdir, capsys):
    path = workdir / "rules.v4"
    path.write_bytes(DETAILED.replace(b"ACCESPT", b"ACCEPT").replace(b"-j drop", b"-j DROP"))
    before = path.stat()
    assert run(capsys, "check", "--select", "FW101", "--fix", "rules.v4") == (0, "All checks passed!\n", "")
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# --- --diff -----------------------------------------------------------------------------------

def test_diff_shows_and_writes_nothing(workdir, capsys):
    path = workdir / "rules.v4"
    path.write_bytes(DETAILED)
    before = path.stat()
    code, out, err = run(capsys, "check", "--select", "FW101", "--diff", "rules.v4")
    assert code == 1
    assert out == ("--- rules.v4\n"
                   "+++ rules.v4\n"
                   "@@ -4,8 +4,8 @@\n"
                   " :INPUT DROP [1234:56789]\r\n"
                   " :FORWARD DROP [0:0]\r\n"
                   " :OUTPUT ACCEPT [42:4242]\r\n"
                   "-[10:600] -A INPUT   -s 192.0.2.0/24\t-p tcp  --dport 22 -j ACCESPT\r\n"
                   "--A INPUT -m comment --comment \"keep   these  spaces\" -j drop\n"
                   "+[10:600] -A INPUT   -s 192.0.2.0/24\t-p tcp  --dport 22 -j ACCEPT\r\n"
                   "+-A INPUT -m comment --comment \"keep   these  spaces\" -j DROP\n"
                   " \r\n"
                   "    \r\n"
                   " COMMIT\r\n")
    assert err == "Would fix 2 findings (0 remaining).\n"
    assert path.read_bytes() == DETAILED
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_diff_with_unsafe_fixes_and_several_files(workdir, capsys):
    (workdir / "a.v4").write_text(src("*filter", "-A INPUT -j drop", "COMMIT"))
    (workdir / "b.v4").write_text(src("*filter", "-A INPUT -s 192.0.2.1 -j DROP",
                                      "-A INPUT -s 192.0.2.1 -j DROP", "COMMIT"))
    (workdir / "c.v4").write_text(src("*filter", "-A INPUT -j DROP", "COMMIT"))
    code, out, err = run(capsys, "check", "--select", SELECT, "--diff", ".")
    assert code == 1
    assert out == ("--- ./a.v4\n+++ ./a.v4\n@@ -1,3 +1,3 @@\n"
                   " *filter\n--A INPUT -j drop\n+-A INPUT -j DROP\n COMMIT\n")
    assert err == "Would fix 1 finding (1 remaining).\n"
    code, out, err = run(capsys, "check", "--select", SELECT, "--diff", "--unsafe-fixes", ".")
    assert code == 1
    assert out == ("--- ./a.v4\n+++ ./a.v4\n@@ -1,3 +1,3 @@\n"
                   " *filter\n--A INPUT -j drop\n+-A INPUT -j DROP\n COMMIT\n"
                   "--- ./b.v4\n+++ ./b.v4\n@@ -1,4 +1,3 @@\n"
                   " *filter\n -A INPUT -s 192.0.2.1 -j DROP\n--A INPUT -s 192.0.2.1 -j DROP\n COMMIT\n")
    assert err == "Would fix 2 findings (0 remaining).\n"
    assert (workdir / "a.v4").read_text() == src("*filter", "-A INPUT -j drop", "COMMIT")


def test_diff_with_nothing_to_fix_exits_0(workdir, capsys):
    (workdir / "rules.v4").write_text(src("*filter", "-A INPUT -s 192.0.2.1 -j DROP",
                                          "-A INPUT -s 192.0.2.1 -j DROP", "COMMIT"))
    assert run(capsys, "check", "--select", SELECT, "--diff", "rules.v4") == (0, "", "")
    assert run(capsys, "check", "--select", SELECT, "rules.v4")[0] == 1  # an unsafe fix only


def test_diff_of_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", StringIO(src("*filter", "-A INPUT -j drop", "COMMIT")))
    code, out, err = run(capsys, "check", "--select", SELECT, "--diff", "--stdin-filename", "rules.v4", "-")
    assert code == 1
    assert out == ("--- rules.v4\n+++ rules.v4\n@@ -1,3 +1,3 @@\n"
                   " *filter\n--A INPUT -j drop\n+-A INPUT -j DROP\n COMMIT\n")
    assert err == "Would fix 1 finding (0 remaining).\n"


def test_diff_exit_zero_and_quiet(workdir, capsys):
    (workdir / "rules.v4").write_text(src("*filter", "-A INPUT -j drop", "COMMIT"))
    code, out, err = run(capsys, "check", "--select", SELECT, "--diff", "--exit-zero", "--quiet", "rules.v4")
    assert (code, err) == (0, "")
    assert out.startswith("--- rules.v4\n")


def test_fix_in_a_subprocess(tmp_path):
    (tmp_path / "rules.v4").write_bytes(DETAILED)
    proc = __import__("subprocess").run(
        [sys.executable, "-m", "fwlint.cli", "check", "--select", "FW101", "--fix", "rules.v4"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, "All checks passed!\n", "Fixed 2 findings (0 remaining).\n")
    assert Path(tmp_path / "rules.v4").read_bytes() == \
        DETAILED.replace(b"-j ACCESPT", b"-j ACCEPT").replace(b"-j drop", b"-j DROP")
