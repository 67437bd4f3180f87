"""``fwlint translate``: what an audit of issue 6 found wrong, each pinned by its exact output,
stderr lines and exit code (iptables-restore's behaviour is the truth for what is applied)."""

from __future__ import annotations

import shutil

import pytest

from fwlint.cli import main
from tests.nft.conftest import nft_check

HEADER = "table ip fwlint\ndelete table ip fwlint\ntable ip fwlint {\n"


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["translate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- 2: every FW601 line is a comment in the output, or said precisely --------------------------

def test_a_table_without_commit_is_not_translated_live(here, capsys):
    (here / "nocommit.v4").write_text("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 192.0.2.1 -j DROP\n")
    code, out, err = run(capsys, "nocommit.v4", "--allow-partial")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "nocommit.v4:3:1: FW601 [error] table *filter has no COMMIT: iptables-restore applies nothing from "
        "it: the translation leaves the table out",
        "fwlint: nocommit.v4: it holds no table iptables-restore applies (*filter ... COMMIT): no IPv4 "
        "table translated",
        "fwlint: 1 rule or line not translated (FW601)",
        "fwlint: nothing written: the empty table ip fwlint would delete an earlier translation when loaded",
    ]


def test_a_table_without_commit_after_a_committed_one_is_left_out_and_said_in_the_header(here, capsys):
    (here / "two.v4").write_text("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -s 192.0.2.9 -j ACCEPT\n"
                                 "COMMIT\n*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.1 -j DROP\n")
    code, out, err = run(capsys, "two.v4", "--allow-partial")
    assert code == 1
    assert out == (
        "# Translated by fwlint from two.v4\n"
        "# Not translated (FW601): lines iptables-restore refuses, and rules of chains never declared\n"
        "# two.v4:7: table *filter has no COMMIT: iptables-restore applies nothing from it: the "
        "translation leaves the table out\n"
        + HEADER +
        "\tchain nat_prerouting {\n"
        "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
        "\t\tip saddr 192.0.2.9 accept\n"
        "\t}\n}\n")
    assert "policy drop" not in out and "192.0.2.1" not in out.split("{", 1)[1]
    assert err.splitlines()[-1] == "fwlint: 1 rule or line not translated (FW601): each is a comment in the output"
    nft_check(out)


def test_lines_iptables_restore_refuses_are_comments_with_their_text(here, capsys):
    (here / "pre.v4").write_text("-A INPUT -s 192.0.2.1 -j DROP\n*filter\n:INPUT ACCEPT [0:0]\nfoo bar\n"
                                 "-A INPUT -s 192.0.2.2 -j DROP\n-A NOPE -j DROP\n-I INPUT 3 -j DROP\nCOMMIT\n")
    code, out, err = run(capsys, "pre.v4", "--allow-partial")
    assert code == 1
    assert out == (
        "# Translated by fwlint from pre.v4\n"
        "# Not translated (FW601): lines iptables-restore refuses, and rules of chains never declared\n"
        "# pre.v4:1: -A INPUT -s 192.0.2.1 -j DROP\n"
        "# pre.v4:4: foo bar\n"
        "# pre.v4:6: -A NOPE -j DROP\n"
        "# pre.v4:7: -I INPUT 3 -j DROP\n"
        + HEADER +
        "\tchain filter_input {\n"
        "\t\ttype filter hook input priority filter; policy accept;\n"
        "\t\tip saddr 192.0.2.2 drop\n"
        "\t}\n}\n")
    assert err.splitlines() == [
        "pre.v4:1:1: FW601 [error] iptables-restore refuses this line: rule outside any *table: add *filter "
        "(or the table it belongs to) above it",
        "pre.v4:4:1: FW601 [error] iptables-restore refuses this line: unexpected 'foo': expected :CHAIN "
        "POLICY, a # comment, COMMIT, counters [packets:bytes], a rule (-A CHAIN ...) or *table",
        "pre.v4:6:4: FW601 [error] chain NOPE is never declared in *filter (iptables-restore refuses the file)",
        "pre.v4:7:1: FW601 [error] iptables-restore refuses this line: -I INPUT 3: the chain has only 1 rule(s)",
        "fwlint: 4 rules or lines not translated (FW601): each is a comment in the output",
    ]
    nft_check(out)


# --- 4: -c PKTS BYTES in a rule --------------------------------------------------------------------

COUNTED = ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 443 -c 7 420 -j ACCEPT\n"
           "[3:30] -A INPUT -p tcp --dport 444 -j ACCEPT\n-A INPUT -p tcp --dport 22 --set-counters 1,2 -j ACCEPT\n"
           "-A INPUT -p tcp --dport 25 -j ACCEPT\nCOMMIT\n")


def test_counters_given_with_dash_c_are_kept(here, capsys):
    (here / "c.v4").write_text(COUNTED)
    code, out, err = run(capsys, "c.v4", "--counters")
    assert (code, err) == (0, "")
    assert out.split("policy accept;\n", 1)[1] == (
        "\t\ttcp dport 443 counter packets 7 bytes 420 accept\n"
        "\t\ttcp dport 444 counter packets 3 bytes 30 accept\n"
        "\t\ttcp dport 22 counter packets 1 bytes 2 accept\n"
        "\t\ttcp dport 25 counter packets 0 bytes 0 accept\n"
        "\t}\n}\n")
    nft_check(out)
    code, out, err = run(capsys, "c.v4", "--counters", "--optimize")
    assert (code, err) == (0, "")
    assert "\t\ttcp dport { 443, 444, 22, 25 } counter packets 11 bytes 452 accept\n" in out
    code, out, _ = run(capsys, "c.v4")
    assert "counter" not in out


def test_counters_twice_on_a_rule_keep_the_rules_own_and_say_so(here, capsys):
    # iptables-legacy-restore -c refuses the line (multiple -c flags not allowed); without -c
    # the rule gets 7 420 (checked on the kernel)
    (here / "c.v4").write_text("*filter\n:INPUT ACCEPT [0:0]\n[5:50] -A INPUT -p tcp --dport 445 -c 7 420 "
                               "-j ACCEPT\nCOMMIT\n")
    code, out, err = run(capsys, "c.v4", "--counters")
    assert code == 0
    assert "\t\ttcp dport 445 counter packets 7 bytes 420 accept\n" in out
    assert err == ("c.v4:3:1: FW602 [warning] the rule has counters twice, [5:50] before it and -c 7 420 in "
                   "it: iptables-restore -c refuses it (multiple -c flags); without -c it keeps the rule's "
                   "-c, and so does the translation\n")


# --- 6: iptables-nft's table names -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["filter", "nat", "mangle", "raw", "security"])
def test_iptables_nft_table_names_are_refused_for_ip_and_ip6(here, capsys, name):
    (here / "r.v4").write_text(COUNTED)
    for family in ([], ["--family", "4"], ["--family", "6"]):
        code, out, err = run(capsys, "r.v4", "--table", name, *family)
        assert (code, out) == (2, "")
        assert err == (f"fwlint: error: --table {name}: ip {name} and ip6 {name} are iptables-nft's tables "
                       f"(Docker's rules live there too), and the output begins with `delete table ip {name}`: "
                       "choose another name (the default is fwlint), or --family inet\n")
    code, out, err = run(capsys, "r.v4", "--table", name, "--family", "inet")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:3] == [f"table inet {name}", f"delete table inet {name}"]


# --- 7: empty results ------------------------------------------------------------------------------

def test_an_empty_file_writes_nothing_and_says_so(here, capsys):
    (here / "empty.v4").write_text("")
    (here / "old.nft").write_text("kept\n")
    code, out, err = run(capsys, "empty.v4", "-o", "old.nft")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "fwlint: empty.v4: it holds no table iptables-restore applies (*filter ... COMMIT): no IPv4 table "
        "translated",
        "fwlint: nothing written: the empty table ip fwlint would delete an earlier translation when loaded",
    ]
    assert (here / "old.nft").read_text() == "kept\n"


def test_a_save_file_read_as_a_script_writes_nothing_and_says_so(here, capsys):
    (here / "r.v4").write_text(COUNTED)
    code, out, err = run(capsys, "r.v4", "--input-format", "script")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "fwlint: r.v4: read as a script, it runs no iptables command: no IPv4 table translated",
        "fwlint: nothing written: the empty table ip fwlint would delete an earlier translation when loaded",
    ]


def test_an_empty_partner_file_is_left_out_and_the_exit_status_is_1(here, capsys):
    (here / "r.v4").write_text(COUNTED)
    (here / "r.v6").write_text("# nothing yet\n")
    code, out, err = run(capsys, "r.v4", "r.v6")
    assert code == 1
    assert err == "fwlint: r.v6: it holds no table iptables-restore applies (*filter ... COMMIT): no IPv6 table " \
                  "translated\n"
    assert "table ip fwlint {" in out and "ip6" not in out


def test_a_file_with_tables_and_no_rules_is_fine(here, capsys):
    (here / "r.v4").write_text("*filter\n:INPUT DROP [0:0]\nCOMMIT\n")
    code, out, err = run(capsys, "r.v4")
    assert (code, err) == (0, "")
    assert "\t\ttype filter hook input priority filter; policy drop;\n" in out


# --- 8, 10: binary input, directories; -o survives every error exit ----------------------------------

def test_a_binary_file_is_one_finding_and_nothing_written(here, capsys):
    shutil.copy("/bin/true", here / "t")
    (here / "old.nft").write_text("kept\n")
    code, out, err = run(capsys, "t", "-o", "old.nft")
    assert (code, out) == (1, "")
    assert err == ("t:1:1: FW601 [error] not a text file: it holds NUL bytes (a program, an archive or a "
                   "compressed file?); fwlint checks iptables-save output and firewall scripts\n")
    assert (here / "old.nft").read_text() == "kept\n"


def test_a_big_binary_file_is_one_finding_too(here, capsys):
    (here / "big").write_bytes(b"\x7fELF\x00\x01" + b"-A INPUT -j DROP\x00\n" * 20000)  # past SPLIT_BYTES
    code, out, err = run(capsys, "big", "--allow-partial")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith("big:1:1: FW601 [error] not a text file: it holds NUL bytes")


def test_a_directory_is_a_usage_error(here, capsys):
    (here / "rules.d").mkdir()
    code, out, err = run(capsys, "rules.d")
    assert (code, out) == (2, "")
    assert err == "fwlint: error: rules.d: is a directory; translate takes ruleset files\n"


@pytest.mark.parametrize("content, code", [
    ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m u32 --u32 '0>>22&0x3C@ 12>>26&0x3F=0' -j DROP\nCOMMIT\n", 1),
    ("this is not a ruleset\nat all\n", 1),
    (None, 2),
    (b"\x00\x01\x02binary\n", 1),
])
def test_an_existing_output_file_survives_every_error_exit(here, capsys, content, code):
    (here / "out.nft").write_text("table ip fwlint {}\n")
    if isinstance(content, bytes):
        (here / "in.v4").write_bytes(content)
    elif content is not None:
        (here / "in.v4").write_text(content)
    assert main(["translate", "in.v4", "-o", "out.nft"]) == code
    capsys.readouterr()
    assert (here / "out.nft").read_text() == "table ip fwlint {}\n"


# --- 9: wording ------------------------------------------------------------------------------------

def test_an_ipv6_prefix_in_an_ipv4_file_hints_at_the_family(here, capsys):
    (here / "six.v4").write_text("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::1/128 -j DROP\nCOMMIT\n")
    why = ("-s: 2001:db8::1/128 is an IPv6 address and prefix, in an IPv4 rule (prefix /128 is longer than 32 "
           "bits): an IPv6 ruleset is read as one when its file name ends in .v6 or with --family 6")
    code, out, err = run(capsys, "six.v4")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == f"six.v4:3:1: FW601 [error] iptables refuses this rule (FW111 {why})"
    assert main(["check", "six.v4", "--select", "FW1"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"six.v4:3:13: FW111 [error] {why}"
    code, out, err = run(capsys, "six.v4", "--family", "6")
    assert (code, err) == (0, "")
    assert "\t\tip6 saddr 2001:db8::1 drop\n" in out


def test_connsecmark_translates_as_the_kernel_does_it(here, capsys):
    (here / "s.v4").write_text("*security\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                               "-A INPUT -j CONNSECMARK --restore\n"
                               "-A OUTPUT -m state --state NEW -j CONNSECMARK --save\nCOMMIT\n")
    code, out, err = run(capsys, "s.v4")
    assert (code, err) == (0, "")
    assert "\t\tmeta secmark & 0xffffffff == 0 meta secmark set ct secmark\n" in out
    assert "\t\tct state new meta secmark & 0xffffffff != 0 ct secmark & 0xffffffff == 0 " \
           "ct secmark set meta secmark\n" in out
    nft_check(out)
    code, out, err = run(capsys, "s.v4", "--format", "json")
    assert (code, err) == (0, "")
    nft_check(out, json_input=True)


def test_a_line_iptables_restore_reads_otherwise_is_translated_as_it_reads_it(here, capsys):
    (here / "q.v4").write_text("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 192.0.2.3 -j LOG --log-prefix \"open\n"
                               "COMMIT\n")
    code, out, err = run(capsys, "q.v4", "--allow-partial")
    assert code == 0
    assert out.startswith("# Translated by fwlint from q.v4\ntable ip fwlint\n")
    assert "\t\tip saddr 192.0.2.3 log prefix \"open \"\n" in out
    assert "q.v4:3:43: FW602 [warning] iptables-restore reads this line otherwise than it looks, and so does " \
           "the translation: unterminated double quote: iptables-restore takes the rest of the line, 'open' " \
           "and the line end, into one word\n" in err
