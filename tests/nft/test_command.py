"""``fwlint translate`` from the command line: inputs, outputs, exit codes, findings."""

from __future__ import annotations

import json
import os
import stat

import pytest

from fwlint.cli import main
from tests.nft.conftest import nft_check

RULES_V4 = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp --dport 22 -j ACCEPT
COMMIT
"""

RULES_V6 = RULES_V4.replace("-A INPUT -p tcp --dport 22 -j ACCEPT", "-A INPUT -p ipv6-icmp -j ACCEPT")

EXPECTED_V4 = """\
table ip fwlint
delete table ip fwlint
table ip fwlint {
\tchain filter_input {
\t\ttype filter hook input priority filter; policy drop;
\t\tiifname "lo" accept
\t\tct state established,related accept
\t\ttcp dport 22 accept
\t}

\tchain filter_forward {
\t\ttype filter hook forward priority filter; policy drop;
\t}

\tchain filter_output {
\t\ttype filter hook output priority filter; policy accept;
\t}
}
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "rules.v4").write_text(RULES_V4)
    (tmp_path / "rules.v6").write_text(RULES_V6)
    return tmp_path


def test_translate_to_standard_output(files, capsys, monkeypatch):
    monkeypatch.chdir(files)
    assert main(["translate", "rules.v4"]) == 0
    out, err = capsys.readouterr()
    assert out == "# Translated by fwlint from rules.v4\n" + EXPECTED_V4
    assert err == ""
    nft_check(out)


def test_output_file_is_replaced_in_one_piece_keeping_its_mode(files, capsys):
    target = files / "rules.nft"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    assert main(["translate", str(files / "rules.v4"), "-o", str(target)]) == 0
    assert target.read_text().endswith(EXPECTED_V4)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in files.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_two_families_a_table_each_or_one_inet_table(files, capsys):
    assert main(["translate", str(files / "rules.v4"), str(files / "rules.v6")]) == 0
    out = capsys.readouterr().out
    assert "table ip fwlint {" in out and "table ip6 fwlint {" in out
    nft_check(out)
    assert main(["translate", "--family", "inet", str(files / "rules.v4"), str(files / "rules.v6")]) == 0
    out = capsys.readouterr().out
    assert "table inet fwlint {" in out and "table ip fwlint" not in out
    assert "\t\tmeta nfproto ipv6 meta l4proto icmpv6 accept\n" in out
    nft_check(out)


def test_family_reads_the_input_as_that_family(files, capsys):
    other = files / "other.rules"
    other.write_text(RULES_V6.replace("-A INPUT -i lo", "-A INPUT -s 2001:db8::1 -i lo"))
    assert main(["translate", "--family", "6", str(other)]) == 0
    assert "table ip6 fwlint {" in capsys.readouterr().out
    assert main(["translate", str(other)]) == 1  # read as IPv4 by default: an IPv6 address
    assert "FW601" in capsys.readouterr().err


def test_json_output(files, capsys):
    assert main(["translate", "--format", "json", str(files / "rules.v4")]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)["nftables"]
    assert data[:4] == [{"metainfo": {"json_schema_version": 1}},
                        {"table": {"family": "ip", "name": "fwlint"}},
                        {"delete": {"table": {"family": "ip", "name": "fwlint"}}},
                        {"table": {"family": "ip", "name": "fwlint"}}]
    assert data[4] == {"chain": {"family": "ip", "table": "fwlint", "name": "filter_input", "type": "filter",
                                 "hook": "input", "prio": 0, "policy": "drop"}}
    assert data[-1] == {"rule": {"family": "ip", "table": "fwlint", "chain": "filter_input",
                                 "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp",
                                                                                      "field": "dport"}},
                                                     "right": 22}}, {"accept": None}]}}
    nft_check(out, json_input=True)


def test_table_name(files, capsys):
    assert main(["translate", "--table", "edge", str(files / "rules.v4")]) == 0
    assert "table ip edge {" in capsys.readouterr().out
    assert main(["translate", "--table", "log", str(files / "rules.v4")]) == 2
    assert capsys.readouterr().err.startswith("fwlint: error: --table log: not a name nft takes")


def test_usage_errors(files, capsys):
    assert main(["translate", str(files / "missing.v4")]) == 2
    assert capsys.readouterr().err == f"fwlint: error: {files / 'missing.v4'}: no such file or directory\n"
    assert main(["translate", str(files / "rules.v4"), str(files / "rules.v4")]) == 2
    assert "two IPv4 rulesets" in capsys.readouterr().err
    assert main(["translate", str(files / "rules.v4"), str(files / "rules.v6"), str(files / "rules.v4")]) == 2


def test_a_script_is_translated_as_what_it_builds(tmp_path, capsys):
    script = tmp_path / "firewall.sh"
    script.write_text("#!/bin/sh\nIPT=iptables\n$IPT -P INPUT DROP\n$IPT -A INPUT -i lo -j ACCEPT\n"
                      "$IPT -A INPUT -p tcp --dport 22 -j ACCEPT\n$IPT -A INPUT -j ACCESPT\n")
    # the refused command builds nothing: the rest is written (without --allow-partial too), the
    # command is listed on stderr and in the header, and the exit status is 1
    # (more in tests/nft/test_script_refusals.py)
    for args in ([], ["--allow-partial"]):
        assert main(["translate", *args, str(script)]) == 1
        out, err = capsys.readouterr()
        assert err.splitlines() == [
            (f"{script}:6:1: FW601 [error] iptables refuses this command, so the script builds no such "
             "rule: FW101 unknown target -j ACCESPT: did you mean ACCEPT? (a target; names are "
             "case-sensitive)"),
            ("fwlint: 1 command of the script left out: iptables refuses it, so the script builds no "
             "such rule")]
        assert out.splitlines()[:3] == [
            f"# Translated by fwlint from {script}",
            "# Left out: what iptables refuses, so the script builds no such rule",
            f"# {script}:6: -A INPUT -j ACCESPT"]
        assert '\t\tiifname "lo" accept\n\t\ttcp dport 22 accept\n\t}\n}\n' in out


def test_ipset_file(tmp_path, capsys):
    (tmp_path / "sets").write_text("create bad hash:ip family inet\nadd bad 192.0.2.66\n")
    (tmp_path / "rules.v4").write_text("*filter\n:INPUT ACCEPT [0:0]\n"
                                       "-A INPUT -m set --match-set bad src -j DROP\nCOMMIT\n")
    assert main(["translate", str(tmp_path / "rules.v4")]) == 1
    assert "give its contents with --ipset FILE" in capsys.readouterr().err
    assert main(["translate", "--ipset", str(tmp_path / "sets"), str(tmp_path / "rules.v4")]) == 0
    out = capsys.readouterr().out
    assert "\t\tip saddr @bad drop\n" in out
    nft_check(out)
    (tmp_path / "broken").write_text("flush everything\n")
    assert main(["translate", "--ipset", str(tmp_path / "broken"), str(tmp_path / "rules.v4")]) == 2
    assert capsys.readouterr().err == (f"fwlint: error: {tmp_path / 'broken'}:1:1: not ipset save output: "
                                       "'flush everything'\n")


def test_approximations_are_warnings_and_exit_0(tmp_path, capsys):
    (tmp_path / "rules.v4").write_text(
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -m recent --set --name SSH\nCOMMIT\n")
    assert main(["translate", str(tmp_path / "rules.v4")]) == 0
    out, err = capsys.readouterr()
    assert err == (f"{tmp_path / 'rules.v4'}:3:28: FW602 [warning] recent as a dynamic set with timeout: nft "
                   "keeps one timeout per address, not the times of its last hits\n")
    assert "\t\ttcp dport 22 update @recent_SSH { ip saddr }\n" in out
    nft_check(out)


def test_standard_input(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(RULES_V4))
    assert main(["translate", "-"]) == 0
    assert capsys.readouterr().out == "# Translated by fwlint from -\n" + EXPECTED_V4


def test_a_large_input_shows_progress_in_a_terminal_and_nothing_elsewhere(tmp_path):
    import sys

    from tests.test_progress import run_in_pty

    rules = "".join(f"-A INPUT -s 10.{i // 250}.{i % 250}.1 -p tcp --dport {i % 60000 + 1} -j ACCEPT\n"
                    for i in range(4000))
    (tmp_path / "big.v4").write_text(f"*filter\n:INPUT DROP [0:0]\n{rules}COMMIT\n")
    script = ("import sys, fwlint.progress as p; p.DELAY = p.INTERVAL = 0.0; from fwlint.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    output = tmp_path / "big.nft"
    terminal, _, code = run_in_pty([sys.executable, "-c", script, "translate", str(tmp_path / "big.v4"),
                                    "-o", str(output)])
    assert code == 0
    text = terminal.decode()
    assert text.startswith("\rTranslating [") and "/4000 rules" in text and text.endswith("\r")
    assert output.read_text().count(" accept\n") == 4000 and "\r" not in output.read_text()
    terminal, _, _ = run_in_pty([sys.executable, "-c", script, "translate", "-q", str(tmp_path / "big.v4"),
                                 "-o", str(output)])
    assert terminal == b""
