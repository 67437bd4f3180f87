"""Where iptables-restore-translate (iptables 1.8.9) is wrong, fwlint must be right.

Each case asserts the exact nft fwlint writes and has nft check it (in a namespace of its own).
"""

from __future__ import annotations

import io
import json
import os
import subprocess

import pytest

from fwlint.nft import translate
from fwlint.nft.command import translate_command
from fwlint.nft.emitter import Options
from fwlint.nft.render import to_json, to_text
from fwlint.parse import parse_text
from tests.nft.conftest import nft_check, nft_listing


def translated(text: str, path: str = "rules.v4", **options) -> tuple[str, list[str]]:
    """The block syntax (no header) and the findings as ``line:col CODE message``."""
    result = translate(parse_text(text, path), Options(**options))
    findings = [f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in result.diagnostics]
    return to_text(result.tables), findings


def chain_rules(output: str, chain: str) -> list[str]:
    """The rule lines of one chain of the block syntax (header line left out)."""
    lines = output.splitlines()
    start = lines.index(f"\tchain {chain} {{") + 1
    rules = []
    for line in lines[start:]:
        if line == "\t}":
            break
        if not line.strip().startswith("type "):
            rules.append(line.strip())
    return rules


FILTER = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n{}COMMIT\n"


def filter_rules(*rules: str) -> str:
    return FILTER.format("".join(r + "\n" for r in rules))


def test_dnat_after_a_bare_tcp_match_keeps_the_protocol():
    # every kube-proxy endpoint rule: -m tcp without options, then a port in the mapping
    text = ("*nat\n:PREROUTING ACCEPT [0:0]\n"
            "-A PREROUTING -p tcp -m comment --comment \"ns/svc:http\" -m tcp "
            "-j DNAT --to-destination 10.1.2.3:80\n"
            "COMMIT\n")
    output, findings = translated(text)
    assert chain_rules(output, "nat_prerouting") == [
        'meta l4proto tcp dnat to 10.1.2.3:80 comment "ns/svc:http"']
    assert findings == []
    nft_check(output)


def test_negated_ports_keep_their_negation():
    output, _ = translated(filter_rules("-A INPUT -p tcp -m multiport ! --ports 1,2 -j ACCEPT",
                                       "-A INPUT -p udp -m multiport ! --dports 53,5353 -j DROP"))
    assert chain_rules(output, "filter_input") == [
        "tcp sport != { 1, 2 } tcp dport != { 1, 2 } accept",  # neither port is 1 or 2
        "udp dport != { 53, 5353 } drop",
    ]
    nft_check(output)


def test_ports_either_way_is_two_disjoint_rules():
    output, _ = translated(filter_rules("-A INPUT -p tcp -m multiport --ports 1,2 -j ACCEPT"))
    assert chain_rules(output, "filter_input") == [
        "tcp sport { 1, 2 } accept",
        "tcp sport != { 1, 2 } tcp dport { 1, 2 } accept",
    ]
    nft_check(output)


def test_negated_dnat_state_keeps_its_negation():
    # ! --ctstate DNAT: packets without a connection match too (their state has no DNAT bit)
    output, _ = translated(filter_rules("-A INPUT -m conntrack ! --ctstate DNAT -j ACCEPT"))
    assert chain_rules(output, "filter_input") == [
        "ct state invalid,untracked accept",
        "ct state established,related,new ct status & dnat == 0 accept",
    ]
    nft_check(output)


def test_new_or_dnat_keeps_new():
    output, _ = translated(filter_rules("-A INPUT -m conntrack --ctstate NEW,DNAT -j ACCEPT"))
    assert chain_rules(output, "filter_input") == [
        "ct state new accept",
        "ct state != new ct status dnat accept",
    ]
    nft_check(output)


def test_negated_state_list_is_none_of_them():
    # nft's `ct state != new,invalid` compares the whole value (always true): not that
    output, _ = translated(filter_rules("-A INPUT -m state ! --state NEW,INVALID -j ACCEPT"))
    assert chain_rules(output, "filter_input") == ["ct state & (invalid|new) == 0 accept"]
    nft_check(output)


def test_a_double_quote_in_a_comment_or_log_prefix():
    source = filter_rules('-A INPUT -m comment --comment "the \\"bad\\" ones" -j DROP',
                          '-A OUTPUT -j LOG --log-prefix "dropped \\"x\\": "')
    output, findings = translated(source)
    assert chain_rules(output, "filter_input") == ["drop comment \"the 'bad' ones\""]
    assert chain_rules(output, "filter_output") == ["log prefix \"dropped 'x': \""]
    assert findings == [
        "5:10 FW602 the comment 'the \"bad\" ones' holds a double quote, which nft's block syntax cannot "
        "write: it is written with ' instead (--format json keeps it)",
        "6:18 FW602 the log prefix 'dropped \"x\": ' holds a double quote, which nft's block syntax "
        "cannot write: it is written with ' instead (--format json keeps it)",
    ]
    nft_check(output)
    # JSON holds the quotes as they are, and nft takes it
    result = translate(parse_text(source, "rules.v4"), Options(output_format="json"))
    assert result.diagnostics == []
    text = to_json(result.tables)
    nft_check(text, json_input=True)
    listing = nft_listing(text, json_input=True)
    rules = [item["rule"] for item in listing if "rule" in item]
    assert rules[0]["comment"] == 'the "bad" ones'
    assert rules[1]["expr"] == [{"log": {"prefix": 'dropped "x": '}}]


def test_time_of_day_stays_utc_whatever_the_loading_host_zone():
    output, findings = translated(filter_rules(
        "-A INPUT -m time --timestart 08:00 --timestop 17:00 -j ACCEPT",
        "-A INPUT -m time --timestart 22:00 --timestop 06:00 -j DROP"))
    assert chain_rules(output, "filter_input") == [
        "meta hour 28800-61200 accept",
        "meta hour != 21601-79199 drop",  # over midnight: every second but those between
    ]
    assert findings == []
    nft_check(output)
    # loaded by an nft running in Tokyo, the kernel still holds 08:00-17:00 UTC
    listing = _listing_in_zone(output, load_zone="Asia/Tokyo", list_zone="UTC")
    rule = next(item["rule"] for item in listing if "rule" in item)
    assert rule["expr"][0]["match"]["right"] == {"range": ["08:00", "17:00"]}


def _listing_in_zone(text: str, load_zone: str, list_zone: str) -> list:
    import shutil
    import tempfile

    from tests.nft.conftest import _require

    _require(shutil.which("nft") is not None, "nft is not installed")
    _require(os.path.exists(f"/usr/share/zoneinfo/{load_zone}"), "no time zone data")
    with tempfile.NamedTemporaryFile("w", suffix=".nft", delete=False) as f:
        f.write(text)
    try:
        script = f"TZ={load_zone} nft -f {f.name} && TZ={list_zone} nft -j list ruleset"
        result = subprocess.run(["unshare", "-Urn", "sh", "-c", script], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["nftables"]


def test_insert_positions_are_kept():
    output, _ = translated(filter_rules("-A INPUT -p tcp --dport 1 -j ACCEPT",
                                       "-A INPUT -p tcp --dport 3 -j ACCEPT",
                                       "-I INPUT 2 -p tcp --dport 2 -j ACCEPT",
                                       "-I INPUT -p tcp --dport 0 -j ACCEPT"))
    assert chain_rules(output, "filter_input") == [
        "tcp dport 0 accept", "tcp dport 1 accept", "tcp dport 2 accept", "tcp dport 3 accept"]
    nft_check(output)


def test_a_full_port_range_keeps_the_protocol():
    output, _ = translated(filter_rules("-A INPUT -p tcp --sport 0:65535 -j ACCEPT",
                                       "-A INPUT -p udp --dport 0:65535 -j ACCEPT"))
    assert chain_rules(output, "filter_input") == ["tcp sport 0-65535 accept", "udp dport 0-65535 accept"]
    nft_check(output)


def test_interface_wildcards():
    output, findings = translated(filter_rules("-A INPUT -i eth+ -j ACCEPT",
                                               "-A INPUT -i we*rd -j ACCEPT",
                                               "-A INPUT -i ppp* -j ACCEPT",
                                               "-A INPUT ! -i lo+ -j ACCEPT",
                                               "-A INPUT -i + -j ACCEPT",
                                               "-A INPUT ! -i + -j DROP"))
    assert chain_rules(output, "filter_input") == [
        'iifname "eth*" accept',
        'iifname "we\\*rd" accept',  # a literal star
        'iifname "ppp\\*" accept',
        'iifname != "lo*" accept',
        "accept",  # + is every interface
        "# rules.v4:10: never matches: ! -i + excludes every interface",
        "# -A INPUT ! -i + -j DROP",
    ]
    assert findings == ["10:10 FW602 this rule can never match (! -i + excludes every interface): it is "
                        "written as a comment"]
    nft_check(output)


def test_hashlimit_without_a_mode_is_one_shared_bucket():
    output, findings = translated(filter_rules(
        "-A INPUT -p icmp -m hashlimit --hashlimit-upto 5/sec --hashlimit-name ping -j ACCEPT",
        "-A FORWARD -p icmp -m hashlimit --hashlimit-upto 5/sec --hashlimit-name ping -j ACCEPT"))
    assert chain_rules(output, "filter_input") == ['meta l4proto icmp limit name "hashlimit_ping" accept']
    assert chain_rules(output, "filter_forward") == ['meta l4proto icmp limit name "hashlimit_ping" accept']
    assert "\tlimit hashlimit_ping {\n\t\trate 5/second burst 5 packets\n\t}" in output
    assert findings == []
    nft_check(output)


def test_hashlimit_by_destination_port_without_a_protocol():
    output, findings = translated(filter_rules(
        "-A INPUT -m hashlimit --hashlimit-above 10/min --hashlimit-mode dstport "
        "--hashlimit-name dp -j DROP"))
    assert chain_rules(output, "filter_input") == [
        "meter hashlimit_dp size 65535 { th dport timeout 10s limit rate over 10/minute burst 5 packets } "
        "drop"]
    assert findings == ["5:48 FW602 --hashlimit-mode dstport without -p: packets without ports share port "
                        "0 in hashlimit; nft reads th dport"]
    nft_check(output)


def test_a_builtin_chain_without_its_declaration_gets_its_base_chain():
    output, _ = translated("*raw\n-A PREROUTING -p udp --dport 53 -j NOTRACK\nCOMMIT\n")
    assert output == (
        "table ip fwlint\n"
        "delete table ip fwlint\n"
        "table ip fwlint {\n"
        "\tchain raw_prerouting {\n"
        "\t\ttype filter hook prerouting priority raw; policy accept;\n"
        "\t\tudp dport 53 notrack\n"
        "\t}\n"
        "}\n")
    nft_check(output)


UNTRANSLATABLE = filter_rules('-A INPUT -p tcp ! --dport 22 -m string --algo bm --string "GET /x" -j DROP',
                              "-A INPUT -p tcp --dport 22 -j ACCEPT")


def test_untranslated_rules_write_nothing_and_exit_1(tmp_path):
    source = tmp_path / "rules.v4"
    source.write_text(UNTRANSLATABLE)
    output = tmp_path / "rules.nft"
    stderr = io.StringIO()
    assert translate_command([str(source)], str(output), stderr=stderr, quiet=True) == 1
    assert not output.exists()
    assert stderr.getvalue() == (
        f"{source}:5:30: FW601 [error] -m string: nft cannot search the packet's contents for a string\n")


def test_allow_partial_keeps_the_rule_text_intact_and_still_exits_1(tmp_path):
    source = tmp_path / "rules.v4"
    source.write_text(UNTRANSLATABLE)
    output = tmp_path / "rules.nft"
    stderr = io.StringIO()
    assert translate_command([str(source)], str(output), allow_partial=True, stderr=stderr) == 1
    text = output.read_text()
    assert chain_rules(text, "filter_input") == [
        f"# {source}:5: -m string: nft cannot search the packet's contents for a string",
        '# -A INPUT -p tcp ! --dport 22 -m string --algo bm --string "GET /x" -j DROP',
        "tcp dport 22 accept",
    ]
    assert stderr.getvalue().endswith("fwlint: 1 rule or line not translated (FW601): each is a comment "
                                      "in the output\n")
    nft_check(text)


@pytest.mark.skipif(not os.path.exists("/usr/sbin/iptables-restore-translate")
                    and not os.path.exists("/sbin/iptables-restore-translate"),
                    reason="iptables-restore-translate is not installed")
def test_the_c_translator_really_fails_on_these(tmp_path):
    """The premise: iptables-restore-translate's output for the DNAT case does not load."""
    source = tmp_path / "rules.v4"
    source.write_text("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp -j DNAT "
                      "--to-destination 10.1.2.3:80\nCOMMIT\n")
    c_output = subprocess.run(["iptables-restore-translate", "-f", str(source)], capture_output=True,
                              text=True).stdout
    assert "dnat to 10.1.2.3:80" in c_output and "tcp" not in c_output.split("dnat")[0].splitlines()[-1]
    with pytest.raises(AssertionError):
        nft_check(c_output)
