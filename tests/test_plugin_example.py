"""plugins/fwlint-plugin-example installed as a user would: into a fresh venv, beside fwlint
built from this checkout, and found through the `fwlint` entry-point group."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "plugins" / "fwlint-plugin-example"

# EX101 on line 3 (no comment); line 4 is limited by the plugin's geoip extension; line 5 has
# a comment.
RULESET = (
    "*filter\n"
    ":INPUT DROP [0:0]\n"
    "-A INPUT -p tcp -m tcp --dport 8443 -j ACCEPT\n"
    "-A INPUT -p tcp -m geoip --src-cc NL,BE -m tcp --dport 993 -j ACCEPT\n"
    "-A INPUT -p tcp -m tcp --dport 443 -m comment --comment \"the public web site\" -j ACCEPT\n"
    "COMMIT\n"
)
EX101_LINE = ("rules.v4:3:24: EX101 [warning] tcp port 8443 is open to every source and the rule "
              "does not say why: add -m comment --comment \"<who needs it and why>\"")


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "FWLINT_DISABLE_PLUGIN_AUTOLOAD", "NO_COLOR", "VIRTUAL_ENV")}
    env.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One venv for the module: fwlint from the checkout, the example plugin, pytest."""
    where = tmp_path_factory.mktemp("plugin-example") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, env=_environment())
    installed = subprocess.run(
        [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         str(ROOT), f"{PLUGIN}[test]"],
        capture_output=True, text=True, env=_environment())
    assert installed.returncode == 0, f"pip install failed:\n{installed.stdout}\n{installed.stderr}"
    return where


def fwlint(venv: Path, *args: str, cwd: Path | None = None,
           **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "fwlint"), *args], capture_output=True, text=True,
                          cwd=cwd, env=_environment(**env), timeout=120)


@pytest.fixture
def ruleset_dir(tmp_path: Path) -> Path:
    (tmp_path / "rules.v4").write_text(RULESET)
    return tmp_path


@pytest.fixture
def broken_plugin(tmp_path: Path) -> Path:
    """A directory holding an installed distribution (its dist-info, as pip writes it) whose
    `fwlint` entry point names a module that raises when imported; put it on PYTHONPATH."""
    site = tmp_path / "broken-site"
    info = site / "fwlint_broken_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fwlint-broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[fwlint]\nbroken = fwlint_broken_plugin\n")
    (site / "fwlint_broken_plugin.py").write_text(
        'raise RuntimeError("this plugin is broken on purpose")\n')
    return site


BROKEN_WARNING = ("fwlint: warning: plugin 'broken' (fwlint_broken_plugin) failed to load and is "
                  "skipped: RuntimeError: this plugin is broken on purpose")


def test_rules_lists_the_plugin_rule(venv: Path) -> None:
    listed = fwlint(venv, "rules")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    lines = listed.stdout.splitlines()
    [ex101] = [line for line in lines if line.startswith("EX101 ")]
    assert ex101.split() == ["EX101", "undocumented-open-port", "warning", "fix:-", "Finds", "an",
                             "ACCEPT", "in", "the", "filter", "table's", "INPUT", "or", "FORWARD",
                             "chain", "(or", "a", "user", "chain", "they", "jump", "to)", "that",
                             "opens", "a", "destination", "port", "to", "every", "source", "address",
                             "and", "has", "no", "`-m", "comment", "--comment`", "saying", "why."]
    assert any(line.startswith("FW101 ") for line in lines)

    as_json = json.loads(fwlint(venv, "rules", "--output-format", "json").stdout)
    [entry] = [r for r in as_json if r["code"] == "EX101"]
    assert (entry["name"], entry["severity"], entry["fixable"], entry["plugin"]) == \
        ("undocumented-open-port", "warning", None, "fwlint_plugin_example")

    shown = fwlint(venv, "rule", "EX101")
    assert shown.returncode == 0
    assert shown.stdout.startswith("# EX101 undocumented-open-port\n\nSeverity: warning. Fix: none.\n")
    assert "## In nftables" in shown.stdout


def test_check_reports_the_plugin_finding(venv: Path, ruleset_dir: Path) -> None:
    checked = fwlint(venv, "check", "rules.v4", cwd=ruleset_dir)
    assert checked.returncode == 1, checked.stderr
    assert checked.stderr == ""
    assert EX101_LINE in checked.stdout.splitlines()  # beside whatever the built-in rules say

    selected = fwlint(venv, "check", "--select", "EX101", "rules.v4", cwd=ruleset_dir)
    assert selected.returncode == 1
    assert [line for line in selected.stdout.splitlines() if line.startswith("rules.v4:")] == [EX101_LINE]

    selected = fwlint(venv, "check", "--select", "EX", "--output-format", "json", "rules.v4",
                      cwd=ruleset_dir)
    assert selected.returncode == 1
    assert [(d["code"], d["name"], d["location"], d["end_location"])
            for d in json.loads(selected.stdout)] == \
        [("EX101", "undocumented-open-port", {"row": 3, "column": 24}, {"row": 3, "column": 36})]


def test_a_plugin_that_raises_on_import_is_reported_and_skipped(
        venv: Path, ruleset_dir: Path, broken_plugin: Path) -> None:
    listed = fwlint(venv, "rules", PYTHONPATH=str(broken_plugin))
    assert listed.returncode == 0
    assert listed.stderr.splitlines() == [BROKEN_WARNING]
    codes = [line.split()[0] for line in listed.stdout.splitlines()]
    assert "EX101" in codes and "FW101" in codes

    checked = fwlint(venv, "check", "--select", "EX101", "rules.v4", cwd=ruleset_dir,
                     PYTHONPATH=str(broken_plugin))
    assert checked.returncode == 1
    assert checked.stderr.splitlines() == [BROKEN_WARNING]
    assert [line for line in checked.stdout.splitlines() if line.startswith("rules.v4:")] == [EX101_LINE]


@pytest.mark.parametrize("how", ["--no-plugins first", "--no-plugins after the command",
                                 "FWLINT_DISABLE_PLUGIN_AUTOLOAD=1"])
def test_autoloading_can_be_turned_off(venv: Path, ruleset_dir: Path, broken_plugin: Path,
                                       how: str) -> None:
    env = {"PYTHONPATH": str(broken_plugin)}
    if how == "FWLINT_DISABLE_PLUGIN_AUTOLOAD=1":
        env["FWLINT_DISABLE_PLUGIN_AUTOLOAD"] = "1"

    def command(*args: str) -> list[str]:
        if how == "--no-plugins first":
            return ["--no-plugins", *args]
        if how == "--no-plugins after the command":
            return [args[0], "--no-plugins", *args[1:]]
        return list(args)

    listed = fwlint(venv, *command("rules"), **env)
    assert listed.returncode == 0
    assert listed.stderr == ""  # the broken plugin is not even imported
    codes = [line.split()[0] for line in listed.stdout.splitlines()]
    assert "EX101" not in codes and "FW101" in codes

    checked = fwlint(venv, *command("check", "--select", "EX", "rules.v4"), cwd=ruleset_dir, **env)
    assert checked.returncode == 2
    assert checked.stderr == "fwlint: error: unknown rule code or prefix: EX (see `fwlint rules`)\n"

    checked = fwlint(venv, *command("check", "rules.v4"), cwd=ruleset_dir, **env)
    assert "EX101" not in checked.stdout


def test_the_plugin_own_tests_pass(venv: Path) -> None:
    ran = subprocess.run([str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"], cwd=PLUGIN,
                         capture_output=True, text=True, env=_environment(), timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.splitlines()[-1].startswith("20 passed"), ran.stdout
