"""The command line: fwlint.cli.main in-process (with capsys), and as a real process."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fwlint.cli import main
from fwlint.lint import Rule, Severity
from fwlint.lint.engine import Catalogue

# Every built-in rule, as the packs in fwlint/rules/ define them (no plugins in these tests).
SPINE_CODES = {"FW101", "FW103", "FW104", "FW106", "FW109", "FW115", "FW203", "FW204", "FW301"}


def all_codes() -> list[str]:
    from fwlint.rules import builtin_rules

    codes = sorted(r.code for r in builtin_rules())
    assert SPINE_CODES <= set(codes)
    return codes


def src(*lines: str) -> str:
    return "\n".join(lines) + "\n"


CLEAN = src(
    "*filter",
    ":INPUT DROP [0:0]",
    ":FORWARD DROP [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A INPUT -i lo -j ACCEPT",
    "-A INPUT -p tcp --dport 22 -j ACCEPT",
    "COMMIT",
)

# FW101 (error, safe fix) on line 6.
TYPO = src(
    "*filter",
    ":INPUT DROP [0:0]",
    ":FORWARD DROP [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A INPUT -p tcp --dport 22 -j ACCESPT",
    "-A INPUT -i lo -j ACCEPT",
    "COMMIT",
)
TYPO_MESSAGE = "unknown target -j ACCESPT: did you mean ACCEPT? (a target; names are case-sensitive)"
TYPO_LINE = f"rules.v4:6:31: FW101 [error] [*] {TYPO_MESSAGE}"

# FW204 (warning, unsafe fix) on line 7 only.
WARN_ONLY = src(
    "*filter",
    ":INPUT DROP [0:0]",
    ":FORWARD DROP [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A INPUT -p tcp --dport 80 -j ACCEPT",
    "-A INPUT -p tcp --dport 80 -j ACCEPT",
    "-A INPUT -i lo -j ACCEPT",
    "-A INPUT -p tcp --dport 22 -j ACCEPT",
    "COMMIT",
)
DUP_LINE = "rules.v4:7:1: FW204 [warning] duplicate of the rule at line 6 in INPUT"

# FW101 on line 6 (safe fix) and FW204 on line 8 (unsafe fix).
BOTH = src(
    "*filter",
    ":INPUT DROP [0:0]",
    ":FORWARD DROP [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-A INPUT -p tcp --dport 22 -j ACCESPT",
    "-A INPUT -p tcp --dport 80 -j ACCEPT",
    "-A INPUT -p tcp --dport 80 -j ACCEPT",
    "-A INPUT -i lo -j ACCEPT",
    "COMMIT",
)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def codes_in(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines() if line.startswith(("rules", "-:"))]


# --- text output and exit codes ---------------------------------------------------------------

def test_text_output_format(workdir, capsys):
    (workdir / "rules.v4").write_text(TYPO)
    code, out, err = run(capsys, "check", "rules.v4")
    assert code == 1
    assert out == (f"{TYPO_LINE}\n"
                   "Found 1 finding (1 error).\n"
                   "[*] 1 fixable with --fix.\n")
    assert err == ""


def test_text_output_without_safe_fix(workdir, capsys):
    (workdir / "rules.v4").write_text(WARN_ONLY)
    code, out, err = run(capsys, "check", "rules.v4")
    assert code == 1
    assert out == f"{DUP_LINE}\nFound 1 finding (1 warning).\n"
    assert err == ""


def test_clean_file_exits_0(workdir, capsys):
    (workdir / "rules.v4").write_text(CLEAN)
    assert run(capsys, "check", "rules.v4") == (0, "All checks passed!\n", "")


def test_fail_level(workdir, capsys):
    (workdir / "rules.v4").write_text(WARN_ONLY)
    code, out, _ = run(capsys, "check", "--fail-level", "error", "rules.v4")
    assert code == 0
    assert out.splitlines()[0] == DUP_LINE
    assert run(capsys, "check", "--fail-level", "warning", "rules.v4")[0] == 1
    assert run(capsys, "check", "--fail-level", "info", "rules.v4")[0] == 1
    (workdir / "rules.v4").write_text(TYPO)
    assert run(capsys, "check", "--fail-level", "error", "rules.v4")[0] == 1


class InfoOnly(Rule):
    """## What it does
    Notes every table (a test rule).
    """

    code = "FW990"
    name = "test-info"
    severity = Severity.INFO

    def check_ruleset(self, ruleset, ctx):
        for table in ruleset.tables:
            yield self.diagnostic(table.span, f"table {table.name}")


def test_info_findings_exit_0(workdir, capsys, monkeypatch):
    # No built-in rule is info-level yet: use a catalogue holding one that is.
    import fwlint.commands

    monkeypatch.setattr(fwlint.commands, "catalogue", lambda: Catalogue([InfoOnly]))
    (workdir / "rules.v4").write_text(CLEAN)
    code, out, err = run(capsys, "check", "rules.v4")
    assert code == 0
    assert out == "rules.v4:1:1: FW990 [info] table filter\nFound 1 finding (1 info).\n"
    assert err == ""
    assert run(capsys, "check", "--fail-level", "info", "rules.v4")[0] == 1


def test_missing_file(workdir, capsys):
    code, out, err = run(capsys, "check", "nonexistent.v4")
    assert code == 2
    assert out == ""
    assert err == "fwlint: error: nonexistent.v4: no such file or directory\n"
    assert "Traceback" not in err


def test_missing_file_among_others_checks_nothing(workdir, capsys):
    (workdir / "rules.v4").write_text(TYPO)
    code, out, err = run(capsys, "check", "rules.v4", "missing.v4")
    assert code == 2
    assert out == ""
    assert err.splitlines() == ["fwlint: error: missing.v4: no such file or directory"]


def test_check_without_paths(capsys):
    code, out, err = run(capsys, "check")
    assert code == 2
    assert err == "fwlint: error: give at least one PATH (or - for stdin)\n"


def test_no_command_prints_help(capsys):
    code, out, err = run(capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("usage: fwlint")


def test_version(capsys):
    import fwlint

    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out == f"fwlint {fwlint.__version__}\n"


def test_bad_option_value_exits_2(workdir, capsys):
    (workdir / "rules.v4").write_text(CLEAN)
    code, out, err = run(capsys, "check", "--family", "5", "rules.v4")
    assert code == 2
    assert out == ""
    assert "invalid choice: '5'" in err


# --- stdin --------------------------------------------------------------------------------------

def test_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(TYPO))
    code, out, err = run(capsys, "check", "-")
    assert code == 1
    assert out.splitlines()[0] == f"-:6:31: FW101 [error] [*] {TYPO_MESSAGE}"
    assert err == ""


def test_stdin_without_subcommand_and_with_a_name(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(TYPO))
    code, out, _ = run(capsys, "--stdin-filename", "rules.v4", "-")
    assert code == 1
    assert out.splitlines()[0] == TYPO_LINE


def test_stdin_cannot_be_fixed(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(TYPO))
    code, out, err = run(capsys, "check", "--fix", "-")
    assert code == 2
    assert err == "fwlint: error: --fix cannot rewrite standard input\n"


# --- directories --------------------------------------------------------------------------------

def test_directory_is_searched(workdir, capsys):
    bad = src("*filter", "-A INPUT -j ACCESPT", "COMMIT")
    names = ["rules.v4", "rules.v6", "host.v4", "host.v6", "ufw.rules", "iptables.conf",
             "ip6tables-save", "sub/deeper.v4"]
    for name in names:
        (workdir / "etc" / name).parent.mkdir(parents=True, exist_ok=True)
        (workdir / "etc" / name).write_text(bad)
    # Not ruleset names, or hidden: never read (they would give FW109 if they were).
    (workdir / "etc" / "README.txt").write_text("this is not a ruleset\n")
    (workdir / "etc" / "notes.md").write_text("-A INPUT -j ACCESPT\n")
    (workdir / "etc" / ".git").mkdir()
    (workdir / "etc" / ".git" / "rules.v4").write_text("junk\n")
    code, out, err = run(capsys, "check", "--output-format", "json", "etc")
    assert code == 1
    assert err == ""
    found = json.loads(out)
    assert sorted((d["filename"], d["code"], d["location"]["row"]) for d in found) == sorted(
        (os.path.join("etc", n), "FW101", 2) for n in names)


def test_empty_directory(workdir, capsys):
    (workdir / "empty").mkdir()
    (workdir / "empty" / "README.txt").write_text("not a ruleset\n")
    code, out, err = run(capsys, "check", "empty")
    assert (code, out) == (0, "All checks passed!\n")
    assert err.startswith("fwlint: warning: no ruleset files found in empty (searched for rules.v4")


# --- selecting rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ([], ["FW101", "FW204"]),
    (["--select", "FW1"], ["FW101"]),
    (["--select", "FW101"], ["FW101"]),
    (["--select", "FW2"], ["FW204"]),
    (["--select", "fw20"], ["FW204"]),
    (["--select", "unknown-target"], ["FW101"]),
    (["--select", "FW101,FW204"], ["FW101", "FW204"]),
    (["--select", "FW101", "--select", "FW204"], ["FW101", "FW204"]),
    (["--select", "ALL"], ["FW101", "FW204"]),
    (["--ignore", "FW101"], ["FW204"]),
    (["--ignore", "FW1"], ["FW204"]),
    (["--ignore", "FW2"], ["FW101"]),
    (["--select", "FW1", "--ignore", "FW101"], []),
    (["--ignore", "FW1,FW2"], []),
])
def test_select_and_ignore(workdir, capsys, args, expected):
    (workdir / "rules.v4").write_text(BOTH)
    code, out, err = run(capsys, "check", *args, "rules.v4")
    assert codes_in(out) == expected
    assert code == (1 if expected else 0)
    assert err == ""


@pytest.mark.parametrize("args, bad", [
    (["--select", "FW999"], "FW999"),
    (["--select", "FW1,XX"], "XX"),
    (["--ignore", "FW8"], "FW8"),
])
def test_unknown_selector(workdir, capsys, args, bad):
    (workdir / "rules.v4").write_text(BOTH)
    code, out, err = run(capsys, "check", *args, "rules.v4")
    assert code == 2
    assert out == ""
    assert err == f"fwlint: error: unknown rule code or prefix: {bad} (see `fwlint rules`)\n"


# --- JSON ---------------------------------------------------------------------------------------

def test_json_output(workdir, capsys):
    (workdir / "rules.v4").write_text(TYPO)
    code, out, err = run(capsys, "check", "--output-format", "json", "rules.v4")
    assert code == 1
    assert err == ""
    data = json.loads(out)
    assert isinstance(data, list) and len(data) == 1
    (d,) = data
    # ruff's fields; fwlint adds `related` (other places the finding refers to).
    assert set(d) == {"code", "name", "message", "severity", "filename", "location", "end_location",
                      "fix", "related"}
    assert d["code"] == "FW101"
    assert d["name"] == "unknown-target"
    assert d["message"] == TYPO_MESSAGE
    assert d["severity"] == "error"
    assert d["filename"] == "rules.v4"
    assert d["location"] == {"row": 6, "column": 31}
    assert d["end_location"] == {"row": 6, "column": 38}
    assert d["fix"] == {
        "applicability": "safe",
        "message": "Replace 'ACCESPT' with 'ACCEPT'",
        "edits": [{"content": "ACCEPT",
                   "location": {"row": 6, "column": 31},
                   "end_location": {"row": 6, "column": 38}}],
    }
    assert d["related"] == []


def test_json_without_fix_and_with_related(workdir, capsys):
    (workdir / "rules.v4").write_text(src(
        "*filter",
        ":INPUT ACCEPT [0:0]",
        "-A INPUT -j DROP",
        "-A INPUT -i lo -j ACCEPT",
        "COMMIT",
    ))
    code, out, _ = run(capsys, "check", "--output-format", "json", "--select", "FW203", "rules.v4")
    assert code == 1
    (d,) = json.loads(out)
    assert d["code"] == "FW203"
    assert d["severity"] == "warning"
    assert d["location"] == {"row": 4, "column": 1}
    assert d["end_location"] == {"row": 4, "column": 25}
    assert d["fix"] is None
    assert d["related"] == [{"filename": "rules.v4", "location": {"row": 3, "column": 1},
                             "end_location": {"row": 3, "column": 17}}]


def test_json_clean(workdir, capsys):
    (workdir / "rules.v4").write_text(CLEAN)
    assert run(capsys, "check", "--output-format", "json", "rules.v4") == (0, "[]\n", "")


# --- rules and rule -----------------------------------------------------------------------------

def test_rules_lists_every_code(capsys):
    code, out, err = run(capsys, "rules")
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == all_codes()
    first = lines[0].split()
    assert first[:4] == ["FW101", "unknown-target", "error", "fix:safe"]


def test_rules_json(capsys):
    code, out, _ = run(capsys, "rules", "--output-format", "json")
    assert code == 0
    data = json.loads(out)
    assert [r["code"] for r in data] == all_codes()
    fw101 = data[0]
    assert (fw101["name"], fw101["severity"], fw101["fixable"]) == ("unknown-target", "error", "safe")


@pytest.mark.parametrize("key", ["FW101", "fw101", "unknown-target"])
def test_rule_documentation(capsys, key):
    code, out, err = run(capsys, "rule", key)
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[:3] == ["# FW101 unknown-target", "", "Severity: error. Fix: safe."]
    assert "## What it does" in lines
    assert "## Why is this bad" in lines


def test_unknown_rule(capsys):
    code, out, err = run(capsys, "rule", "FW999")
    assert code == 2
    assert out == ""
    assert err == "fwlint: error: no rule 'FW999' (see `fwlint rules`)\n"


# --- path without a subcommand ------------------------------------------------------------------

@pytest.mark.parametrize("options", [
    [],
    ["--select", "FW1"],
    ["--output-format", "json"],
    ["--family", "4"],
])
def test_path_without_subcommand(workdir, capsys, options):
    (workdir / "rules.v4").write_text(TYPO)
    expected = run(capsys, "check", *options, "rules.v4")
    assert expected[0] == 1
    assert run(capsys, *options, "rules.v4") == expected
    assert run(capsys, "rules.v4", *options) == expected


# --- --fix --------------------------------------------------------------------------------------

def test_fix_applies_safe_fixes_only(workdir, capsys):
    path = workdir / "rules.v4"
    path.write_text(BOTH)
    path.chmod(0o640)
    inode = path.stat().st_ino
    code, out, err = run(capsys, "check", "--fix", "rules.v4")
    assert code == 1  # the duplicate (unsafe fix) is left
    assert out == ("rules.v4:8:1: FW204 [warning] duplicate of the rule at line 7 in INPUT\n"
                   "Found 1 finding (1 warning).\n")
    assert err == "Fixed 1 finding (1 remaining).\n"
    assert path.read_text() == BOTH.replace("-j ACCESPT", "-j ACCEPT")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # replaced by a rename, not rewritten in place
    assert sorted(p.name for p in workdir.iterdir()) == ["rules.v4"]  # no temporary file left


def test_fix_with_unsafe_fixes(workdir, capsys):
    path = workdir / "rules.v4"
    path.write_text(BOTH)
    path.chmod(0o600)
    code, out, err = run(capsys, "check", "--fix", "--unsafe-fixes", "rules.v4")
    assert code == 0
    assert out == "All checks passed!\n"
    assert err == "Fixed 2 findings (0 remaining).\n"
    assert path.read_text() == src(
        "*filter",
        ":INPUT DROP [0:0]",
        ":FORWARD DROP [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "-A INPUT -p tcp --dport 22 -j ACCEPT",
        "-A INPUT -p tcp --dport 80 -j ACCEPT",
        "-A INPUT -i lo -j ACCEPT",
        "COMMIT",
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_fix_leaves_clean_file_untouched(workdir, capsys):
    path = workdir / "rules.v4"
    path.write_text(CLEAN)
    inode, mtime = path.stat().st_ino, path.stat().st_mtime_ns
    assert run(capsys, "check", "--fix", "rules.v4") == (0, "All checks passed!\n", "")
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (inode, mtime)


def test_fix_keeps_other_bytes(workdir, capsys):
    # A Latin-1 comment and CRLF line ends: only the fixes change bytes.
    path = workdir / "rules.v4"
    path.write_bytes(b"# caf\xe9\n*filter\n-A INPUT -j ACCESPT\nCOMMIT\n")
    code, out, err = run(capsys, "check", "--fix", "--select", "FW1", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 1 finding (0 remaining).\n")
    assert path.read_bytes() == b"# caf\xe9\n*filter\n-A INPUT -j ACCEPT\nCOMMIT\n"
    path.write_bytes("# café\r\n*filter\r\n-A INPUT -j drop\r\nCOMMIT\r\n".encode())
    code, out, err = run(capsys, "check", "--fix", "--select", "FW1", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 2 findings (0 remaining).\n")
    assert path.read_bytes() == "# café\n*filter\n-A INPUT -j DROP\nCOMMIT\n".encode()


def test_fix_through_a_symlink(workdir, capsys):
    real = workdir / "saved.txt"
    real.write_text(TYPO)
    (workdir / "rules.v4").symlink_to("saved.txt")
    code, out, err = run(capsys, "check", "--fix", "rules.v4")
    assert (code, out, err) == (0, "All checks passed!\n", "Fixed 1 finding (0 remaining).\n")
    assert (workdir / "rules.v4").is_symlink()
    assert real.read_text() == TYPO.replace("ACCESPT", "ACCEPT")


def test_fix_cannot_write(workdir, capsys, monkeypatch):
    path = workdir / "rules.v4"
    path.write_text(TYPO)

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    code, out, err = run(capsys, "check", "--fix", "rules.v4")
    assert code == 2
    assert out == ""
    assert err == "fwlint: error: rules.v4: cannot write: Permission denied\n"
    assert path.read_text() == TYPO
    assert sorted(p.name for p in workdir.iterdir()) == ["rules.v4"]


# --- --family -----------------------------------------------------------------------------------

DUAL = src(
    "*filter",
    "-4 -A INPUT -s 192.0.2.1 -j ACCESPT",
    "-6 -A INPUT -s 2001:db8::1 -j drop",
    "COMMIT",
)


@pytest.mark.parametrize("options, lines", [
    ([], [2, 3]),
    (["--family", "4"], [2]),
    (["--family", "6"], [3]),
])
def test_family(workdir, capsys, options, lines):
    (workdir / "both.rules").write_text(DUAL)
    code, out, _ = run(capsys, "check", "--output-format", "json", *options, "both.rules")
    assert code == 1
    assert [(d["code"], d["location"]["row"]) for d in json.loads(out)] == [("FW101", n) for n in lines]


# --- internal errors ----------------------------------------------------------------------------

def test_internal_error(workdir, capsys, monkeypatch):
    import fwlint.commands

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(fwlint.commands, "check", boom)
    (workdir / "rules.v4").write_text(CLEAN)
    code, out, err = run(capsys, "check", "rules.v4")
    assert code == 2
    assert out == ""
    assert err == ("fwlint: internal error: RuntimeError: boom "
                   "(please report this with the input that caused it)\n")


# --- as a real process --------------------------------------------------------------------------

def _console_script() -> Path:
    bindir = Path(sys.executable).parent
    for name in ("fwlint", "fwlint.exe"):
        if (bindir / name).is_file():
            return bindir / name
    pytest.fail(f"no fwlint console script next to {sys.executable}: is fwlint installed here?")


def _run_process(argv, cwd, stdin_text=None):
    return subprocess.run(argv, cwd=cwd, input=stdin_text, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("how", ["module", "script"])
def test_subprocess_check(tmp_path, how):
    (tmp_path / "rules.v4").write_text(TYPO)
    prog = [sys.executable, "-m", "fwlint.cli"] if how == "module" else [str(_console_script())]
    proc = _run_process([*prog, "check", "rules.v4"], tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == f"{TYPO_LINE}\nFound 1 finding (1 error).\n[*] 1 fixable with --fix.\n"
    assert proc.stderr == ""

    proc = _run_process([*prog, "-"], tmp_path, stdin_text=CLEAN)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "All checks passed!\n", "")


@pytest.mark.parametrize("how", ["module", "script"])
def test_subprocess_errors(tmp_path, how):
    prog = [sys.executable, "-m", "fwlint.cli"] if how == "module" else [str(_console_script())]
    proc = _run_process([*prog, "check", "missing.v4"], tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "fwlint: error: missing.v4: no such file or directory\n"

    proc = _run_process([*prog, "rule", "FW999"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "fwlint: error: no rule 'FW999' (see `fwlint rules`)\n"



def test_translation_rules_run_only_when_selected(workdir, capsys):
    # CHECKSUM is valid iptables that nft cannot express: no fault of the ruleset, so
    # `fwlint check` says nothing unless FW6 is asked for (`fwlint translate` reports it).
    (workdir / "rules.v4").write_text(src(
        "*mangle", ":POSTROUTING ACCEPT [0:0]",
        "-A POSTROUTING -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill", "COMMIT"))
    assert run(capsys, "check", "rules.v4") == (0, "All checks passed!\n", "")
    code, out, err = run(capsys, "check", "--select", "FW6", "rules.v4")
    assert code == 1
    assert codes_in(out) == ["FW601"]



def test_readme_suppression_example_suppresses_real_findings(workdir, capsys):
    # The README's example must stay true: clean with its comments, five findings without.
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("## Suppressions", 1)[1].split("```\n", 2)[1]
    (workdir / "rules.v4").write_text(block)
    assert run(capsys, "check", "--isolated", "rules.v4") == (0, "All checks passed!\n", "")
    plain = "".join(line.split(" -m comment")[0] + (" -j ACCEPT\n" if " -m comment" in line else "")
                    if not line.startswith("#") else ""
                    for line in block.splitlines(keepends=True))
    (workdir / "rules.v4").write_text(plain)
    code, out, _ = run(capsys, "check", "--isolated", "rules.v4")
    assert codes_in(out) == ["FW403", "FW204", "FW402", "FW402", "FW402"]


def test_readme_analysis_example_is_what_fwlint_prints(workdir, capsys):
    # The README's "Shadowed and redundant rules" example, file and output, exactly as printed.
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("## Shadowed and redundant rules", 1)[1].split("```\n", 2)[1]
    assert block.startswith("$ cat rules.v4\n")
    text, printed = block[len("$ cat rules.v4\n"):].split("$ fwlint check rules.v4\n")
    assert text.startswith("*filter\n") and text.endswith("COMMIT\n")
    (workdir / "rules.v4").write_text(text)
    assert run(capsys, "check", "--isolated", "rules.v4") == (1, printed, "")
