"""Deleting a rule's lines (FW204's fix): the whole command, in one edit, or nothing when other
code shares its lines or its text made other rules too."""

from __future__ import annotations

from pathlib import Path

import pytest

from fwlint.ast import Span
from fwlint.lint.diagnostic import Edit
from fwlint.lint.fix import apply_fixes, delete_lines
from fwlint.testing import run_rule
from tests._cli import run, src, write


def span(line: int, column: int, end_line: int, end_column: int) -> Span:
    return Span("f.sh", line, column, end_line, end_column)


@pytest.mark.parametrize("text, where, edit", [
    ("a\nb\nc\n", span(2, 1, 2, 2), Edit("", span(2, 1, 3, 1))),
    ("a\n  b \\\n  c  # why\nd\n", span(2, 3, 3, 4), Edit("", span(2, 1, 4, 1))),
    ("a\nb ;", span(2, 1, 2, 2), Edit("", span(1, 2, 2, 4))),
    ("b", span(1, 1, 1, 2), Edit("", span(1, 1, 1, 2))),
    ("a\r\nb\r\nc\r\n", span(2, 1, 2, 2), Edit("", span(2, 1, 3, 1))),
])
def test_the_lines_go_whole(text: str, where: Span, edit: Edit) -> None:
    assert delete_lines(text, where) == edit


@pytest.mark.parametrize("text, where", [
    ("if x; then b; fi\n", span(1, 12, 1, 13)),  # code before it
    ("sudo b\n", span(1, 6, 1, 7)),
    ("b || true\n", span(1, 1, 1, 2)),  # code after it
    ("b & \n", span(1, 1, 1, 2)),
    ("b; c\n", span(1, 1, 1, 2)),
    ("a\n", span(3, 1, 3, 2)),  # past the end
])
def test_no_edit_when_other_code_shares_the_lines(text: str, where: Span) -> None:
    assert delete_lines(text, where) is None


SCRIPT = src(
    "#!/bin/sh",
    "iptables -A INPUT -p tcp --dport 86 -j ACCEPT",
    "if true; then iptables -A INPUT -p tcp --dport 86 -j ACCEPT; fi",
    "iptables -A INPUT -p tcp --dport 86 -j ACCEPT && echo done",
    "for p in 85 85; do iptables -A INPUT -p tcp --dport $p -j ACCEPT; done",
    "iptables -A INPUT -p tcp \\",
    "    --dport 86 -j ACCEPT",
)


def test_fw204_offers_a_fix_only_where_deleting_is_whole() -> None:
    found = run_rule("FW204", SCRIPT, "firewall.sh")
    assert [(d.span.line, d.span.column, d.fix is not None) for d in found] == [
        (3, 15, False), (4, 1, False), (5, 20, False), (6, 1, True)]
    fixable = found[-1]
    assert fixable.fix is not None and fixable.fix.message == "Delete the duplicate rule on lines 6-7"
    fixed, count = apply_fixes(SCRIPT, found, ("safe", "unsafe"))
    assert count == 1
    assert fixed == SCRIPT.replace("iptables -A INPUT -p tcp \\\n    --dport 86 -j ACCEPT\n", "")


def test_fix_on_the_command_line_leaves_a_working_script(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "firewall.sh", src(
        "#!/bin/sh",
        "iptables -A INPUT -p tcp \\",
        "    --dport 22 \\",
        "    -j ACCEPT",
        "iptables -A INPUT -p tcp \\",
        "    --dport 22 \\",
        "    -j ACCEPT",
        "iptables -A INPUT -j DROP",
    ))
    code, out, err = run(capsys, "check", "--no-analysis", "--select", "FW204", "--fix", "--unsafe-fixes",
                         str(path))
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 1 finding (0 remaining).\n")
    assert path.read_text() == src(
        "#!/bin/sh",
        "iptables -A INPUT -p tcp \\",
        "    --dport 22 \\",
        "    -j ACCEPT",
        "iptables -A INPUT -j DROP",
    )
