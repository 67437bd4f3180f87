"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit.

pre-commit installs a hook repository from a git commit: `pre-commit try-repo PATH` uses the
repository's HEAD plus a shadow commit of its staged and modified tracked files, but never its
untracked files.  So that the hooks are tested with exactly the working tree (new modules not
yet committed included), in a fresh CI clone as in a working copy, the tests commit a copy of
the working tree in a throwaway repository and point pre-commit at that.  pre-commit then
builds its own virtualenv and pip-installs fwlint into it, as it does for a user.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"

CLEAN = (
    "*filter\n"
    ":INPUT DROP [0:0]\n"
    ":FORWARD DROP [0:0]\n"
    ":OUTPUT ACCEPT [0:0]\n"
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "-A INPUT -i lo -j ACCEPT\n"
    "-A INPUT -p tcp -m tcp --dport 22 -m comment --comment \"ssh for the ops team\" -j ACCEPT\n"
    "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT\n"
    "COMMIT\n"
)
FLAWED = CLEAN.replace("--icmp-type 8 -j ACCEPT", "--icmp-type 8 -j ACCESPT")
CLEAN_SCRIPT = (
    "#!/bin/sh\n"
    "IPT=/sbin/iptables\n"
    "$IPT -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "$IPT -A INPUT -i lo -j ACCEPT\n"
    "$IPT -A INPUT -p tcp --dport 22 -m comment --comment \"ssh for the ops team\" -j ACCEPT\n"
    "$IPT -A INPUT -p icmp --icmp-type 8 -j ACCEPT\n"
    "$IPT -P INPUT DROP\n"
)
FLAWED_SCRIPT = CLEAN_SCRIPT.replace("--icmp-type 8 -j ACCEPT", "--icmp-type 8 -j ACCESPT")
FINDINGS = {"rules.v4:8:43: FW101", "firewall.sh:6:40: FW101"}
FINDING_MESSAGE = "unknown target -j ACCESPT: did you mean ACCEPT?"

# Top-level entries of the checkout that are not part of its source.
_NOT_SOURCE_AT_TOP = {".git", ".venv", "venv", "build", "dist", ".pytest_cache", ".ruff_cache",
                      ".mypy_cache", ".hypothesis"}


def _not_source(directory: str, names: list[str]) -> set[str]:
    """For shutil.copytree: what .gitignore leaves out of a commit of the checkout."""
    skipped = {n for n in names if n == "__pycache__" or n.endswith((".egg-info", ".pyc"))}
    where = Path(directory).resolve()
    if where == ROOT:
        skipped |= _NOT_SOURCE_AT_TOP & set(names)
    elif where == ROOT / "bench":
        skipped |= {n for n in names if n.endswith(".rules")}
    return skipped


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(PRE_COMMIT_COLOR="never", **extra)
    return env


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", "-c", "user.name=fwlint tests", "-c", "user.email=tests@example.org",
                           "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                          cwd=cwd, capture_output=True, text=True, env=_environment())
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The checkout's working tree committed in a throwaway repository: (path, commit)."""
    repo = tmp_path_factory.mktemp("hook-repo") / "fwlint"
    shutil.copytree(ROOT, repo, ignore=_not_source, symlinks=True)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "the working tree of the checkout under test", cwd=repo)
    return repo, git("rev-parse", "HEAD", cwd=repo)


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A user's repository holding a staged rules.v4 and firewall.sh, each with an unknown
    target, and a document the hooks leave alone."""
    repo = tmp_path / "firewall-config"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    (repo / "rules.v4").write_text(FLAWED)
    (repo / "firewall.sh").write_text(FLAWED_SCRIPT)
    (repo / "iptables.md").write_text("# Notes on our iptables\n\n-A INPUT -j ACCESPT is not a rule here\n")
    git("add", "rules.v4", "firewall.sh", "iptables.md", cwd=repo)
    return repo


def findings_of(hook_output: str) -> set[str]:
    """The `path:line:col: CODE` of each FW101 line of a hook's output (the message checked too)."""
    out = set()
    for line in hook_output.splitlines():
        if " FW101 " in line:
            assert FINDING_MESSAGE in line, line
            out.add(line.split(" [", 1)[0])
    return out


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True,
                          text=True, env=_environment(PRE_COMMIT_HOME=str(home)), timeout=900)


def status_lines(output: str) -> dict[str, str]:
    """{hook name: Passed/Failed/...} from pre-commit's `name......Status` lines."""
    return {m[1]: m[2] for m in re.finditer(r"^(\S.*?)\.{3,}(Passed|Failed|Skipped)$", output, re.M)}


def test_try_repo_fails_on_a_flawed_ruleset_fixes_it_and_then_passes(
        hook_repo: tuple[Path, str], user_repo: Path, tmp_path: Path) -> None:
    repo, _ = hook_repo
    files = ("--files", "rules.v4", "firewall.sh")
    first = pre_commit("try-repo", str(repo), *files, cwd=user_repo, home=tmp_path / "pre-commit-home")
    out = first.stdout + first.stderr
    assert first.returncode == 1, out
    assert status_lines(first.stdout) == {"fwlint": "Failed", "fwlint (apply safe fixes)": "Failed"}, out
    # fwlint reports the findings and exits 1; fwlint-fix then repairs the files.
    hook_fwlint = first.stdout.split("- hook id: fwlint\n", 1)[1].split("- hook id: fwlint-fix\n")[0]
    assert hook_fwlint.startswith("- exit code: 1\n"), out
    assert findings_of(hook_fwlint) == FINDINGS, out
    hook_fix = first.stdout.split("- hook id: fwlint-fix\n", 1)[1]
    assert hook_fix.startswith("- files were modified by this hook\n"), out
    assert (user_repo / "rules.v4").read_text() == CLEAN
    assert (user_repo / "firewall.sh").read_text() == CLEAN_SCRIPT

    git("add", "rules.v4", "firewall.sh", cwd=user_repo)
    second = pre_commit("try-repo", str(repo), *files, cwd=user_repo, home=tmp_path / "pre-commit-home")
    assert second.returncode == 0, second.stdout + second.stderr
    assert status_lines(second.stdout) == {"fwlint": "Passed", "fwlint (apply safe fixes)": "Passed"}


def readme_snippet() -> str:
    """The .pre-commit-config.yaml the README tells users to write."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```yaml\n(.*?)^```$", section, re.M | re.S)
    assert len(blocks) == 1, "the README's pre-commit section should hold one yaml block"
    return blocks[0]


def test_the_readme_snippet_works_in_a_fresh_repository(
        hook_repo: tuple[Path, str], user_repo: Path, tmp_path: Path) -> None:
    repo, rev = hook_repo
    snippet = readme_snippet()
    # The user fills in the two placeholders, and changes nothing else.
    assert snippet.count("<URL of fwlint's git repository>") == 1 and snippet.count("<tag or commit>") == 1
    config = snippet.replace("<URL of fwlint's git repository>", str(repo)).replace("<tag or commit>", rev)
    assert yaml.safe_load(config) == {"repos": [{"repo": str(repo), "rev": rev, "hooks": [{"id": "fwlint"}]}]}
    (user_repo / ".pre-commit-config.yaml").write_text(config)
    git("add", ".pre-commit-config.yaml", cwd=user_repo)
    home = tmp_path / "pre-commit-home"  # one hook environment, built once, for both runs

    # --all-files: pre-commit itself picks rules.v4 and firewall.sh, and not iptables.md.
    flawed = pre_commit("run", "--all-files", cwd=user_repo, home=home)
    assert flawed.returncode == 1, flawed.stdout + flawed.stderr
    assert status_lines(flawed.stdout) == {"fwlint": "Failed"}
    assert findings_of(flawed.stdout) == FINDINGS, flawed.stdout

    (user_repo / "rules.v4").write_text(CLEAN)
    (user_repo / "firewall.sh").write_text(CLEAN_SCRIPT)
    git("add", "rules.v4", "firewall.sh", cwd=user_repo)
    clean = pre_commit("run", "--all-files", cwd=user_repo, home=home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert status_lines(clean.stdout) == {"fwlint": "Passed"}


def hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))}


def test_the_hooks_run_check_and_check_fix_on_the_same_files() -> None:
    found = hooks()
    assert set(found) == {"fwlint", "fwlint-fix"}
    assert found["fwlint"]["entry"] == "fwlint check"
    assert found["fwlint-fix"]["entry"] == "fwlint check --fix"
    for key in ("files", "exclude", "types", "language", "require_serial"):
        assert found["fwlint"][key] == found["fwlint-fix"][key], key
    # One fwlint process sees every file, so that checks across files (rules.v4 with its
    # rules.v6) do not depend on how pre-commit would split the files among processes.
    assert found["fwlint"]["require_serial"] is True


TAKEN = [
    "rules.v4", "etc/iptables/rules.v6", "hosts/web1.v4", "hosts/web1.v6", "etc/ufw/user6.rules",
    "etc/ufw/before.rules", "etc/sysconfig/iptables", "etc/sysconfig/ip6tables", "iptables.save",
    "ip6tables-save.txt.v6", "firewall.sh", "scripts/firewall-home.sh", "rc.firewall",
    "etc/rc.d/rc.firewall", "iptables.sh",
]
LEFT_OUT = [
    "README.md", "docs/iptables.md", "tools/iptables_helper.py", "firewall.py", "myfirewall.sh",
    "firewall.conf", "etc/sysconfig/iptables-config", "etc/sysconfig/ip6tables-config",
    "etc/udev/rules.d/70-persistent-net.rules", "etc/audit/rules.d/audit.rules", "rules.v4.bak",
    "rules.v4.orig", "notes.txt", "templates/iptables.j2", "rules.v5",
]


@pytest.mark.parametrize("path", TAKEN + LEFT_OUT)
def test_which_files_the_hooks_take(path: str) -> None:
    # pre-commit matches `files` and `exclude` with re.search on the path from the repository root.
    hook = hooks()["fwlint"]
    taken = bool(re.search(hook["files"], path)) and not re.search(hook["exclude"], path)
    assert taken == (path in TAKEN)
