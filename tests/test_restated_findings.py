"""One mistake, one finding: a `!` after its option (`-s ! 192.0.2.1`) is FW503's alone when FW503
runs, and FW109's (iptables refuses the line) when it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from fwlint.ast import Span
from fwlint.lint.diagnostic import Diagnostic, Severity
from fwlint.lint.engine import catalogue, lint_rulesets
from fwlint.parse import parse_text
from tests._cli import run, src, write

SAVE = src(
    "*filter",
    ":INPUT DROP [0:0]",
    "-A INPUT -s ! 192.0.2.1 -j DROP",
    "-A INPUT -p tcp --dport ! 22 -j DROP",
    "COMMIT",
)
SCRIPT = src(
    "#!/bin/sh",
    "LAN=198.51.100.0/24",
    "iptables -A FORWARD -s $LAN -d '!' $LAN -j DROP",
    "iptables -A INPUT -s \\",
    "    \\! 192.0.2.1 -j DROP",
)


def test_save_file_gets_fw503_only(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "rules.v4", SAVE)
    code, out, _ = run(capsys, "check", "--no-analysis", "--select", "FW1,FW5", str(path))
    assert code == 1
    assert out == (
        f"{path}:3:10: FW503 [error] [*] -s ! 192.0.2.1: a `!` after the option is refused by current "
        f"iptables; write ! -s 192.0.2.1\n"
        f"{path}:4:17: FW503 [error] [*] --dport ! 22: a `!` after the option is refused by current "
        f"iptables; write ! --dport 22\n"
        "Found 2 findings (2 errors).\n"
        "[*] 2 fixable with --fix.\n")


@pytest.mark.parametrize("selection", [["--select", "FW1"], ["--ignore", "FW503"]])
def test_without_fw503_fw109_says_the_line_is_refused(tmp_path: Path, capsys, selection: list[str]) -> None:
    path = write(tmp_path / "rules.v4", SAVE)
    code, out, _ = run(capsys, "check", "--no-analysis", *selection, "--output-format", "concise",
                       str(path))
    assert code == 1
    lines = [line for line in out.splitlines() if " FW109 " in line or " FW503 " in line]
    assert lines == [
        (f"{path}:3:13: FW109 `-s ! 192.0.2.1`: iptables 1.8.9 refuses a `!` after the option (older "
         f"versions took it); write ! -s 192.0.2.1"),
        (f"{path}:4:25: FW109 `--dport ! 22`: iptables 1.8.9 refuses a `!` after the option (older "
         f"versions took it); write ! --dport 22"),
    ]


def test_script_quoted_and_escaped_bang_over_two_lines(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "firewall.sh", SCRIPT)
    code, out, _ = run(capsys, "check", "--no-analysis", "--select", "FW1,FW5",
                       "--output-format", "concise", str(path))
    assert code == 1
    assert out.splitlines() == [
        (f"{path}:3:29: FW503 [*] -d ! 198.51.100.0/24: a `!` after the option is refused by current "
         f"iptables; write ! -d 198.51.100.0/24"),
        (f"{path}:4:19: FW503 -s ! 192.0.2.1: a `!` after the option is refused by current iptables; "
         f"write ! -s 192.0.2.1"),
        "Found 2 findings (2 errors).",
        "[*] 1 fixable with --fix.",
    ]
    code, out, _ = run(capsys, "check", "--no-analysis", "--select", "FW109",
                       "--output-format", "concise", str(path))
    assert [line.split(" `")[0] for line in out.splitlines()[:2]] == [
        f"{path}:3:32: FW109", f"{path}:5:5: FW109"]


def test_a_finding_restated_by_another_is_dropped_only_at_its_own_span() -> None:
    """The engine drops exactly the (code, span) pairs a finding restates."""
    rulesets = parse_text(SAVE, "rules.v4", 4)
    rules = catalogue().select(["FW109", "FW503"])
    found = [(d.code, d.span.line, d.span.column) for d in lint_rulesets(rulesets, rules)]
    assert found == [("FW503", 3, 10), ("FW503", 4, 17)]
    fw503 = [d for d in lint_rulesets(rulesets, rules) if d.code == "FW503"]
    assert [d.restates for d in fw503] == [
        (("FW109", Span("rules.v4", 3, 13, 3, 14)),),
        (("FW109", Span("rules.v4", 4, 25, 4, 26)),),
    ]


def test_restates_is_not_part_of_the_json_output() -> None:
    span = Span("rules.v4", 1, 1, 1, 2)
    d = Diagnostic("FW503", "obsolete-negation", "m", Severity.ERROR, span, restates=(("FW109", span),))
    assert "restates" not in d.to_json()
