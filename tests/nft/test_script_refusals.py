"""``fwlint translate SCRIPT`` when the script holds commands iptables refuses.

Run, such a command fails and the script goes on: the ruleset it builds has no such rule.  The
translation is of what the script builds, so it leaves those commands out and is written
(without ``--allow-partial`` too), each command listed on standard error (an FW601 finding and
a count, as ``fwlint convert`` lists what it leaves out) and in the output's header; the exit
status is 1, as for any rule not translated, so that ``fwlint translate fw.sh -o x && nft -f x``
stops there.  A rule the script does build but nft cannot express is FW601 as in a save file:
nothing written unless ``--allow-partial``.
"""

from __future__ import annotations

import json

from fwlint.cli import main
from tests.nft.conftest import nft_check

SCRIPT = """\
#!/bin/sh
IPT=iptables
$IPT -P INPUT DROP
$IPT -A INPUT -i lo -j ACCEPT
$IPT -A INPUT --dport 80 -j ACCEPT
$IPT -A INPUT -p tcp --dport 22 -j ACCEPT
ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT
ip6tables -A INPUT -j DROPP
"""


def refusals(script) -> list[str]:
    refused = "FW601 [error] iptables refuses this command, so the script builds no such rule"
    return [
        (f"{script}:5:1: {refused}: FW104 --dport without a port protocol: no -p given; iptables refuses the "
         "rule; add -p tcp (or udp, sctp, dccp) before it"),
        (f"{script}:8:1: {refused}: FW101 unknown target -j DROPP: did you mean DROP? (a target; names are "
         "case-sensitive)"),
        "fwlint: 2 commands of the script left out: iptables refuses them, so the script builds no such rule",
    ]


def test_the_rest_is_written_and_the_refused_commands_listed(tmp_path, capsys):
    script = tmp_path / "firewall.sh"
    script.write_text(SCRIPT)
    output = tmp_path / "rules.nft"
    assert main(["translate", str(script), "-o", str(output)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == refusals(script)
    text = output.read_text()
    assert text == f"""\
# Translated by fwlint from {script}
# Left out: what iptables refuses, so the script builds no such rule
# {script}:5: -A INPUT --dport 80 -j ACCEPT
# {script}:8: -A INPUT -j DROPP
table ip fwlint
delete table ip fwlint
table ip fwlint {{
\tchain filter_input {{
\t\ttype filter hook input priority filter; policy drop;
\t\tiifname "lo" accept
\t\ttcp dport 22 accept
\t}}
}}

table ip6 fwlint
delete table ip6 fwlint
table ip6 fwlint {{
\tchain filter_input {{
\t\ttype filter hook input priority filter; policy accept;
\t\ttcp dport 22 accept
\t}}
}}
"""
    nft_check(text)


def test_quiet_leaves_out_the_count_not_the_findings(tmp_path, capsys):
    script = tmp_path / "firewall.sh"
    script.write_text(SCRIPT)
    assert main(["translate", "-q", str(script), "-o", str(tmp_path / "rules.nft")]) == 1
    assert capsys.readouterr().err.splitlines() == refusals(script)[:2]


def test_json_and_inet_are_written_too(tmp_path, capsys):
    script = tmp_path / "firewall.sh"
    script.write_text(SCRIPT)
    assert main(["translate", "--format", "json", "--family", "inet", str(script)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == refusals(script)
    rules = [item["rule"] for item in json.loads(out)["nftables"] if "rule" in item]
    # the families' INPUT policies differ (DROP, ACCEPT): a chain each
    assert [(r["chain"], r["expr"][-1]) for r in rules] == [
        ("filter_input", {"vmap": {"key": {"meta": {"key": "nfproto"}}, "data": {"set": [
            ["ipv4", {"jump": {"target": "filter_input_ipv4"}}],
            ["ipv6", {"jump": {"target": "filter_input_ipv6"}}]]}}}),
        ("filter_input", {"drop": None}),
        ("filter_input_ipv4", {"accept": None}),
        ("filter_input_ipv4", {"accept": None}),
        ("filter_input_ipv6", {"accept": None})]
    nft_check(out, json_input=True)


def test_a_rule_nft_cannot_express_still_needs_allow_partial(tmp_path, capsys):
    script = tmp_path / "firewall.sh"
    script.write_text(SCRIPT + "$IPT -A INPUT -m set --match-set blocked src -j DROP\n")
    ipset = (f"{script}:9:22: FW601 [error] ipset 'blocked': its contents live in the kernel, not in the "
             "ruleset; give its contents with --ipset FILE (the output of `ipset save`)")
    assert main(["translate", str(script)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        *refusals(script)[:2], ipset, refusals(script)[2],
        ("fwlint: 1 rule or line not translated (FW601): nothing written (--allow-partial writes the rest, "
         "each of them as a comment)")]
    assert main(["translate", "--allow-partial", str(script)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines()[-1] == ("fwlint: 1 rule or line not translated (FW601): each is a comment in "
                                    "the output")
    assert out.splitlines()[:4] == [f"# Translated by fwlint from {script}",
                                    "# Left out: what iptables refuses, so the script builds no such rule",
                                    f"# {script}:5: -A INPUT --dport 80 -j ACCEPT",
                                    f"# {script}:8: -A INPUT -j DROPP"]
    assert "\t\t# -A INPUT -m set --match-set blocked src -j DROP\n" in out


def test_a_script_iptables_takes_whole_exits_0(tmp_path, capsys):
    script = tmp_path / "firewall.sh"
    script.write_text("#!/bin/sh\niptables -P INPUT DROP\niptables -A INPUT -i lo -j ACCEPT\n")
    assert main(["translate", str(script)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[:2] == [f"# Translated by fwlint from {script}", "table ip fwlint"]
