"""``fwlint apply`` against the kernel, each test in network namespaces of its own.

Each runs ``python -m fwlint apply`` inside the namespace (libnftables works on the namespace of
the process that calls it) and compares ``nft list ruleset`` there before and after.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.kernel.conftest import linked_pair, require_root_and

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"

FOREIGN = """\
table ip foreign {
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr 198.51.100.9 counter packets 0 bytes 0 drop
	}
}
"""

CLEAN_HOST = """\
table ip fwlint {
	comment "managed by fwlint"
	chain filter_input {
		type filter hook input priority filter; policy drop;
		iifname "lo" accept
		ct state established,related accept
		ct state invalid drop
		tcp dport 22 ct state new accept
		icmp type echo-request accept
	}

	chain filter_forward {
		type filter hook forward priority filter; policy drop;
	}

	chain filter_output {
		type filter hook output priority filter; policy accept;
	}
}
"""

OWNED = """\
table inet mine {
	comment "managed by fwlint"
	counter seen {
		packets 3 bytes 180
	}

	set admins {
		type ipv4_addr
		flags interval
		elements = { 192.0.2.0/28, 198.51.100.7 }
	}

	map ports {
		type inet_service : verdict
		elements = { 22 : jump ssh }
	}

	chain ssh {
		ip saddr @admins counter packets 5 bytes 300 accept comment "admins only"
		drop
	}

	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport vmap @ports
	}
}
"""

NEW_MINE = """\
table inet mine {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		tcp dport 22 accept
	}
}
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SSH_CONNECTION"}
    env.update(extra)
    return env


def fwlint(ns, *args: str, input: str | None = None, env: dict[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", ns.name, sys.executable, "-m", "fwlint", *args],
                          input=input, capture_output=True, text=True, env=env or _env(), cwd=ROOT,
                          timeout=timeout)


def findings(stderr: str) -> list[str]:
    """The lines of standard error but the count of findings below error severity (which grows
    with the lint rules)."""
    return [line for line in stderr.splitlines() if not re.match(r"fwlint: \d+ warning or info finding", line)]


def ruleset(ns) -> str:
    return ns.run("nft", "list", "ruleset", check=True).stdout


def load(ns, text: str) -> None:
    ns.run("nft", "-f", "-", input=text, check=True)


@pytest.fixture
def ns(netns):
    require_root_and("nft")
    return netns


def test_apply_beside_a_foreign_table_leaves_it_as_it_was(ns, tmp_path):
    load(ns, FOREIGN)
    backup = tmp_path / "backup.json"
    done = fwlint(ns, "apply", "--backup", str(backup), "corpus/clean-host.v4")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "fwlint: applied corpus/clean-host.v4 in one transaction:\n"
        "  table ip fwlint: created: 3 chains, 5 rules\n"
        "  left as they are: table ip foreign\n"
        f"  what it replaced is saved in {backup} (fwlint apply --restore {backup} puts it back)\n")
    assert ruleset(ns) == FOREIGN + CLEAN_HOST
    # again: fwlint's table is replaced in place, the foreign one still untouched
    again = fwlint(ns, "apply", "--backup", str(backup), "corpus/clean-host.v4")
    assert again.returncode == 0, again.stderr
    assert "  table ip fwlint: replaced: 3 chains, 5 rules now; 3 chains, 5 rules after\n" in again.stdout
    assert ruleset(ns) == FOREIGN + CLEAN_HOST


def test_a_table_of_that_name_that_is_not_fwlints_is_replaced_only_with_force(ns, tmp_path):
    load(ns, "table ip fwlint {\n\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n")
    before = ruleset(ns)
    refused = fwlint(ns, "apply", "--backup", str(tmp_path / "b.json"), "corpus/clean-host.v4")
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-2:] == [
        "corpus/clean-host.v4: table ip fwlint is in the kernel and is not fwlint's (it has no comment "
        "\"managed by fwlint\"): another tool's, iptables-nft's or one loaded by hand; apply would replace it "
        "(--force does)",
        "fwlint: nothing applied"]
    assert ruleset(ns) == before
    assert not (tmp_path / "b.json").exists()
    forced = fwlint(ns, "apply", "--force", "--backup", str(tmp_path / "b.json"), "corpus/clean-host.v4")
    assert forced.returncode == 0, forced.stderr
    assert "fwlint: replacing table ip fwlint, which is not fwlint's (--force)" in forced.stderr
    assert "  table ip fwlint: replaced (was not fwlint's: --force): 1 chain, 0 rules now; 3 chains, 5 rules " \
           "after\n" in forced.stdout
    assert ruleset(ns) == CLEAN_HOST
    back = fwlint(ns, "apply", "--restore", str(tmp_path / "b.json"))
    assert back.returncode == 0, back.stderr
    assert ruleset(ns) == before


MIDDLE_REFUSED = """\
#!/usr/sbin/nft -f
flush ruleset
table inet mine {
	chain output {
		type filter hook output priority filter; policy accept;
		tcp dport 22 accept
		fib saddr . iif oif missing drop
		tcp dport 23 accept
	}
}
"""


@pytest.mark.parametrize("table, stage", [
    # a new table: libnftables' dry run takes it, the kernel refuses it when the transaction commits
    ("other", "the kernel refused the transaction; the ruleset is as it was"),
    # fwlint's table, there already: the kernel refuses it in the dry run
    ("mine", "libnftables' check refused it"),
])
def test_a_rule_the_kernel_refuses_in_the_middle_changes_nothing(ns, tmp_path, table, stage):
    load(ns, FOREIGN + OWNED)
    before = ruleset(ns)
    path = tmp_path / "refused.nft"
    path.write_text(MIDDLE_REFUSED.replace("inet mine", f"inet {table}"))
    done = fwlint(ns, "apply", "--backup", str(tmp_path / "b.json"), str(path))
    assert done.returncode == 1
    assert findings(done.stderr) == [
        f"{path}:2: `flush ruleset` left out: it would delete every table, other tools' too; apply replaces "
        "only the tables this file names",
        f"{path}:7:3: error: the kernel refuses it: Could not process rule: Operation not supported",
        "    \t\tfib saddr . iif oif missing drop",
        "    \t\t^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        f"fwlint: nothing applied ({stage})"]
    assert done.stdout == ""
    assert ruleset(ns) == before


CGROUP = """\
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -p tcp --dport 22 -j ACCEPT
-A OUTPUT -m cgroup --path /fwlint-test/no/such/group -j ACCEPT
-A OUTPUT -p tcp --dport 23 -j ACCEPT
COMMIT
"""


def test_a_refused_translation_points_at_the_iptables_line(ns, tmp_path):
    load(ns, FOREIGN)
    before = ruleset(ns)
    path = tmp_path / "cgroup.v4"
    path.write_text(CGROUP)
    done = fwlint(ns, "apply", "--backup", str(tmp_path / "b.json"), str(path))
    assert done.returncode == 1
    lines = findings(done.stderr)
    assert lines[0].startswith(f"{path}:6:1: error: libnftables refuses it: cgroupv2 path fails: "), lines
    assert lines[1:] == [
        "    -A OUTPUT -m cgroup --path /fwlint-test/no/such/group -j ACCEPT",
        '    translated to: socket cgroupv2 level 4 "fwlint-test/no/such/group" accept',
        "fwlint: nothing applied (libnftables' check refused it)"]
    assert ruleset(ns) == before


def test_dry_run_changes_nothing_and_says_what_would_change(ns):
    load(ns, OWNED + FOREIGN)
    before = ruleset(ns)
    done = fwlint(ns, "apply", "--dry-run", "-", input=NEW_MINE)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "fwlint apply --dry-run: libnftables accepts it (libnftables.so.1 through ctypes); nothing changed. "
        "It would do:\n"
        "  table inet mine: replaced: 2 chains, 3 rules now; 1 chain, 2 rules after\n"
        "  left as they are: table ip foreign\n")
    assert ruleset(ns) == before
    translated = fwlint(ns, "apply", "--dry-run", "corpus/clean-host.v4")
    assert translated.returncode == 0, translated.stderr
    assert translated.stdout.splitlines()[1:] == [
        "  table ip fwlint: created: 3 chains, 5 rules",
        "  table inet mine: left as it is, and still judging packets the new tables see: an earlier fwlint apply "
        "made it (nft delete table inet mine, if it is no longer wanted)",
        "  left as they are: table ip foreign"]
    assert ruleset(ns) == before


def _confirm(ns, tmp_path, answer: bytes | None, *, close: bool = False, send: int | None = None,
             seconds: str = "2") -> tuple[subprocess.Popen, str, str]:
    nft_file = tmp_path / "new.nft"
    nft_file.write_text(NEW_MINE)
    process = subprocess.Popen(
        ["ip", "netns", "exec", ns.name, sys.executable, "-m", "fwlint", "apply", "--confirm", seconds,
         "--backup", str(tmp_path / "b.json"), str(nft_file)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=ROOT)
    _wait_for(lambda: "mine" in ruleset(ns) and "policy drop" in ruleset(ns))
    if answer is not None:
        process.stdin.write(answer)
        process.stdin.flush()
    if close:
        process.stdin.close()
        process.stdin = None
    if send is not None:
        time.sleep(0.3)  # the prompt is up
        process.send_signal(send)
    process.wait(timeout=30)  # the input stays open (communicate would close it: an end of input)
    out, err = process.stdout.read(), process.stderr.read()
    if process.stdin is not None:
        process.stdin.close()
    process.stdout.close()
    process.stderr.close()
    return process, out.decode(), err.decode()


def _wait_for(condition, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("case, answer, close, send, why", [
    ("no answer", None, False, None, "no answer within 2 seconds"),
    ("end of input", None, True, None, "the input ended without an answer"),
    ("another answer", b"no\n", False, None, "the answer was 'no', not yes"),
    ("ctrl-c", None, False, signal.SIGINT, "interrupted (Ctrl-C)"),
    ("hangup", None, False, signal.SIGHUP, "the terminal hung up (a lost session?)"),
    ("terminated", None, False, signal.SIGTERM, "stopped by SIGTERM"),
])
def test_confirm_without_yes_restores_the_previous_ruleset_exactly(ns, tmp_path, case, answer, close, send, why):
    load(ns, OWNED + FOREIGN)
    before = ruleset(ns)
    started = time.monotonic()
    process, out, err = _confirm(ns, tmp_path, answer, close=close, send=send)
    assert process.returncode == 3, err
    assert err.splitlines()[-1] == f"fwlint: {why}: the previous ruleset is restored."
    assert ruleset(ns) == before
    if case == "no answer":
        assert time.monotonic() - started >= 2


def test_confirm_with_yes_keeps_the_new_ruleset(ns, tmp_path):
    load(ns, OWNED + FOREIGN)
    process, out, err = _confirm(ns, tmp_path, b"yes\n")
    assert process.returncode == 0, err
    assert err.splitlines()[-1].endswith("fwlint: kept.")
    assert ruleset(ns) == (
        'table inet mine {\n\tcomment "managed by fwlint"\n\tchain input {\n'
        "\t\ttype filter hook input priority filter; policy drop;\n\t\tct state established,related accept\n"
        "\t\ttcp dport 22 accept\n\t}\n}\n" + FOREIGN)


def test_restore_from_a_backup(ns, tmp_path):
    load(ns, OWNED + FOREIGN)
    before = ruleset(ns)
    backup = tmp_path / "saved" / "backup.json"
    applied = fwlint(ns, "apply", "--backup", str(backup), "-", input=NEW_MINE)
    assert applied.returncode == 0, applied.stderr
    assert ruleset(ns) != before
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    saved = json.loads(backup.read_text())
    assert saved["fwlint-backup"] == 1 and saved["applied"] == ["-"]
    assert saved["tables"] == [{"family": "inet", "name": "mine", "existed": True, "comment": "managed by fwlint",
                                "flags": None}]
    assert saved["ruleset"] == OWNED
    assert [next(iter(item)) for item in saved["nftables"]["nftables"]] == [
        "metainfo", "table", "counter", "set", "map", "chain", "chain", "rule", "rule", "rule"]
    restored = fwlint(ns, "apply", "--restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.splitlines()[1:] == ["  table inet mine: as it was"]
    assert ruleset(ns) == before
    # a table the apply created is deleted by the restore
    second = tmp_path / "second.json"
    created = fwlint(ns, "apply", "--backup", str(second), "corpus/clean-host.v4")
    assert created.returncode == 0, created.stderr
    assert fwlint(ns, "apply", "--restore", str(second)).stdout.splitlines()[1:] == [
        "  table ip fwlint: deleted (it did not exist before)"]
    assert ruleset(ns) == before


def test_restore_falls_back_to_the_json_when_the_text_is_refused(ns, tmp_path):
    load(ns, OWNED)
    before = ruleset(ns)
    backup = tmp_path / "b.json"
    assert fwlint(ns, "apply", "--backup", str(backup), "-", input=NEW_MINE).returncode == 0
    saved = json.loads(backup.read_text())
    saved["ruleset"] = saved["ruleset"].replace("flags interval", "flags nonsense")  # libnftables refuses it
    backup.write_text(json.dumps(saved))
    restored = fwlint(ns, "apply", "--restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "(from its JSON)" in restored.stdout
    # libnftables 1.0.6's JSON has no table comments: all but the mark comes back
    assert ruleset(ns) == before.replace('\tcomment "managed by fwlint"\n', "")


def test_restore_of_a_file_that_is_no_backup(ns, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"tables": [\n  1,\n')
    done = fwlint(ns, "apply", "--restore", str(bad))
    assert done.returncode == 1
    assert done.stderr == f"fwlint: {bad}:3:1: not JSON: Expecting value\n"
    bad.write_text('{"nftables": []}')
    done = fwlint(ns, "apply", "--restore", str(bad))
    assert done.stderr == f'fwlint: {bad}:1:1: not a backup written by fwlint apply (no "fwlint-backup": 1)\n'


FW501_SCRIPT = """\
#!/bin/sh
iptables -P INPUT DROP
iptables -A INPUT -i lo -j ACCEPT
iptabels -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
"""


def test_error_findings_stop_it_unless_force_which_says_what_it_overrode(ns, tmp_path):
    script = tmp_path / "firewall.sh"
    script.write_text(FW501_SCRIPT)
    finding = (f"{script}:4:1: FW501 [error] iptabels: command not found; did you mean iptables? The shell skips "
               "this command, so it changes nothing")
    stopped = fwlint(ns, "apply", "--backup", str(tmp_path / "b.json"), str(script))
    assert stopped.returncode == 1
    assert findings(stopped.stderr) == [finding, "fwlint: nothing applied: 1 error finding (--force applies anyway)"]
    assert ruleset(ns) == ""
    forced = fwlint(ns, "apply", "--force", "--backup", str(tmp_path / "b.json"), str(script))
    assert forced.returncode == 0, forced.stderr
    assert f"{finding} (overridden by --force)" in forced.stderr.splitlines()
    assert "iifname \"lo\" accept" in ruleset(ns)


def test_fw1xx_stops_it_even_with_force(ns, tmp_path):
    path = tmp_path / "typo.v4"
    path.write_text("*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCESPT\nCOMMIT\n")
    for extra in ((), ("--force",)):
        done = fwlint(ns, "apply", *extra, "--backup", str(tmp_path / "b.json"), str(path))
        assert done.returncode == 1
        assert done.stderr.splitlines()[-1] == (
            "fwlint: nothing applied: 1 line iptables refuses (FW1xx) or nftables cannot express (FW601); "
            "--force does not override these")
        assert done.stderr.splitlines()[0].startswith(f"{path}:3:")
        assert ruleset(ns) == ""


LOCKOUT = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp --dport 80 -j ACCEPT
COMMIT
"""


def test_the_lockout_guard_refuses_a_ruleset_that_drops_this_session(netns_factory, tmp_path):
    require_root_and("nft")
    server, _client = linked_pair(netns_factory)
    path = tmp_path / "lockout.v4"
    path.write_text(LOCKOUT)
    session = _env(SSH_CONNECTION="192.0.2.2 50022 192.0.2.1 22")
    refused = fwlint(server, "apply", "--backup", str(tmp_path / "b.json"), str(path), env=session)
    assert refused.returncode == 1
    lines = refused.stderr.splitlines()
    assert lines[-1] == "fwlint: nothing applied: it would lock this SSH session out (--force applies anyway)"
    assert any("192.0.2.2:50022 to 192.0.2.1:22" in line and f"{path}:2" in line for line in lines), lines
    assert ruleset(server) == ""
    forced = fwlint(server, "apply", "--force", "--backup", str(tmp_path / "b.json"), str(path), env=session)
    assert forced.returncode == 0, forced.stderr
    assert "(overridden by --force)" in forced.stderr
    assert "policy drop" in ruleset(server)
    # a ruleset that lets the session in passes the guard
    allowing = tmp_path / "allowing.v4"
    allowing.write_text(LOCKOUT.replace("--dport 80", "--dport 22"))
    fine = fwlint(server, "apply", "--backup", str(tmp_path / "b.json"), str(allowing), env=session)
    assert fine.returncode == 0, fine.stderr
    assert "lock this SSH session out" not in fine.stderr


def test_the_lockout_guard_on_an_nft_file(netns_factory, tmp_path):
    require_root_and("nft")
    server, _client = linked_pair(netns_factory)
    session = _env(SSH_CONNECTION="192.0.2.2 50022 192.0.2.1 22")
    text = ("table inet mine {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n"
            "\t\tip saddr 192.0.2.2 drop\n\t}\n}\n")
    refused = fwlint(server, "apply", "--backup", str(tmp_path / "b.json"), "-", input=text, env=session)
    assert refused.returncode == 1
    assert any("-:4" in line and "ip saddr 192.0.2.2 drop" in line for line in refused.stderr.splitlines()), \
        refused.stderr
    assert ruleset(server) == ""


# --- the two ways of reaching libnftables ---------------------------------------------------------

SYSTEM_PYTHON = "/usr/bin/python3"
DIST_PACKAGES = "/usr/lib/python3/dist-packages"


def _site_packages() -> str:
    import sysconfig

    return sysconfig.get_paths()["purelib"]


def test_under_the_system_python_apply_uses_the_nftables_module(ns, tmp_path):
    require_root_and("nft")
    assert os.path.exists(f"{DIST_PACKAGES}/nftables/__init__.py"), "python3-nftables is not installed"
    # the system interpreter, with the project and this environment's packages (lark, pluggy, dd) after its own
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); sys.path.append({_site_packages()!r}); "
            "from fwlint.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run(["ip", "netns", "exec", ns.name, SYSTEM_PYTHON, "-c", code, "apply", "--dry-run",
                           "corpus/clean-host.v4"], capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "fwlint apply --dry-run: libnftables accepts it (the nftables module (python3-nftables)); nothing "
        "changed. It would do:")
    applied = subprocess.run(["ip", "netns", "exec", ns.name, SYSTEM_PYTHON, "-c", code, "apply", "--backup",
                              str(tmp_path / "b.json"), "corpus/clean-host.v4"],
                             capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert applied.returncode == 0, applied.stderr
    assert ruleset(ns) == CLEAN_HOST


BINDING_SCRIPT = """
import json, os, sys, tempfile
sys.path.append(%(dist)r)
from fwlint.nft.libnft import open_nftables
nft = open_nftables(sys.argv[1])
out = {"binding": nft.binding}
out["check"] = nft.run("add table ip probe", dry_run=True).rc
out["after_check"] = nft.run("list tables").output
out["add"] = nft.run("add table ip probe { comment \\"x\\"; }").rc
out["text"] = nft.run("list table ip probe").output
listing = json.loads(nft.run("list tables", json_output=True).output)
out["json"] = [i["table"]["name"] for i in listing["nftables"] if "table" in i]
bad = nft.run("add rule ip probe nosuch accept")
out["bad"] = [bad.rc, bad.error.splitlines()[0]]
path = os.path.join(tempfile.mkdtemp(), "f.nft")
open(path, "w").write("table ip probe {\\n\\tchain c {\\n\\t\\tnonsense here\\n\\t}\\n}\\n")
from_file = nft.run_file(path, dry_run=True)
out["file"] = from_file.error.splitlines()[0].replace(path, "FILE")
print(json.dumps(out))
"""


@pytest.mark.parametrize("binding, name", [("ctypes", "libnftables.so.1 through ctypes"),
                                           ("module", "the nftables module (python3-nftables)")])
def test_both_bindings_do_the_same(ns, binding, name):
    done = subprocess.run(["ip", "netns", "exec", ns.name, sys.executable, "-c",
                           BINDING_SCRIPT % {"dist": DIST_PACKAGES}, binding],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "binding": name, "check": 0, "after_check": "", "add": 0,
        "text": 'table ip probe {\n\tcomment "x"\n}\n', "json": ["probe"],
        "bad": [-1, "Error: Could not process rule: No such file or directory"],
        "file": "FILE:3:3-10: Error: No symbol type information"}


def test_without_root_one_line_and_exit_2(ns):
    require_root_and("setpriv")
    done = subprocess.run(["ip", "netns", "exec", ns.name, "setpriv", "--reuid=65534", "--regid=65534",
                           "--clear-groups", "--inh-caps=-all", sys.executable, "-m", "fwlint", "apply",
                           "--dry-run", "corpus/clean-host.v4"],
                          capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr == ("fwlint apply: needs root (CAP_NET_ADMIN) to read and change the kernel's ruleset: "
                           "run it as root, e.g. sudo fwlint apply ...\n")


def test_without_libnftables_one_line_with_the_install_hint(ns):
    code = ("import sys, fwlint.nft.libnft as l; l.LIBRARY = '/nonexistent/libnftables.so.1'; "
            "from fwlint.cli import main; sys.exit(main(['apply', '--dry-run', 'corpus/clean-host.v4']))")
    done = subprocess.run(["ip", "netns", "exec", ns.name, sys.executable, "-c", code],
                          capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.startswith("fwlint apply: libnftables is not installed (/nonexistent/libnftables.so.1: ")
    assert done.stderr.endswith("); install it with `apt install libnftables1` (Debian, Ubuntu), `dnf install "
                                "nftables` (Fedora, RHEL) or `pacman -S nftables` (Arch)\n")
    assert done.stderr.count("\n") == 1


def _applied_waiting_for_yes(ns, tmp_path) -> tuple[str, subprocess.Popen]:
    """The ruleset before, and `fwlint apply --confirm 1` that has applied NEW_MINE and waits."""
    load(ns, OWNED + FOREIGN)
    before = ruleset(ns)
    nft_file = tmp_path / "new.nft"
    nft_file.write_text(NEW_MINE)
    process = subprocess.Popen(
        ["ip", "netns", "exec", ns.name, sys.executable, "-m", "fwlint", "apply", "--confirm", "1",
         "--backup", str(tmp_path / "b.json"), str(nft_file)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), cwd=ROOT)
    _wait_for(lambda: "policy drop" in ruleset(ns))
    return before, process


def test_a_killed_fwlint_is_rolled_back_by_its_watchdog(ns, tmp_path):
    """kill -9 during the wait: fwlint cannot act, its watchdog (a process of its own) sees it gone
    and restores the previous ruleset."""
    before, process = _applied_waiting_for_yes(ns, tmp_path)
    process.kill()  # `ip netns exec` runs fwlint in its own place: this is fwlint, not its watchdog
    process.wait(timeout=30)
    _wait_for(lambda: ruleset(ns) == before, timeout=20)
    process.stdin.close()


def test_a_stopped_fwlint_is_rolled_back_by_its_watchdog_after_the_time(ns, tmp_path):
    """fwlint stopped (SIGSTOP, a hung process): the watchdog restores once the time and its grace
    are over."""
    from fwlint.apply.confirm import GRACE

    before, process = _applied_waiting_for_yes(ns, tmp_path)
    process.send_signal(signal.SIGSTOP)
    stopped = time.monotonic()
    try:
        _wait_for(lambda: ruleset(ns) == before, timeout=1 + GRACE + 15)
        assert time.monotonic() - stopped >= GRACE - 1  # the watchdog waited for the time and its grace
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdin.close()


def test_a_signal_while_the_ruleset_goes_in_still_rolls_it_back(ns, tmp_path):
    """SIGINT (or a hangup) that comes during the transaction waits, then ends the wait at once."""
    load(ns, OWNED + FOREIGN)
    before = ruleset(ns)
    nft_file = tmp_path / "new.nft"
    nft_file.write_text(NEW_MINE)
    # the signal comes before the transaction: it is held back, and delivered when the wait begins
    # (and a second one, while the previous ruleset is put back, waits too: then it is let go)
    code = ("import os, signal, sys; from fwlint.apply import kernel; run = kernel.run_transaction\n"
            "def signalled(nft, text, dry_run):\n"
            "    if not dry_run: os.kill(os.getpid(), signal.SIGHUP)\n"
            "    return run(nft, text, dry_run=dry_run)\n"
            "kernel.run_transaction = signalled\n"
            "import fwlint.apply.command as c\n"
            "from fwlint.cli import main; sys.exit(main(sys.argv[1:]))")
    process = subprocess.Popen(["ip", "netns", "exec", ns.name, sys.executable, "-c", code, "apply", "--confirm", "20",
                                "--backup", str(tmp_path / "b.json"), str(nft_file)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
                               cwd=ROOT)
    started = time.monotonic()
    process.wait(timeout=30)
    err = process.stderr.read().decode()
    assert process.returncode == 3, err
    assert time.monotonic() - started < 15  # not the 20 s of the confirmation
    assert err.splitlines()[-1] == "fwlint: the terminal hung up (a lost session?): the previous ruleset is restored."
    assert ruleset(ns) == before
    for stream in (process.stdin, process.stdout, process.stderr):
        stream.close()


def test_an_output_nobody_reads_does_not_skip_the_confirmation(ns, tmp_path):
    load(ns, OWNED)
    before = ruleset(ns)
    nft_file = tmp_path / "new.nft"
    nft_file.write_text(NEW_MINE)
    read_end, write_end = os.pipe()
    os.close(read_end)  # standard output: a pipe whose reader is gone
    done = subprocess.run(["ip", "netns", "exec", ns.name, sys.executable, "-m", "fwlint", "apply", "--confirm", "1",
                           "--backup", str(tmp_path / "b.json"), str(nft_file)],
                          stdin=subprocess.DEVNULL, stdout=write_end, stderr=subprocess.PIPE, text=True, env=_env(),
                          cwd=ROOT)
    os.close(write_end)
    assert done.returncode == 3, done.stderr
    assert ruleset(ns) == before


def test_fwlints_other_tables_for_the_same_packets_stay_and_are_said(ns, tmp_path):
    """rules.v4 and rules.v6 applied, then rules.v4 alone under another --table name: the older
    ip table still judges IPv4 packets (deleting it could open the host), and the summary says so;
    the ip6 table sees none of the new table's packets."""
    v6 = tmp_path / "rules.v6"
    v6.write_text("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 80 -j ACCEPT\nCOMMIT\n")
    first = fwlint(ns, "apply", "--backup", str(tmp_path / "1.json"), "corpus/clean-host.v4", str(v6))
    assert first.returncode == 0, first.stderr
    other = fwlint(ns, "apply", "--backup", str(tmp_path / "2.json"), "--table", "other", "corpus/clean-host.v4")
    assert other.returncode == 0, other.stderr
    assert other.stdout.splitlines()[1:4] == [
        "  table ip other: created: 3 chains, 5 rules",
        "  table ip fwlint: left as it is, and still judging packets the new tables see: an earlier fwlint apply "
        "made it (nft delete table ip fwlint, if it is no longer wanted)",
        "  left as they are: table ip6 fwlint"]
    assert [line for line in ruleset(ns).splitlines() if line.startswith("table")] == [
        "table ip fwlint {", "table ip6 fwlint {", "table ip other {"]


def test_iptables_nfts_tables_are_never_replaced(ns, tmp_path):
    require_root_and("iptables-nft")
    ns.run("iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.0/24", "-j", "MASQUERADE", check=True)
    before = ruleset(ns)
    path = tmp_path / "nat.nft"
    path.write_text("table ip nat {\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat;\n\t}\n}\n")
    for extra in ((), ("--force",)):
        done = fwlint(ns, "apply", *extra, "--backup", str(tmp_path / "b.json"), str(path))
        assert done.returncode == 1
        assert done.stderr.splitlines() == [
            f"{path}:1:10: table ip nat is in the kernel, and iptables-nft takes a table of that name for its own "
            "(Docker's rules live in ip nat and ip filter): apply does not replace it, even with --force, since "
            "iptables-nft could not read it back; give your table another name",
            "fwlint: nothing applied"]
    assert ruleset(ns) == before
    assert "MASQUERADE" in ns.run("iptables-nft-save", "-t", "nat", check=True).stdout


def test_a_dormant_fwlint_table_is_replaced_and_restored_exactly(ns, tmp_path):
    # (libnftables 1.0.6 cuts its JSON listing of a table with flags short: the backup holds none)
    load(ns, 'table ip fwlint {\n\tflags dormant\n\tcomment "managed by fwlint"\n\tchain c {\n\t\taccept\n\t}\n}\n')
    before = ruleset(ns)
    again = fwlint(ns, "apply", "--backup", str(tmp_path / "b.json"), "corpus/clean-host.v4")
    assert again.returncode == 0, again.stderr
    assert ruleset(ns) == CLEAN_HOST
    restored = fwlint(ns, "apply", "--restore", str(tmp_path / "b.json"))
    assert restored.returncode == 0, restored.stderr
    assert ruleset(ns) == before
    # a table the input gives flags: made with them
    dormant = tmp_path / "dormant.nft"
    dormant.write_text("table inet d {\n\tflags dormant\n\tchain input {\n"
                       "\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n")
    for _ in range(2):
        done = fwlint(ns, "apply", "--backup", str(tmp_path / "b.json"), str(dormant))
        assert done.returncode == 0, done.stderr
    assert 'table inet d {\n\tflags dormant\n\tcomment "managed by fwlint"\n' in ruleset(ns)


@pytest.mark.parametrize("backup, message", [
    ("", "--backup: an empty path"),
    ("/dev/null", "--backup /dev/null: not a regular file (a backup must be kept to be restored)"),
    ("/tmp", "--backup /tmp: is a directory; give a file name"),
])
def test_a_backup_path_that_cannot_keep_a_backup_is_refused(ns, backup, message):
    done = fwlint(ns, "apply", "--backup", backup, "corpus/clean-host.v4")
    assert (done.returncode, done.stderr) == (2, f"fwlint: error: {message}\n")
    assert ruleset(ns) == ""


def test_stopped_past_the_time_then_yes_is_too_late(ns, tmp_path):
    """Ctrl-Z at the prompt, `fg` after the watchdog has acted, then `yes`: rolled back, and said."""
    before, process = _applied_waiting_for_yes(ns, tmp_path)
    process.send_signal(signal.SIGSTOP)
    try:
        _wait_for(lambda: ruleset(ns) == before, timeout=30)  # the watchdog, once the time and its grace are over
    finally:
        process.send_signal(signal.SIGCONT)
    process.stdin.write(b"yes\n")
    process.stdin.close()
    process.wait(timeout=30)
    assert process.returncode == 3
    assert ruleset(ns) == before


def test_fwlints_own_table_of_an_iptables_nft_name_is_applied_again(ns, tmp_path):
    path = tmp_path / "upper.nft"
    path.write_text("table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority 0; policy accept;\n"
                    "\t\ttcp dport 22 accept\n\t}\n}\n")
    for _ in range(2):
        done = fwlint(ns, "apply", "--backup", str(tmp_path / "b.json"), str(path))
        assert done.returncode == 0, done.stderr
    assert 'comment "managed by fwlint"' in ruleset(ns)


def test_the_lockout_guard_asks_the_kernel_when_a_recent_list_decides(netns_factory, tmp_path):
    """The only way in is `-m recent --rcheck`: fwlint's evaluator cannot tell (on the list or
    not), the kernel can: the translated list starts empty, so the session would be cut off."""
    require_root_and("nft")
    server, _client = linked_pair(netns_factory)
    path = tmp_path / "recent.v4"
    path.write_text("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                    "-A INPUT -p tcp --dport 22 -m recent --name ssh --rcheck -j ACCEPT\nCOMMIT\n")
    session = _env(SSH_CONNECTION="192.0.2.2 50022 192.0.2.1 22")
    refused = fwlint(server, "apply", "--dry-run", str(path), env=session)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.splitlines()[-1] == \
        "fwlint: nothing applied: it would lock this SSH session out (--force applies anyway)"
    assert "this SSH session's packets from 192.0.2.2:50022 to 192.0.2.1:22" in refused.stderr
    assert ruleset(server) == ""
