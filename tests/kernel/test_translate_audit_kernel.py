"""``fwlint translate`` on the kernel, where an audit of issue 6 found it wrong.

The verify harness and ``-m statistic``: a rule that matches at random (--mode random) or by a
count of packets (--mode nth) decides differently from run to run and from side to side, so the
probes it may match are not compared: they are reported as such, never as differences, while a
real difference next to them still is one.

The nft side here is deliberately not the translation: it never drops what the statistic rules
drop on the iptables side (so their probes would differ nearly always) and accepts port 22,
which iptables drops (a difference that must stay one).

Then a table without COMMIT under --verify, and the counters of ``-c`` in a rule as
iptables-legacy-restore applies them."""

from __future__ import annotations

from fwlint.parse import parse_text
from fwlint.verify.comparison import compare, probes_for
from fwlint.verify.probes import rule_probes
from fwlint.verify.translation import format_report
from tests.kernel.conftest import require_root_and

IPT = """\
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 80 -m statistic --mode random --probability 0.999 -j DROP
-A INPUT -p udp --dport 53 -m statistic --mode nth --every 1 --packet 0 -j DROP
-A INPUT -p tcp --dport 22 -j DROP
COMMIT
"""

NFT = """\
table ip chance {
\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t\ttcp dport 22 accept
\t}
}
"""


def test_probes_a_statistic_rule_may_match_are_marked_with_the_rule() -> None:
    ruleset = parse_text(IPT, "chance.v4", family=4)[0]
    probes = rule_probes(ruleset)
    marked = {(p.proto, p.dport, p.state): where for p, where in probes.by_chance.items()}
    assert marked == {(6, 80, "NEW"): "chance.v4:3", (6, 80, "ESTABLISHED"): "chance.v4:3",
                      (17, 53, "NEW"): "chance.v4:4", (17, 53, "ESTABLISHED"): "chance.v4:4"}
    # the probes just outside them (another port, another protocol) are compared
    assert all(p not in probes.by_chance for p in probes.probes
               if p.dport not in (80, 53) or (p.proto, p.dport) not in ((6, 80), (17, 53)))


def test_statistic_rules_are_not_compared_and_a_real_difference_still_is() -> None:
    require_root_and("nft", "iptables-legacy-restore", "iptables-legacy-save")
    rulesets = parse_text(IPT, "chance.v4", family=4)
    report = compare({4: IPT}, NFT, probes_for(rulesets), rulesets=rulesets)
    text = format_report(report)
    chance = [d for d in report.unstable if d.chance]
    assert {(d.probe.proto, d.probe.dport) for d in chance} == {(6, 80), (17, 53)}, text
    for d in chance:
        assert (f"  not compared, its fate depends on chance or on a count of packets (-m statistic at "
                f"{d.chance}): {d.probe.describe()}") in text.splitlines()
    assert report.differences, text
    assert {(d.probe.proto, d.probe.dport) for d in report.differences} == {(6, 22)}, text
    assert "met a different fate" in text


def test_verify_leaves_a_table_without_commit_out_of_both_sides(tmp_path, capsys, monkeypatch) -> None:
    """iptables-restore refuses the file at the table without COMMIT and applies nothing of it;
    the translation leaves it out: so does the iptables side of the comparison, which loads."""
    from fwlint.cli import main

    require_root_and("nft", "iptables-legacy-restore", "iptables-legacy-save")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "two.v4").write_text("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -s 192.0.2.9 -j ACCEPT\n"
                                     "COMMIT\n*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.1 -j DROP\n")
    assert main(["translate", "--verify", "--allow-partial", "two.v4", "-o", "two.nft"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        "two.v4:7:1: FW601 [error] table *filter has no COMMIT: iptables-restore applies nothing from it: the "
        "translation leaves the table out",
        "fwlint: 1 rule or line not translated (FW601): each is a comment in the output"]
    assert err[3:] == [
        "  left out of both sides: two.v4:7: table *filter has no COMMIT: iptables-restore applies nothing "
        "from it: the translation leaves the table out",
        "fwlint: verify: no packet's fate differs"]


def test_counters_of_dash_c_in_a_rule_are_the_kernels_as_translate_counters_keeps_them(netns, tmp_path,
                                                                                       capsys) -> None:
    """iptables-legacy-restore applies a rule's ``-c PKTS BYTES`` with or without its -c, and
    ``[PKTS:BYTES]`` before a rule only with -c; both on one rule: with -c it refuses the file
    (multiple -c flags), without -c the rule's own count.  ``--counters`` writes those counts."""
    import io

    from fwlint.nft.command import translate_command

    require_root_and("iptables-legacy-restore", "iptables-legacy-save")
    text = ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 443 -c 7 420 -j ACCEPT\n"
            "[3:30] -A INPUT -p tcp --dport 444 -j ACCEPT\n[5:50] -A INPUT -p tcp --dport 445 -c 9 90 -j ACCEPT\n"
            "COMMIT\n")

    def counts() -> list[str]:
        saved = netns.run("iptables-legacy-save", "-c", check=True).stdout
        return [line.split()[0] for line in saved.splitlines() if line.startswith("[")]

    netns.run("iptables-legacy-restore", input=text, check=True)
    assert counts() == ["[7:420]", "[0:0]", "[9:90]"]
    refused = netns.run("iptables-legacy-restore", "-c", input=text)
    assert refused.returncode != 0 and "multiple -c flags not allowed" in refused.stderr
    assert counts() == ["[7:420]", "[0:0]", "[9:90]"]  # unchanged: the refused file applied nothing
    netns.run("iptables-legacy-restore", "-c", input=text.replace(" -c 9 90", ""), check=True)
    assert counts() == ["[7:420]", "[3:30]", "[5:50]"]
    (tmp_path / "c.v4").write_text(text)
    out, err = io.StringIO(), io.StringIO()
    assert translate_command([str(tmp_path / "c.v4")], counters=True, stdout=out, stderr=err) == 0
    assert [line.strip() for line in out.getvalue().splitlines() if line.startswith("\t\ttcp")] == [
        "tcp dport 443 counter packets 7 bytes 420 accept",
        "tcp dport 444 counter packets 3 bytes 30 accept",
        "tcp dport 445 counter packets 9 bytes 90 accept"]
