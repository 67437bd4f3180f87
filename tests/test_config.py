"""Configuration files: discovery, every key, the command line over the file, and errors."""

from __future__ import annotations

import io
import json
import sys

import pytest

from fwlint.ast import Ruleset
from fwlint.check import check_paths
from fwlint.lint import Rule, Severity
from fwlint.lint.config import (DEFAULT_SETTINGS, ConfigError, Configuration, Settings, find_config,
                                read_config)
from fwlint.lint.engine import Catalogue, catalogue
from tests._cli import run, write

# FW101 (error) on line 3, FW204 (warning) on line 5.
RULES = ("*filter\n"
         ":INPUT DROP [0:0]\n"
         "-A INPUT -s 192.0.2.1 -j ACCESPT\n"
         "-A INPUT -s 192.0.2.2 -j DROP\n"
         "-A INPUT -s 192.0.2.2 -j DROP\n"
         "COMMIT\n")
BOTH = ["rules.v4:3 FW101 error", "rules.v4:5 FW204 warning"]


def found(capsys, *argv: str, code: int | None = None) -> list[str]:
    """`file:line CODE severity` for each finding of `fwlint check --output-format json ARGV`."""
    status, out, err = run(capsys, "check", "--output-format", "json", *argv)
    assert err == ""
    if code is not None:
        assert status == code
    return [f"{d['filename']}:{d['location']['row']} {d['code']} {d['severity']}" for d in json.loads(out)]


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("rules.v4", RULES)
    return tmp_path


# --- the keys -----------------------------------------------------------------------------------

@pytest.mark.parametrize("config, expected", [
    ('select = ["FW101"]', ["rules.v4:3 FW101 error"]),
    ('select = ["FW1", "duplicate-rule"]', BOTH),
    ('select = ["FW101"]\nextend-select = ["FW204"]', BOTH),
    ('select = ["FW101", "FW204"]\nignore = ["FW1"]', ["rules.v4:5 FW204 warning"]),
    ('select = ["ALL"]\nignore = ["FW2", "FW3", "FW4", "FW9"]', ["rules.v4:3 FW101 error"]),
])
def test_rule_selection(capsys, config, expected):
    write("fwlint.toml", config + "\n")
    assert found(capsys, "rules.v4") == expected


def test_pyproject_tool_fwlint(capsys):
    write("pyproject.toml", '[project]\nname = "x"\n\n[tool.fwlint]\nselect = ["FW204"]\n')
    assert found(capsys, "rules.v4") == ["rules.v4:5 FW204 warning"]


def test_per_file_ignores(capsys):
    write("fwlint.toml", 'select = ["FW101", "FW204"]\n'
                         '[per-file-ignores]\n'
                         '"legacy-*.v4" = ["FW204"]\n'
                         '"hosts/web/*.v4" = ["FW1"]\n')
    for name in ("legacy-a.v4", "hosts/web/a.v4", "hosts/db/a.v4"):
        write(name, RULES)
    assert found(capsys, ".") == [  # in the order directory search finds the files
        "./legacy-a.v4:3 FW101 error",
        "./rules.v4:3 FW101 error", "./rules.v4:5 FW204 warning",
        "./hosts/db/a.v4:3 FW101 error", "./hosts/db/a.v4:5 FW204 warning",
        "./hosts/web/a.v4:5 FW204 warning"]


def test_per_file_ignores_relative_to_the_configuration(capsys, workdir, monkeypatch):
    # The pattern is relative to the directory of the configuration, wherever fwlint runs from.
    write("project/fwlint.toml", 'select = ["FW101", "FW204"]\n[per-file-ignores]\n"etc/*" = ["FW101"]\n')
    write("project/etc/rules.v4", RULES)
    monkeypatch.chdir(workdir / "project" / "etc")
    assert found(capsys, "rules.v4") == ["rules.v4:5 FW204 warning"]


def test_severity_overrides(capsys):
    write("fwlint.toml", 'select = ["FW101", "FW204"]\n[severity]\nFW1 = "warning"\nFW2 = "info"\n'
                         'FW204 = "error"\n')
    # The longest prefix wins: FW204 is an error, not info.
    assert found(capsys, "rules.v4", code=1) == ["rules.v4:3 FW101 warning", "rules.v4:5 FW204 error"]
    write("fwlint.toml", 'select = ["FW204"]\nseverity = { duplicate-rule = "info", FW204 = "info" }\n')
    assert found(capsys, "rules.v4", code=0) == ["rules.v4:5 FW204 info"]


@pytest.mark.parametrize("fail_on, cli, expected", [
    ("error", [], 0),
    ("warning", [], 1),
    ("info", [], 1),
    ("error", ["--fail-level", "warning"], 1),
    ("info", ["--fail-level", "error"], 0),
])
def test_fail_on(capsys, fail_on, cli, expected):
    write("fwlint.toml", f'select = ["FW204"]\nfail-on = "{fail_on}"\n')
    code, out, _ = run(capsys, "check", *cli, "rules.v4")
    assert code == expected
    assert out.startswith("rules.v4:5:1: FW204 [warning]")


def test_fail_on_is_per_file(capsys):
    write("strict/fwlint.toml", 'select = ["FW204"]\nfail-on = "warning"\n')
    write("lax/fwlint.toml", 'select = ["FW204"]\nfail-on = "error"\n')
    write("strict/rules.v4", RULES.replace("-j DROP\n-A INPUT -s 192.0.2.2 -j DROP", "-j DROP"))
    write("lax/rules.v4", RULES)
    assert run(capsys, "check", "strict", "lax")[0] == 0  # a warning, in the lax directory only
    write("strict/rules.v4", RULES)
    assert run(capsys, "check", "strict", "lax")[0] == 1


class ManagementPorts(Rule):
    """## What it does
    Reports the management ports the settings hold (a test rule).
    """

    code = "FW998"
    name = "test-management-ports"
    severity = Severity.WARNING

    def check_ruleset(self, ruleset: Ruleset, ctx):
        yield self.diagnostic(ruleset.tables[0].span, f"ports {list(ctx.settings.management_ports)}")


def test_management_ports_reach_the_rules(workdir):
    cat = Catalogue([ManagementPorts])
    write("a/fwlint.toml", "management-ports = [2222, 22]\n")
    write("a/rules.v4", RULES)
    write("b/rules.v4", RULES)
    result = check_paths(["a/rules.v4", "b/rules.v4"], Configuration(catalogue=cat))
    assert [(d.span.file, d.message) for d in result.diagnostics] == [
        ("a/rules.v4", "ports [2222, 22]"), ("b/rules.v4", "ports [22]")]


def test_management_ports_change_ssh_lockout(capsys):
    assert catalogue().get("FW404") is not None
    write("rules.v4", "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n")
    write("fwlint.toml", 'select = ["FW404"]\n')
    assert found(capsys, "rules.v4") == []
    write("fwlint.toml", 'select = ["FW404"]\nmanagement-ports = [2222]\n')
    assert found(capsys, "rules.v4") == ["rules.v4:2 FW404 warning"]


def test_include_extends_directory_search(capsys):
    write("etc/host.fw", RULES)
    write("etc/rules.v4", RULES)
    write("etc/notes.txt", "not a ruleset\n")
    assert found(capsys, "--select", "FW204", "etc") == ["etc/rules.v4:5 FW204 warning"]
    write("fwlint.toml", 'include = ["*.fw"]\n')
    assert found(capsys, "--select", "FW204", "etc") == ["etc/host.fw:5 FW204 warning",
                                                         "etc/rules.v4:5 FW204 warning"]


def test_include_of_a_nested_configuration_applies_below_it(capsys):
    write("etc/a/host.fw", RULES)
    write("etc/b/host.fw", RULES)
    write("etc/b/fwlint.toml", 'include = ["*.fw"]\n')
    assert found(capsys, "--select", "FW204", "etc") == ["etc/b/host.fw:5 FW204 warning"]


# --- discovery ----------------------------------------------------------------------------------

def test_the_nearest_configuration_wins_whole(capsys):
    write("fwlint.toml", 'select = ["FW101", "FW204"]\nignore = ["FW101"]\n')
    write("sub/fwlint.toml", 'select = ["FW101"]\n')
    write("sub/deeper/rules.v4", RULES)
    write("other/rules.v4", RULES)
    # sub/deeper/ takes sub/fwlint.toml alone: the parent's ignore does not carry over.
    assert found(capsys, "sub", "other") == ["sub/deeper/rules.v4:3 FW101 error",
                                             "other/rules.v4:5 FW204 warning"]


@pytest.mark.parametrize("present, winner", [
    ((".fwlint.toml", "fwlint.toml", "pyproject.toml"), ".fwlint.toml"),
    (("fwlint.toml", "pyproject.toml"), "fwlint.toml"),
    (("pyproject.toml",), "pyproject.toml"),
])
def test_preference_within_one_directory(capsys, workdir, present, winner):
    selects = {".fwlint.toml": "FW101", "fwlint.toml": "FW204", "pyproject.toml": "FW203"}
    for name in present:
        body = f'select = ["{selects[name]}"]\n'
        write(name, "[tool.fwlint]\n" + body if name == "pyproject.toml" else body)
    assert find_config(workdir) == workdir / winner
    assert Configuration().settings_for("rules.v4").select == (selects[winner],)


def test_pyproject_without_the_table_is_passed_over(capsys, workdir):
    write("fwlint.toml", 'select = ["FW204"]\n')
    write("proj/pyproject.toml", '[project]\nname = "fwlint-rules"\n[tool.other]\nx = 1\n')
    write("proj/rules.v4", RULES)
    assert find_config(workdir / "proj") == workdir / "fwlint.toml"
    assert found(capsys, "proj/rules.v4") == ["proj/rules.v4:5 FW204 warning"]


def test_the_search_goes_past_a_git_directory(capsys, workdir):
    # As ruff's: a repository inside a directory with a configuration still gets it.
    write("fwlint.toml", 'select = ["FW204"]\n')
    (workdir / "repo" / ".git").mkdir(parents=True)
    write("repo/rules.v4", RULES)
    assert found(capsys, "repo/rules.v4") == ["repo/rules.v4:5 FW204 warning"]


def test_no_configuration_anywhere(workdir):
    assert find_config(workdir) is None
    assert Configuration().settings_for("rules.v4") is DEFAULT_SETTINGS
    assert read_config(write("pyproject.toml", "[project]\nname = 'x'\n")) is None
    assert find_config(workdir) is None


def test_stdin_uses_the_current_directory_and_the_stdin_filename(capsys, monkeypatch):
    write("fwlint.toml", 'select = ["FW101", "FW204"]\n[per-file-ignores]\n"legacy.v4" = ["FW101"]\n')
    monkeypatch.setattr(sys, "stdin", io.StringIO(RULES))
    assert found(capsys, "-") == ["-:3 FW101 error", "-:5 FW204 warning"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(RULES))
    assert found(capsys, "--stdin-filename", "legacy.v4", "-") == ["legacy.v4:5 FW204 warning"]


# --- the command line over the file -------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    ([], ["rules.v4:3 FW101 error"]),
    (["--select", "FW204"], ["rules.v4:5 FW204 warning"]),
    (["--extend-select", "FW204"], BOTH),
    (["--ignore", "FW101"], []),
    (["--select", "FW1,FW204", "--ignore", "FW101"], ["rules.v4:5 FW204 warning"]),
    (["--isolated", "--select", "FW101,FW204"], BOTH),
])
def test_command_line_overrides(capsys, args, expected):
    write("fwlint.toml", 'select = ["FW101"]\n[severity]\nFW204 = "warning"\n')
    assert found(capsys, *args, "rules.v4") == expected


def test_select_on_the_command_line_drops_the_files_ignore(capsys):
    write("fwlint.toml", 'select = ["FW101", "FW204"]\nignore = ["FW204"]\n')
    assert found(capsys, "rules.v4") == ["rules.v4:3 FW101 error"]
    assert found(capsys, "--select", "FW204", "rules.v4") == ["rules.v4:5 FW204 warning"]


def test_isolated_ignores_every_file(capsys):
    write("fwlint.toml", 'select = ["FW204"]\n[severity]\nFW204 = "info"\n')
    assert found(capsys, "rules.v4") == ["rules.v4:5 FW204 info"]
    assert found(capsys, "--isolated", "--select", "FW204", "rules.v4") == ["rules.v4:5 FW204 warning"]
    write("fwlint.toml", "this is not toml\n")
    assert found(capsys, "--isolated", "--select", "FW204", "rules.v4") == ["rules.v4:5 FW204 warning"]


def test_explicit_config(capsys):
    write("fwlint.toml", 'select = ["FW101"]\n')
    write("sub/fwlint.toml", 'select = ["FW101"]\n')
    write("sub/rules.v4", RULES)
    write("ci/strict.toml", 'select = ["FW204"]\nseverity = { FW204 = "error" }\n')
    assert found(capsys, "--config", "ci/strict.toml", "rules.v4", "sub") == [
        "rules.v4:5 FW204 error", "sub/rules.v4:5 FW204 error"]
    write("ci/pyproject.toml", '[tool.fwlint]\nselect = ["FW101"]\n')
    assert found(capsys, "--config", "ci/pyproject.toml", "rules.v4") == ["rules.v4:3 FW101 error"]


def test_settings_object():
    settings = Settings(severity=(("FW2", Severity.INFO), ("FW204", Severity.ERROR),
                                  ("all", Severity.WARNING)))
    assert settings.severity_for("FW204") == Severity.ERROR
    assert settings.severity_for("FW203") == Severity.INFO
    assert settings.severity_for("FW101") == Severity.WARNING
    assert DEFAULT_SETTINGS.management_ports == (22,)
    assert DEFAULT_SETTINGS.severity_for("FW101") is None


# --- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, text, message", [
    ("fwlint.toml", 'selct = ["FW1"]\n',
     "fwlint.toml: unknown key 'selct' (did you mean 'select'?)"),
    ("fwlint.toml", 'extend_select = ["FW1"]\n',
     "fwlint.toml: unknown key 'extend_select' (did you mean 'extend-select'?)"),
    ("fwlint.toml", 'colour = true\n',
     "fwlint.toml: unknown key 'colour' (fwlint knows: select, extend-select, ignore, per-file-ignores, "
     "severity, fail-on, management-ports, include)"),
    ("pyproject.toml", '[tool.fwlint]\nignroe = ["FW1"]\n',
     "pyproject.toml: unknown key 'tool.fwlint.ignroe' (did you mean 'tool.fwlint.ignore'?)"),
    ("pyproject.toml", '[tool]\nfwlint = "strict"\n',
     "pyproject.toml: 'tool.fwlint' must be a table, not a string"),
    ("fwlint.toml", 'select = "FW1"\n',
     "fwlint.toml: 'select' must be a list of rule codes, not a string"),
    ("fwlint.toml", 'ignore = ["FW1", 204]\n',
     "fwlint.toml: 'ignore' must be a list of rule codes, not a list with an integer"),
    ("fwlint.toml", 'select = ["FW1", "FW999"]\n',
     "fwlint.toml: 'select' names an unknown rule code or prefix: FW999 (see `fwlint rules`)"),
    ("pyproject.toml", '[tool.fwlint]\nextend-select = ["XX1"]\n',
     "pyproject.toml: 'tool.fwlint.extend-select' names an unknown rule code or prefix: XX1 "
     "(see `fwlint rules`)"),
    ("fwlint.toml", '[per-file-ignores]\n"*.v6" = ["FW999"]\n',
     "fwlint.toml: 'per-file-ignores.\"*.v6\"' names an unknown rule code or prefix: FW999 "
     "(see `fwlint rules`)"),
    ("fwlint.toml", 'per-file-ignores = ["*.v6"]\n',
     "fwlint.toml: 'per-file-ignores' must be a table of glob = [codes], not a list"),
    ("fwlint.toml", '[severity]\nFW204 = "fatal"\n',
     "fwlint.toml: 'severity.FW204' must be \"error\", \"warning\" or \"info\", not 'fatal'"),
    ("fwlint.toml", '[severity]\nFW999 = "error"\n',
     "fwlint.toml: 'severity.FW999' names an unknown rule code or prefix (see `fwlint rules`)"),
    ("fwlint.toml", 'severity = "error"\n',
     "fwlint.toml: 'severity' must be a table of code = \"error\" | \"warning\" | \"info\", not a string"),
    ("fwlint.toml", 'fail-on = 2\n',
     "fwlint.toml: 'fail-on' must be \"error\", \"warning\" or \"info\", not an integer"),
    ("fwlint.toml", 'fail-on = "warn"\n',
     "fwlint.toml: 'fail-on' must be \"error\", \"warning\" or \"info\", not 'warn'"),
    ("fwlint.toml", 'management-ports = 22\n',
     "fwlint.toml: 'management-ports' must be a list of port numbers, not an integer"),
    ("fwlint.toml", 'management-ports = ["ssh"]\n',
     "fwlint.toml: 'management-ports' must be a list of port numbers, not a list with a string"),
    ("fwlint.toml", 'management-ports = [true]\n',
     "fwlint.toml: 'management-ports' must be a list of port numbers, not a list with a boolean"),
    ("fwlint.toml", 'management-ports = [22, 70000]\n',
     "fwlint.toml: 'management-ports' holds 70000, which is no port (1 to 65535)"),
    ("fwlint.toml", 'include = "*.fw"\n',
     "fwlint.toml: 'include' must be a list of file name patterns, not a string"),
    ("fwlint.toml", 'select = ["FW1"\n',
     "fwlint.toml: not valid TOML: Unclosed array (at end of document)"),
    (".fwlint.toml", 'select = ["FW1"]\nselect = ["FW2"]\n',
     ".fwlint.toml: not valid TOML: Cannot overwrite a value (at line 2, column 17)"),
])
def test_bad_configuration(capsys, name, text, message):
    write(name, text)
    assert run(capsys, "check", "rules.v4") == (2, "", f"fwlint: error: {message}\n")


def test_bad_configuration_found_for_a_later_file(capsys):
    # The error stops the run before any output, whichever file it belongs to.
    write("a/rules.v4", RULES)
    write("b/rules.v4", RULES)
    write("b/fwlint.toml", "selct = []\n")
    assert run(capsys, "check", "a", "b") == (2, "", "fwlint: error: b/fwlint.toml: unknown key 'selct' "
                                                     "(did you mean 'select'?)\n")


def test_bad_configuration_outside_the_current_directory(capsys, workdir, monkeypatch):
    write("cfg/fwlint.toml", "selct = []\n")
    write("cfg/sub/rules.v4", RULES)
    monkeypatch.chdir(workdir / "cfg" / "sub")
    path = workdir / "cfg" / "fwlint.toml"
    assert run(capsys, "check", "rules.v4") == (2, "", f"fwlint: error: {path}: unknown key 'selct' "
                                                       "(did you mean 'select'?)\n")


def test_config_and_isolated_together(capsys):
    write("ci.toml", 'select = ["FW204"]\n')
    assert run(capsys, "check", "--config", "ci.toml", "--isolated", "rules.v4") == (
        2, "", "fwlint: error: --config and --isolated contradict each other: give one of them\n")


def test_missing_explicit_config(capsys):
    assert run(capsys, "check", "--config", "nowhere.toml", "rules.v4") == (
        2, "", "fwlint: error: nowhere.toml: no such configuration file\n")


def test_config_error_type():
    with pytest.raises(ConfigError, match=r"^x.toml: unknown key 'selct'"):
        read_config(write("x.toml", "selct = []\n"))


def test_config_in_a_subprocess(tmp_path):
    import subprocess

    write(tmp_path / "fwlint.toml", "selct = []\n")
    write(tmp_path / "rules.v4", RULES)
    proc = subprocess.run([sys.executable, "-m", "fwlint.cli", "rules.v4"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2, "", "fwlint: error: fwlint.toml: unknown key 'selct' (did you mean 'select'?)\n")
