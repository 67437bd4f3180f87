"""Every --output-format, exactly, on one small fixed input; SARIF against the 2.1.0 schema."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fwlint.ast import Span
from fwlint.cli import main
from fwlint.lint.diagnostic import Diagnostic, Edit, Fix, Severity
from fwlint.lint.engine import catalogue
from fwlint.report import FORMAT_NAMES, FORMATS, Report, full, github, junit, relative_path, sarif, use_color
from tests._cli import run

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"

FLAWED = (
    "*filter\n"
    ":INPUT DROP [0:0]\n"
    ":FORWARD DROP [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "-A INPUT -p tcp --dport 22 -j ACCESPT\n"
    "-A INPUT -p tcp --dport 80 -j ACCEPT\n"
    "-A INPUT -p tcp --dport 80 -j ACCEPT\n"
    "-A INPUT -j DROP\n"
    "-A INPUT -p tcp --dport 443 -j ACCEPT\n"
    "COMMIT\n"
)
CLEAN = (
    "*filter\n"
    ":INPUT DROP [0:0]\n"
    ":FORWARD DROP [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "COMMIT\n"
)
# The rules this file exercises; selecting them keeps rules added later out of these outputs.
SELECT = ("--select", "FW101,FW203,FW204")

M101 = "unknown target -j ACCESPT: did you mean ACCEPT? (a target; names are case-sensitive)"
M204 = "duplicate of the rule at line 7 in INPUT"
M203 = ("unreachable: the rule at line 9 (-j DROP with no conditions) takes every packet in INPUT "
        "before it gets here")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "rules.v4").write_text(FLAWED)
    (tmp_path / "clean.v4").write_text(CLEAN)
    return tmp_path


def check(capsys, output_format: str, *extra: str) -> str:
    code, out, err = run(capsys, "check", *SELECT, "--output-format", output_format, *extra,
                         "rules.v4", "clean.v4")
    assert (code, err) == (1, "")
    return out


def test_every_format_is_registered():
    assert tuple(FORMATS) == FORMAT_NAMES
    assert set(FORMAT_NAMES) == {"text", "concise", "full", "json", "json-lines", "github", "junit",
                                 "sarif"}


def test_text(workdir, capsys):
    assert check(capsys, "text") == (
        f"rules.v4:6:31: FW101 [error] [*] {M101}\n"
        f"rules.v4:8:1: FW204 [warning] {M204}\n"
        f"rules.v4:10:1: FW203 [warning] {M203}\n"
        "Found 3 findings (1 error, 2 warnings).\n"
        "[*] 1 fixable with --fix.\n")


def test_text_is_the_default(workdir, capsys):
    assert run(capsys, "check", *SELECT, "rules.v4", "clean.v4")[1] == check(capsys, "text")


def test_concise(workdir, capsys):
    assert check(capsys, "concise") == (
        f"rules.v4:6:31: FW101 [*] {M101}\n"
        f"rules.v4:8:1: FW204 {M204}\n"
        f"rules.v4:10:1: FW203 {M203}\n"
        "Found 3 findings (1 error, 2 warnings).\n"
        "[*] 1 fixable with --fix.\n")


def test_full(workdir, capsys):
    assert check(capsys, "full") == (
        f"rules.v4:6:31: FW101 [error] [*] {M101}\n"
        "  |\n"
        "6 | -A INPUT -p tcp --dport 22 -j ACCESPT\n"
        "  |                               ^^^^^^^\n"
        "  = fix (safe): Replace 'ACCESPT' with 'ACCEPT'\n"
        "  @@ -5,3 +5,3 @@\n"
        "   -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        "  --A INPUT -p tcp --dport 22 -j ACCESPT\n"
        "  +-A INPUT -p tcp --dport 22 -j ACCEPT\n"
        "   -A INPUT -p tcp --dport 80 -j ACCEPT\n"
        "\n"
        f"rules.v4:8:1: FW204 [warning] {M204}\n"
        "  |\n"
        "8 | -A INPUT -p tcp --dport 80 -j ACCEPT\n"
        "  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  = related: rules.v4:7:1\n"
        "  |\n"
        "7 | -A INPUT -p tcp --dport 80 -j ACCEPT\n"
        "  | ------------------------------------\n"
        "  = fix (unsafe): Delete the duplicate rule on line 8\n"
        "  @@ -7,3 +7,2 @@\n"
        "   -A INPUT -p tcp --dport 80 -j ACCEPT\n"
        "  --A INPUT -p tcp --dport 80 -j ACCEPT\n"
        "   -A INPUT -j DROP\n"
        "\n"
        f"rules.v4:10:1: FW203 [warning] {M203}\n"
        "   |\n"
        "10 | -A INPUT -p tcp --dport 443 -j ACCEPT\n"
        "   | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "   = related: rules.v4:9:1\n"
        "   |\n"
        " 9 | -A INPUT -j DROP\n"
        "   | ----------------\n"
        "\n"
        "Found 3 findings (1 error, 2 warnings).\n"
        "[*] 1 fixable with --fix.\n")


def test_full_reads_stdin_from_what_was_checked(workdir, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(FLAWED))
    code, out, _ = run(capsys, "check", "--select", "FW101", "--output-format", "full",
                       "--stdin-filename", "piped.v4", "-")
    assert code == 1
    assert out.splitlines()[:4] == [
        f"piped.v4:6:31: FW101 [error] [*] {M101}",
        "  |",
        "6 | -A INPUT -p tcp --dport 22 -j ACCESPT",
        "  |                               ^^^^^^^",
    ]


def test_full_after_fix_shows_the_fixed_file(workdir, capsys):
    code, out, err = run(capsys, "check", *SELECT, "--fix", "--output-format", "full", "rules.v4")
    assert code == 1 and err.startswith("Fixed 1 finding")
    assert out.splitlines()[:3] == [f"rules.v4:8:1: FW204 [warning] {M204}", "  |",
                                    "8 | -A INPUT -p tcp --dport 80 -j ACCEPT"]


def test_json(workdir, capsys):
    findings = json.loads(check(capsys, "json"))
    assert [(f["code"], f["location"]["row"], f["location"]["column"]) for f in findings] == [
        ("FW101", 6, 31), ("FW204", 8, 1), ("FW203", 10, 1)]


def test_json_lines(workdir, capsys):
    out = check(capsys, "json-lines")
    lines = out.splitlines()
    assert len(lines) == 3 and out.endswith("\n")
    assert lines[0] == (
        '{"code":"FW101","name":"unknown-target","message":"' + M101 + '","severity":"error",'
        '"filename":"rules.v4","location":{"row":6,"column":31},"end_location":{"row":6,"column":38},'
        '"fix":{"applicability":"safe","message":"Replace \'ACCESPT\' with \'ACCEPT\'","edits":[{'
        '"content":"ACCEPT","location":{"row":6,"column":31},"end_location":{"row":6,"column":38}}]},'
        '"related":[]}')
    # Each line is the object the json format lists.
    assert [json.loads(line) for line in lines] == json.loads(check(capsys, "json"))


def test_json_lines_clean_prints_nothing(workdir, capsys):
    assert run(capsys, "check", *SELECT, "--output-format", "json-lines", "clean.v4") == (0, "", "")


def test_github(workdir, capsys):
    assert check(capsys, "github") == (
        "::error file=rules.v4,line=6,col=31,endLine=6,endColumn=38,title=FW101 unknown-target::"
        f"{M101}\n"
        "::warning file=rules.v4,line=8,col=1,endLine=8,endColumn=37,title=FW204 duplicate-rule::"
        f"{M204}\n"
        "::warning file=rules.v4,line=10,col=1,endLine=10,endColumn=38,"
        f"title=FW203 unreachable-after-catch-all::{M203}\n")


def test_github_escapes_and_levels():
    span = Span("/elsewhere/a,b:c.v4", 3, 2, 4, 1)
    report = Report([
        Diagnostic("FW999", "x", "100% sure\nsecond line\r", Severity.INFO, span),
        Diagnostic("FW998", "y", "m", Severity.WARNING, Span("r.v4", 5, 7, 5, 7)),
    ])
    out = io.StringIO()
    github.write(report, out)
    assert out.getvalue() == (
        "::notice file=/elsewhere/a%2Cb%3Ac.v4,line=3,col=2,endLine=4,endColumn=1,title=FW999 x::"
        "100%25 sure%0Asecond line%0D\n"
        "::warning file=r.v4,line=5,col=7,endLine=5,endColumn=7,title=FW998 y::m\n")


def test_github_paths_are_relative_to_the_working_directory(workdir, capsys):
    _, out, _ = run(capsys, "check", "--select", "FW101", "--output-format", "github",
                    str(workdir / "rules.v4"))
    assert out.startswith("::error file=rules.v4,line=6,")


def test_junit(workdir, capsys):
    out = check(capsys, "junit")
    assert out == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="fwlint" tests="2" failures="1" errors="0">\n'
        '  <testsuite name="fwlint" tests="2" failures="1" errors="0" skipped="0">\n'
        '    <testcase name="rules.v4" classname="fwlint" file="rules.v4">\n'
        f'      <failure message="FW101 unknown-target: {M101}" type="FW101">'
        f'rules.v4:6:31: FW101 [error] [*] {M101}</failure>\n'
        f'      <failure message="FW204 duplicate-rule: {M204}" type="FW204">'
        f'rules.v4:8:1: FW204 [warning] {M204}</failure>\n'
        f'      <failure message="FW203 unreachable-after-catch-all: {M203}" type="FW203">'
        f'rules.v4:10:1: FW203 [warning] {M203}</failure>\n'
        '    </testcase>\n'
        '    <testcase name="clean.v4" classname="fwlint" file="clean.v4" />\n'
        '  </testsuite>\n'
        '</testsuites>\n')
    root = ET.fromstring(out.encode())
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["rules.v4", "clean.v4"]
    assert [len(c.findall("failure")) for c in cases] == [3, 0]
    assert int(suite.get("tests")) == len(cases)
    assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)


def test_junit_is_well_formed_with_awkward_text():
    span = Span("we<ird>&\"file\".v4", 1, 1, 1, 2)
    report = Report([Diagnostic("FW999", "x", "bad \x1b[31m byte \x00 <tag> & \"q\"", Severity.ERROR,
                                span)], files=["we<ird>&\"file\".v4", "ok.v4"])
    out = io.StringIO()
    junit.write(report, out)
    root = ET.fromstring(out.getvalue().encode())
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == "FW999 x: bad \ufffd[31m byte \ufffd <tag> & \"q\""
    assert root.get("tests") == "2" and root.get("failures") == "1"


def test_junit_clean(workdir, capsys):
    code, out, _ = run(capsys, "check", *SELECT, "--output-format", "junit", "clean.v4")
    assert code == 0
    root = ET.fromstring(out.encode())
    assert (root.get("tests"), root.get("failures")) == ("1", "0")
    assert root.find("testsuite/testcase").get("name") == "clean.v4"


# --- SARIF --------------------------------------------------------------------------------------

def sarif_schema() -> dict:
    if not SARIF_SCHEMA.exists():
        pytest.skip(f"{SARIF_SCHEMA} is not there (a clone without ../shared)")
    return json.loads(SARIF_SCHEMA.read_text())


def assert_valid_sarif(log: dict) -> None:
    import jsonschema

    validator = jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def region(line, column, end_line, end_column):
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def location(uri, *span):
    return {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": region(*span)}


def descriptor(code: str) -> dict:
    rule = catalogue().get(code)
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": " ".join(rule.documentation().split("## Why is this bad")[0]
                                             .removeprefix("## What it does").split())},
        "defaultConfiguration": {"level": {"error": "error", "warning": "warning"}[str(rule.severity)]},
        "help": {"text": rule.documentation(), "markdown": rule.documentation()},
        "properties": {"fixable": rule.fixable or "none",
                       "tags": [rule.__module__.split(".")[2]]},
    }


def test_sarif(workdir, capsys):
    log = json.loads(check(capsys, "sarif"))
    assert_valid_sarif(log)
    assert log["$schema"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                              "sarif-schema-2.1.0.json")
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    from fwlint import __version__

    assert (driver["name"], driver["version"]) == ("fwlint", __version__)
    assert driver.get("informationUri") == sarif.information_uri()
    assert [r["id"] for r in driver["rules"]] == ["FW101", "FW203", "FW204"]
    assert driver["rules"] == [descriptor("FW101"), descriptor("FW203"), descriptor("FW204")]
    assert driver["rules"][0]["shortDescription"]["text"] == (
        "Finds a `-j`/`-g` target that is neither a built-in verdict, a target extension, nor a "
        "chain of the table, but is close to one of them.")
    assert driver["rules"][0]["defaultConfiguration"] == {"level": "error"}
    assert driver["rules"][0]["properties"] == {"fixable": "safe", "tags": ["validity"]}
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": workdir.as_uri() + "/"}}
    assert run_["columnKind"] == "unicodeCodePoints"
    assert run_["results"] == [
        {"ruleId": "FW101", "ruleIndex": 0, "level": "error", "message": {"text": M101},
         "locations": [{"physicalLocation": location("rules.v4", 6, 31, 6, 38)}],
         "fixes": [{"description": {"text": "Replace 'ACCESPT' with 'ACCEPT'"},
                    "artifactChanges": [{"artifactLocation": {"uri": "rules.v4", "uriBaseId": "%SRCROOT%"},
                                         "replacements": [{"deletedRegion": region(6, 31, 6, 38),
                                                           "insertedContent": {"text": "ACCEPT"}}]}],
                    "properties": {"applicability": "safe"}}]},
        {"ruleId": "FW204", "ruleIndex": 2, "level": "warning", "message": {"text": M204},
         "locations": [{"physicalLocation": location("rules.v4", 8, 1, 8, 37)}],
         "relatedLocations": [{"id": 1, "physicalLocation": location("rules.v4", 7, 1, 7, 37),
                               "message": {"text": sarif.RELATED_MESSAGE}}],
         "fixes": [{"description": {"text": "Delete the duplicate rule on line 8"},
                    "artifactChanges": [{"artifactLocation": {"uri": "rules.v4", "uriBaseId": "%SRCROOT%"},
                                         "replacements": [{"deletedRegion": region(8, 1, 9, 1),
                                                           "insertedContent": {"text": ""}}]}],
                    "properties": {"applicability": "unsafe"}}]},
        {"ruleId": "FW203", "ruleIndex": 1, "level": "warning", "message": {"text": M203},
         "locations": [{"physicalLocation": location("rules.v4", 10, 1, 10, 38)}],
         "relatedLocations": [{"id": 1, "physicalLocation": location("rules.v4", 9, 1, 9, 17),
                               "message": {"text": sarif.RELATED_MESSAGE}}]},
    ]
    for result in run_["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_clean_run_is_valid(workdir, capsys):
    code, out, _ = run(capsys, "check", *SELECT, "--output-format", "sarif", "clean.v4")
    log = json.loads(out)
    assert code == 0
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
    assert_valid_sarif(log)


def test_sarif_paths_levels_and_unknown_rules(tmp_path):
    cwd = tmp_path / "work"
    outside = tmp_path / "etc dir" / "rules.v6"
    report = Report([
        Diagnostic("FW101", "unknown-target", "m1", Severity.ERROR,
                   Span(str(cwd / "sub" / "a b.v4"), 2, 3, 2, 5)),
        Diagnostic("ZZ001", "plugin-rule", "m2", Severity.INFO, Span(str(outside), 4, 1, 3, 1)),
        Diagnostic("ZZ001", "plugin-rule", "m3", Severity.INFO, Span("-", 1, 1, 1, 2),
                   fix=Fix("display-only", "", (Edit("x", Span("-", 1, 1, 1, 2)),))),
    ])
    log = sarif.sarif_log(report, cwd=str(cwd))
    assert_valid_sarif(log)
    results = log["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "sub/a%20b.v4", "uriBaseId": "%SRCROOT%"}
    assert results[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": outside.as_uri()}, "region": region(4, 1, 4, 1)}
    assert results[1]["level"] == "note" and results[1]["ruleIndex"] == 1
    assert results[2]["fixes"][0]["description"] == {"text": "fix"}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[1] == {"id": "ZZ001", "name": "plugin-rule", "shortDescription": {"text": "plugin-rule"}}


# --- full: the snippet details ------------------------------------------------------------------

def full_output(text: str, *diagnostics: Diagnostic, files: dict | None = None) -> str:
    out = io.StringIO()
    full.write(Report(list(diagnostics), sources=files if files is not None else {"f.v4": text},
                      quiet=True), out)
    return out.getvalue()


def diag(line, column, end_line, end_column, *, fix=None, related=()) -> Diagnostic:
    return Diagnostic("FW999", "x", "m", Severity.WARNING, Span("f.v4", line, column, end_line, end_column),
                      fix, tuple(related))


def test_full_tabs_wide_characters_and_control_characters():
    text = "-A INPUT\t-m comment --comment \"日本\" -j\x1bX\n"
    # the span covers `"日本"`, then one covers the escape character
    assert text.index('"日本"') + 1 == 31 and text.index("\x1b") + 1 == 38
    out = full_output(text, diag(1, 31, 1, 35), diag(1, 38, 1, 39))
    assert out == (
        "f.v4:1:31: FW999 [warning] m\n"
        "  |\n"
        "1 | -A INPUT\t-m comment --comment \"日本\" -j\u241bX\n"
        "  |         \t" + " " * 21 + "^^^^^^\n"
        "\n"
        "f.v4:1:38: FW999 [warning] m\n"
        "  |\n"
        "1 | -A INPUT\t-m comment --comment \"日本\" -j\u241bX\n"
        "  |         \t" + " " * 30 + "^\n"
        "\n")


def test_full_long_span_is_elided_and_end_of_file_is_marked():
    text = "".join(f"line{n}\n" for n in range(1, 9))
    out = full_output(text, diag(2, 3, 8, 2), diag(9, 1, 9, 1))
    assert out == (
        "f.v4:2:3: FW999 [warning] m\n"
        "  |\n"
        "2 | line2\n"
        "  |   ^^^\n"
        "3 | line3\n"
        "  | ^^^^^\n"
        "4 | line4\n"
        "  | ^^^^^\n"
        "...\n"
        "8 | line8\n"
        "  | ^\n"
        "\n"
        "f.v4:9:1: FW999 [warning] m\n"
        "  |\n"
        "9 |\n"
        "  | ^\n"
        "\n")


def test_full_fix_diffs():
    text = "a\nb\nc\nd\n"
    insert = Fix("safe", "insert", (Edit("new\n", Span("f.v4", 2, 1, 2, 1)),))
    join = Fix("unsafe", "", (Edit(" ", Span("f.v4", 2, 2, 3, 1)),))
    out = full_output(text, diag(2, 1, 2, 2, fix=insert), diag(2, 2, 2, 2, fix=join))
    assert out == (
        "f.v4:2:1: FW999 [warning] [*] m\n"
        "  |\n"
        "2 | b\n"
        "  | ^\n"
        "  = fix (safe): insert\n"
        "  @@ -1,3 +1,4 @@\n"
        "   a\n"
        "  +new\n"
        "   b\n"
        "   c\n"
        "\n"
        "f.v4:2:2: FW999 [warning] m\n"
        "  |\n"
        "2 | b\n"
        "  |  ^\n"
        "  = fix (unsafe)\n"
        "  @@ -1,4 +1,3 @@\n"
        "   a\n"
        "  -b\n"
        "  -c\n"
        "  +b c\n"
        "   d\n"
        "\n")


def test_full_long_diff_is_cut(monkeypatch):
    text = "".join(f"l{n}\r\n" for n in range(1, 41))
    fix = Fix("safe", "lf", tuple(Edit("", Span("f.v4", n, 3 if n < 10 else 4, n, 4 if n < 10 else 5))
                                  for n in range(1, 41)))
    out = full_output(text, diag(1, 3, 1, 4, fix=fix)).splitlines()
    assert out[:7] == ["f.v4:1:3: FW999 [warning] [*] m", "  |", "1 | l1\u240d", "  |   ^",
                       "  = fix (safe): lf", "  @@ -1,40 +1,40 @@", "  -l1\u240d"]
    assert out[-3:] == ["  -l24\u240d", "  ... 56 more lines", ""]


def test_full_without_source_shows_the_finding_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no f.v4 here to read either
    d = diag(3, 1, 3, 2, related=[Span("f.v4", 1, 1, 1, 2)],
             fix=Fix("safe", "do it", (Edit("y", Span("f.v4", 3, 1, 3, 2)),)))
    assert full_output("", d, files={}) == (
        "f.v4:3:1: FW999 [warning] [*] m\n  = related: f.v4:1:1\n  = fix (safe): do it\n\n")


# --- colour, quiet, statistics, exit-zero --------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_use_color():
    assert use_color(Terminal(), {}) is True
    assert use_color(io.StringIO(), {}) is False
    assert use_color(Terminal(), {"NO_COLOR": "1"}) is False
    assert use_color(Terminal(), {"NO_COLOR": ""}) is True
    assert use_color(io.StringIO(), {"FORCE_COLOR": "1"}) is True
    assert use_color(io.StringIO(), {"FORCE_COLOR": "1", "NO_COLOR": "1"}) is False
    assert use_color(Terminal(), {"TERM": "dumb"}) is False


def test_colour_only_on_a_terminal(workdir, capsys, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    assert main(["check", "--select", "FW101", "rules.v4"]) == 1
    assert terminal.getvalue().splitlines()[0] == (
        "\x1b[1mrules.v4\x1b[0m:6:31: \x1b[1;31mFW101\x1b[0m \x1b[1;31m[error]\x1b[0m "
        f"\x1b[36m[*]\x1b[0m {M101}")
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    main(["check", "--select", "FW101", "rules.v4"])
    assert "\x1b" not in terminal.getvalue()


def test_no_colour_when_not_a_terminal(workdir, capsys):
    for output_format in ("text", "concise", "full"):
        assert "\x1b" not in check(capsys, output_format)


def test_quiet_prints_only_findings(workdir, capsys):
    code, out, err = run(capsys, "check", *SELECT, "--quiet", "rules.v4", "clean.v4")
    assert (code, err) == (1, "")
    assert out == (f"rules.v4:6:31: FW101 [error] [*] {M101}\n"
                   f"rules.v4:8:1: FW204 [warning] {M204}\n"
                   f"rules.v4:10:1: FW203 [warning] {M203}\n")
    assert run(capsys, "check", *SELECT, "-q", "clean.v4") == (0, "", "")
    assert run(capsys, "check", *SELECT, "-q", "--output-format", "json", "clean.v4") == (0, "[]\n", "")
    code, out, _ = run(capsys, "check", *SELECT, "-q", "--output-format", "full", "rules.v4")
    assert "Found" not in out and out.startswith(f"rules.v4:6:31: FW101 [error] [*] {M101}\n  |\n")


def test_quiet_fix_says_nothing_about_what_it_fixed(workdir, capsys):
    code, out, err = run(capsys, "check", *SELECT, "--fix", "-q", "rules.v4")
    assert (code, err) == (1, "")
    # Only the safe fix (FW101) was applied; the rest is reported and nothing else.
    assert out == f"rules.v4:8:1: FW204 [warning] {M204}\nrules.v4:10:1: FW203 [warning] {M203}\n"
    assert "-j ACCEPT\n" in (workdir / "rules.v4").read_text().splitlines(keepends=True)[5]


def test_statistics(workdir, capsys):
    (workdir / "more.v4").write_text(FLAWED.replace("--dport 443", "--dport 444")
                                     .replace("-A INPUT -j DROP\n", "-A INPUT -j DROP\n-A INPUT -j LOG\n"))
    code, out, err = run(capsys, "check", *SELECT, "--statistics", "rules.v4", "more.v4", "clean.v4")
    assert (code, err) == (1, "")
    assert out == ("3 FW203 [ ] unreachable-after-catch-all\n"
                   "2 FW101 [*] unknown-target\n"
                   "2 FW204 [ ] duplicate-rule\n"
                   "Found 7 findings (2 errors, 5 warnings).\n"
                   "[*] 2 fixable with --fix.\n")
    assert run(capsys, "check", *SELECT, "--statistics", "-q", "rules.v4")[1] == (
        "1 FW101 [*] unknown-target\n1 FW203 [ ] unreachable-after-catch-all\n1 FW204 [ ] duplicate-rule\n")
    code, out, _ = run(capsys, "check", "--select", "FW203", "--statistics", "rules.v4", "more.v4")
    assert out == "3 FW203 unreachable-after-catch-all\nFound 3 findings (3 warnings).\n"
    code, out, _ = run(capsys, "check", *SELECT, "--statistics", "--output-format", "json", "rules.v4",
                       "more.v4")
    assert json.loads(out) == [
        {"code": "FW203", "name": "unreachable-after-catch-all", "count": 3, "fixable": False},
        {"code": "FW101", "name": "unknown-target", "count": 2, "fixable": True},
        {"code": "FW204", "name": "duplicate-rule", "count": 2, "fixable": False}]
    assert run(capsys, "check", *SELECT, "--statistics", "clean.v4") == (0, "All checks passed!\n", "")


def test_exit_zero(workdir, capsys):
    code, out, _ = run(capsys, "check", *SELECT, "--exit-zero", "rules.v4")
    assert code == 0
    assert out.endswith("Found 3 findings (1 error, 2 warnings).\n[*] 1 fixable with --fix.\n")
    # Errors in what was asked still exit 2.
    assert run(capsys, "check", "--exit-zero", "missing.v4")[0] == 2
    assert run(capsys, "check", "--exit-zero", "--select", "FW000", "rules.v4")[0] == 2


def test_flags_work_without_the_check_subcommand(workdir, capsys):
    code, out, _ = run(capsys, "--exit-zero", "-q", "--output-format", "concise", *SELECT, "rules.v4")
    assert code == 0
    assert out.splitlines()[0] == f"rules.v4:6:31: FW101 [*] {M101}"
    assert len(out.splitlines()) == 3


def test_unknown_format_is_a_usage_error(workdir, capsys):
    code, _, err = run(capsys, "check", "--output-format", "xml", "rules.v4")
    assert code == 2 and "invalid choice: 'xml'" in err


def test_relative_path(tmp_path):
    assert relative_path(str(tmp_path / "a" / "b.v4"), str(tmp_path)) == "a/b.v4"
    assert relative_path("/etc/iptables/rules.v4", str(tmp_path)) == "/etc/iptables/rules.v4"
    assert relative_path("rel.v4", str(tmp_path)) == "rel.v4"
    assert relative_path("-") == "-"
