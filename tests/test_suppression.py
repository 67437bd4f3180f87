"""Suppression comments (`# fwlint: ignore=...`, disable/enable, noqa, rule comments) and FW901,
through the command line.  Each test selects the rules it is about (FW101 unknown-target, FW203
unreachable-after-catch-all, FW204 duplicate-rule, FW901 unused-suppression), so that rules added
later do not change what these rulesets give."""

from __future__ import annotations

import json

import pytest

from fwlint.lint.engine import catalogue, lint_rulesets
from fwlint.lint.suppression import collect, parse_directive
from fwlint.parse import parse_text
from tests._cli import run, src

SELECT = "FW101,FW203,FW204,FW901"


def findings(capsys, text: str, select: str = SELECT, name: str = "rules.v4") -> list[str]:
    """`line:col CODE` of each finding fwlint reports for ``text``."""
    from pathlib import Path

    Path(name).write_text(text)
    _, out, err = run(capsys, "check", "--select", select, "--output-format", "json", name)
    assert err == ""
    return [f"{d['location']['row']}:{d['location']['column']} {d['code']}" for d in json.loads(out)]


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# Two duplicates (lines 4 and 6) and a rule after a catch-all DROP (line 8).
def ruleset(*comments: tuple[int, str]) -> str:
    """This ruleset, with comment lines inserted before the given lines (numbered as here, in the
    order given).  Without comments it has FW204 on lines 4 and 6 and FW203 on line 8."""
    lines = ["*filter",
             ":INPUT DROP [0:0]",
             "-A INPUT -p tcp --dport 80 -j ACCEPT",
             "-A INPUT -p tcp --dport 80 -j ACCEPT",
             "-A INPUT -p tcp --dport 443 -j ACCEPT",
             "-A INPUT -p tcp --dport 443 -j ACCEPT",
             "-A INPUT -j DROP",
             "-A INPUT -p tcp --dport 22 -j ACCEPT",
             "COMMIT"]
    out = []
    for number, line in enumerate(lines, 1):
        out.extend(text for before, text in comments if before == number)
        out.append(line)
    return src(*out)


def test_without_suppressions(capsys):
    assert findings(capsys, ruleset()) == ["4:1 FW204", "6:1 FW204", "8:1 FW203"]


# --- ignore ------------------------------------------------------------------------------------

def test_ignore_on_the_line_before(capsys):
    text = ruleset((4, "# fwlint: ignore=FW204"))
    assert findings(capsys, text) == ["7:1 FW204", "9:1 FW203"]


def test_ignore_in_a_run_of_comment_lines(capsys):
    text = ruleset((4, "# fwlint: ignore=FW204"), (4, "# the second copy is for the audit"),
                   (4, "#"))
    assert text.splitlines()[3:7] == ["# fwlint: ignore=FW204", "# the second copy is for the audit",
                                      "#", "-A INPUT -p tcp --dport 80 -j ACCEPT"]
    assert findings(capsys, text) == ["9:1 FW204", "11:1 FW203"]


def test_ignore_covers_only_the_next_rule_and_only_its_codes(capsys):
    text = ruleset((4, "# fwlint: ignore=FW203"), (6, "# fwlint: ignore=FW204"))
    # The FW203 code above line 4 suppresses nothing there (FW901 says so); the FW204 one covers
    # the duplicate of line 6 only.
    assert findings(capsys, text) == ["4:3 FW901", "5:1 FW204", "10:1 FW203"]


@pytest.mark.parametrize("codes", ["FW204", "FW2", "fw204", "duplicate-rule", "all", "ALL",
                                   "FW101,FW204", "FW101, FW204", "FW204 because the audit says so"])
def test_ignore_code_forms(capsys, codes):
    text = ruleset((4, f"# fwlint: ignore={codes}"))
    found = findings(capsys, text, select="FW203,FW204")  # FW901 not selected: nothing is judged
    assert found == ["7:1 FW204", "9:1 FW203"]


def test_bare_ignore_covers_every_code(capsys):
    text = ruleset((8, "#fwlint:ignore"))
    assert findings(capsys, text) == ["4:1 FW204", "6:1 FW204"]


def test_ignore_in_the_rule_comment(capsys):
    text = src("*filter",
               ":INPUT DROP [0:0]",
               "-A INPUT -p tcp --dport 80 -j ACCEPT",
               '-A INPUT -p tcp -m tcp --dport 80 -m comment --comment "fwlint: ignore=FW204" -j ACCEPT',
               "-A INPUT -p tcp --dport 80 -j ACCEPT",
               "COMMIT")
    # The rule of line 4 carries its own suppression; line 5 duplicates line 3 too and is not
    # covered.
    assert findings(capsys, text) == ["5:1 FW204"]


def test_ignore_in_a_rule_comment_with_other_text(capsys):
    text = src("*filter",
               ":INPUT DROP [0:0]",
               "-A INPUT -p tcp --dport 80 -j ACCEPT",
               '-A INPUT -p tcp --dport 80 -m comment --comment "web, again (fwlint: ignore=FW204)" '
               "-j ACCEPT",
               "COMMIT")
    assert findings(capsys, text) == []
    text = text.replace("(fwlint: ignore=FW204)", "- fwlint: ignore=FW204")
    assert findings(capsys, text) == []
    # A code list that ends in something else is malformed, and suppresses nothing.
    text = text.replace("ignore=FW204", "ignore=FW204;FW203")
    assert findings(capsys, text) == ["4:1 FW204", "4:63 FW901"]


# --- disable / enable -------------------------------------------------------------------------

def test_disable_to_the_end_of_the_file(capsys):
    text = ruleset((5, "# fwlint: disable=FW2"))
    assert findings(capsys, text) == ["4:1 FW204"]


def test_disable_until_enable(capsys):
    text = ruleset((3, "# fwlint: disable=FW204"), (6, "# fwlint: enable=FW204"))
    assert findings(capsys, text) == ["8:1 FW204", "10:1 FW203"]


def test_enable_a_part_of_what_is_disabled(capsys):
    # disable=FW2 turns off FW203 and FW204; enable=FW203 turns FW203 back on only.
    text = ruleset((3, "# fwlint: disable=FW2"), (5, "# fwlint: enable=FW203"))
    assert findings(capsys, text) == ["10:1 FW203"]


def test_disable_all_and_enable_all(capsys):
    text = ruleset((3, "# fwlint: disable"), (6, "# fwlint: enable=all"))
    assert findings(capsys, text) == ["8:1 FW204", "10:1 FW203"]


# --- noqa -------------------------------------------------------------------------------------

def test_noqa_at_the_top(capsys):
    text = "# Generated by iptables-save\n# fwlint: noqa\n" + ruleset()
    assert findings(capsys, text) == []


def test_noqa_for_some_codes(capsys):
    text = "# fwlint: noqa=FW204\n" + ruleset()
    assert findings(capsys, text) == ["9:1 FW203"]


def test_noqa_below_the_first_table_does_nothing(capsys):
    text = ruleset((2, "# fwlint: noqa"))
    assert findings(capsys, text) == ["2:3 FW901", "5:1 FW204", "7:1 FW204", "9:1 FW203"]


# --- several families, CRLF, other output -------------------------------------------------------

def test_dual_family_file(capsys):
    text = src("*filter",
               ":INPUT DROP [0:0]",
               "-4 -A INPUT -s 192.0.2.1 -j DROP",
               "# fwlint: ignore=FW204",
               "-4 -A INPUT -s 192.0.2.1 -j DROP",
               "-6 -A INPUT -s 2001:db8::1 -j DROP",
               "# fwlint: ignore=FW204",
               "-6 -A INPUT -s 2001:db8::1 -j DROP",
               "COMMIT")
    assert findings(capsys, text, name="both.rules") == []


def test_crlf_file(capsys):
    text = ruleset((4, "# fwlint: ignore=FW204"), (1, "# fwlint: noqa=FW115")).replace("\n", "\r\n")
    assert findings(capsys, text, select=SELECT + ",FW115") == ["8:1 FW204", "10:1 FW203"]


def test_text_output_and_exit_code(capsys):
    from pathlib import Path

    Path("rules.v4").write_text(ruleset((4, "# fwlint: ignore=FW204"), (6, "# fwlint: ignore=FW204"),
                                        (8, "# fwlint: ignore=FW203")))
    assert run(capsys, "check", "--select", SELECT, "rules.v4") == (0, "All checks passed!\n", "")


# --- FW901 --------------------------------------------------------------------------------------

def test_unused_is_reported_as_info(capsys):
    from pathlib import Path

    Path("rules.v4").write_text(ruleset((3, "# fwlint: ignore=FW204"), (4, "# fwlint: ignore=FW204"),
                                        (6, "# fwlint: ignore=FW204"), (8, "# fwlint: ignore=FW203")))
    code, out, err = run(capsys, "check", "--select", SELECT, "rules.v4")
    assert code == 0  # info is below the default fail level
    assert out == ("rules.v4:3:3: FW901 [info] [*] unused suppression `fwlint: ignore=FW204`: no FW204 "
                   "finding on the rule it covers (line 4) to suppress\n"
                   "Found 1 finding (1 info).\n"
                   "[*] 1 fixable with --fix.\n")
    assert err == ""
    assert run(capsys, "check", "--select", SELECT, "--fail-level", "info", "rules.v4")[0] == 1


def test_unused_is_judged_only_for_rules_that_ran(capsys):
    text = ruleset((3, "# fwlint: ignore=FW204"))
    assert findings(capsys, text, select="FW203,FW901") == ["9:1 FW203"]
    assert findings(capsys, text, select="FW203,FW204,FW901") == ["3:3 FW901", "5:1 FW204", "7:1 FW204",
                                                                  "9:1 FW203"]
    # A prefix is judged when every rule it names ran.
    text = ruleset((7, "# fwlint: ignore=FW2"))  # above the catch-all DROP
    assert findings(capsys, text, select="FW204,FW901") == ["4:1 FW204", "6:1 FW204"]
    assert "7:3 FW901" in findings(capsys, text, select="FW2,FW901")


def test_unknown_codes_are_reported_whatever_ran(capsys):
    text = ruleset((4, "# fwlint: ignore=FW204,FW999"))
    assert findings(capsys, text, select="FW203,FW901") == ["4:3 FW901", "9:1 FW203"]
    from pathlib import Path

    _, out, _ = run(capsys, "check", "--select", "FW901", "rules.v4")
    assert out.splitlines()[0] == ("rules.v4:4:3: FW901 [info] [*] unknown rule code FW999 in "
                                   "`fwlint: ignore=FW204,FW999` (see `fwlint rules`)")
    assert Path("rules.v4").read_text() == text


def test_fw901_findings_can_be_suppressed(capsys):
    # The file-level noqa silences the finding about the unused ignore (and so is used itself).
    text = "# fwlint: noqa=FW901\n" + ruleset((3, "# fwlint: ignore=FW204"))
    assert findings(capsys, text) == ["6:1 FW204", "8:1 FW204", "10:1 FW203"]
    # A noqa for everything that suppresses nothing else is still reported.
    text = "# fwlint: noqa=FW901\n*filter\n:INPUT DROP [0:0]\nCOMMIT\n"
    assert findings(capsys, text) == ["1:3 FW901"]


def test_fix_removes_unused_suppressions(capsys):
    from pathlib import Path

    text = ruleset((3, "# fwlint: ignore=FW204  -- old"), (4, "# fwlint: ignore=FW204,FW203"),
                   (6, "# fwlint: ignore=FW204"), (8, "# fwlint: ignore=FW203"))
    Path("rules.v4").write_text(text)
    code, out, err = run(capsys, "check", "--select", SELECT, "--fix", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 2 findings (0 remaining).\n")
    assert Path("rules.v4").read_text() == ruleset((4, "# fwlint: ignore=FW204"),
                                                   (6, "# fwlint: ignore=FW204"),
                                                   (8, "# fwlint: ignore=FW203"))


def test_suppressed_findings_are_not_fixed(capsys):
    from pathlib import Path

    text = src("*filter", "# fwlint: ignore=FW101", "-A INPUT -j drop", "COMMIT")
    Path("rules.v4").write_text(text)
    assert run(capsys, "check", "--select", SELECT, "--fix", "rules.v4") == (0, "All checks passed!\n", "")
    assert Path("rules.v4").read_text() == text


# --- the pieces ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind, codes, problem", [
    ("# fwlint: ignore=FW201,FW204", "ignore", ["FW201", "FW204"], None),
    ("#fwlint:disable=FW4", "disable", ["FW4"], None),
    ("# fwlint: enable", "enable", [], None),
    ("# fwlint: NOQA", "noqa", [], None),
    ("# fwlint: noqa = FW1 , FW2 reason", "noqa", ["FW1", "FW2"], None),
    ("# fwlint: noqa:FW1", "noqa", [], "malformed"),
    ("# fwlint: ignore=", "ignore", [], "malformed"),
    ("# fwlint: ignroe=FW204", "ignroe", ["FW204"], "unknown-directive"),
    ("# see the fwlint: manual", None, None, None),
    ("# xfwlint: ignore=FW204", None, None, None),
    ("# nothing here", None, None, None),
])
def test_parse_directive(text, kind, codes, problem):
    d = parse_directive(text, 7, 1, "f", "comment")
    if kind is None:
        assert d is None
        return
    assert (d.kind, [c.text for c in d.codes], d.problem) == (kind, codes, problem)
    assert d.span.line == 7 and d.span.column == text.index("fwlint:") + 1


def test_directive_columns_and_removal():
    rulesets = parse_text(src("*filter", "# x  --  fwlint: ignore=FW204, FW101 (why)", "-A INPUT -j ACCEPT",
                              "COMMIT"), "rules.v4")
    _, directives = collect(rulesets)
    (d,) = directives
    assert [(c.text, c.column, c.end_column) for c in d.codes] == [("FW204", 25, 30), ("FW101", 32, 37)]
    assert d.covers == (3, 3)
    # Removing one code rewrites the code list; removing both removes the directive and the
    # separator before it, and leaves the comment's own text.
    assert d.removing([0]).content == "FW101"
    assert (d.removing([0]).span.column, d.removing([0]).span.end_column) == (25, 37)
    assert d.removing([0, 1]) == d.removal
    assert (d.removal.span.line, d.removal.span.column, d.removal.span.end_column) == (2, 4, 43)


def test_lint_rulesets_applies_suppressions_for_library_callers():
    text = ruleset((4, "# fwlint: ignore=FW204"))
    rules = catalogue().select(["FW204"])
    found = lint_rulesets(parse_text(text, "rules.v4"), rules)
    assert [(d.code, d.span.line) for d in found] == [("FW204", 7)]


# --- firewall scripts ---------------------------------------------------------------------------

SCRIPT = """\
#!/bin/sh
# fwlint: noqa=FW202
IPT=iptables
$IPT -P INPUT DROP
$IPT -A INPUT -p tcp --dport 80 -j ACCEPT
# fwlint: ignore=FW204
$IPT -A INPUT -p tcp --dport 80 -j ACCEPT
$IPT -A INPUT -p tcp --dport 443 -j ACCEPT
$IPT -A INPUT -p tcp --dport 443 -j ACCEPT   # fwlint: ignore=FW204
$IPT -A INPUT -p tcp \\
     --dport 22 -j ACCEPT
$IPT -A INPUT -p tcp \\
     --dport 22 -j ACCEPT  # fwlint: ignore=FW204
$IPT -A INPUT -p tcp --dport 25 -j ACCEPT
$IPT -A INPUT -p tcp --dport 25 -j ACCEPT -m comment --comment 'fwlint: ignore=FW204'
$IPT -A INPUT -s 192.0.2.1 -j DROP -m comment --comment "fwlint: ignore=FW204"
"""


def test_suppressions_in_a_script(capsys):
    # Every form works in a shell script: the ignore above a command, a trailing comment (that
    # covers the whole command, continuation lines included), the rule comment in either quotes.
    assert findings(capsys, SCRIPT, select="FW202,FW204,FW901", name="firewall.sh") == ["16:58 FW901"]
    without = SCRIPT.replace("# fwlint: ignore=FW204", "# (none)").replace("fwlint: ignore", "x")
    assert findings(capsys, without, select="FW202,FW204,FW901", name="firewall.sh") == [
        "7:1 FW204", "9:1 FW204", "12:1 FW204", "15:1 FW204"]


def test_fix_in_a_script_removes_the_quoted_comment(capsys):
    from pathlib import Path

    Path("firewall.sh").write_text(SCRIPT)
    code, out, err = run(capsys, "check", "--select", "FW202,FW204,FW901", "--fix", "firewall.sh")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 1 finding (0 remaining).\n")
    assert Path("firewall.sh").read_text() == SCRIPT.replace(
        ' -m comment --comment "fwlint: ignore=FW204"\n', "\n")
