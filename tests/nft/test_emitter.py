"""The emitter: tables, base chains, names, counters, comments, lists, host names, ipsets."""

from __future__ import annotations

import pytest

from fwlint.nft import TranslateError, translate
from fwlint.nft.emitter import Options, base_chain_spec
from fwlint.nft.ipset import read_ipset_text
from fwlint.nft.names import KEYWORDS, ChainNames, is_identifier
from fwlint.nft.render import to_text
from fwlint.parse import parse_text
from tests.nft.conftest import nft_check
from tests.nft.test_translator_bugs import chain_rules, filter_rules, translated


def test_every_table_and_builtin_chain_at_iptables_priority():
    text = ("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
            "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
            ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n"
            "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            ":POSTROUTING ACCEPT [0:0]\nCOMMIT\n"
            "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
            "*security\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n")
    output, _ = translated(text)
    headers = [line.strip() for line in output.splitlines() if line.strip().startswith(("chain", "type"))]
    assert headers == [
        "chain raw_prerouting {", "type filter hook prerouting priority raw; policy accept;",
        "chain raw_output {", "type filter hook output priority raw; policy accept;",
        "chain mangle_prerouting {", "type filter hook prerouting priority mangle; policy accept;",
        "chain mangle_input {", "type filter hook input priority mangle; policy accept;",
        "chain mangle_forward {", "type filter hook forward priority mangle; policy accept;",
        "chain mangle_output {", "type route hook output priority mangle; policy accept;",
        "chain mangle_postrouting {", "type filter hook postrouting priority mangle; policy accept;",
        "chain nat_prerouting {", "type nat hook prerouting priority dstnat; policy accept;",
        "chain nat_input {", "type nat hook input priority 100; policy accept;",
        "chain nat_output {", "type nat hook output priority -100; policy accept;",
        "chain nat_postrouting {", "type nat hook postrouting priority srcnat; policy accept;",
        "chain filter_input {", "type filter hook input priority filter; policy drop;",
        "chain filter_forward {", "type filter hook forward priority filter; policy drop;",
        "chain filter_output {", "type filter hook output priority filter; policy accept;",
        "chain security_input {", "type filter hook input priority security; policy accept;",
        "chain security_forward {", "type filter hook forward priority security; policy accept;",
        "chain security_output {", "type filter hook output priority security; policy accept;",
    ]
    nft_check(output)
    assert [base_chain_spec(t, c).priority for t, c in (("raw", "OUTPUT"), ("mangle", "INPUT"),
                                                        ("nat", "PREROUTING"), ("nat", "OUTPUT"),
                                                        ("nat", "INPUT"), ("nat", "POSTROUTING"),
                                                        ("filter", "FORWARD"), ("security", "INPUT"))] \
        == [-300, -150, -100, -100, 100, 100, 0, 50]


def test_user_chain_names():
    text = ("*nat\n:PREROUTING ACCEPT [0:0]\n:LOGDROP - [0:0]\n-A PREROUTING -j LOGDROP\nCOMMIT\n"
            "*filter\n:INPUT DROP [0:0]\n:LOGDROP - [0:0]\n:log - [0:0]\n:ufw-before-input - [0:0]\n"
            ":a:b - [0:0]\n:filter_input - [0:0]\n"
            "-A INPUT -j LOGDROP\n-A INPUT -j log\n-A INPUT -j ufw-before-input\n-A INPUT -j a:b\n"
            "-A INPUT -j filter_input\n-A LOGDROP -j DROP\nCOMMIT\n")
    output, findings = translated(text)
    assert findings == []
    assert chain_rules(output, "filter_input") == [
        "jump filter_LOGDROP",  # nat has a LOGDROP too
        "jump filter_log",  # log is an nft keyword
        "jump ufw-before-input",
        "jump filter_a_b",  # : is no identifier character
        "jump filter_filter_input",  # the name of a base chain
    ]
    assert chain_rules(output, "nat_prerouting") == ["jump nat_LOGDROP"]
    assert "\t# iptables chain log (table filter)\n\tchain filter_log {" in output
    nft_check(output)


def test_chain_names_are_nft_identifiers_and_not_keywords():
    names = ChainNames()
    names.assign([("filter", "INPUT", True, None), ("filter", "counter", False, None),
                  ("filter", "9lives", False, None), ("filter", "tcp", False, None)])
    assigned = [names.get("filter", c) for c in ("INPUT", "counter", "9lives", "tcp")]
    assert assigned == ["filter_input", "filter_counter", "filter_9lives", "filter_tcp"]
    assert all(is_identifier(n) for n in assigned)
    assert {"log", "counter", "accept", "ip", "tcp", "meta", "jump"} <= KEYWORDS


def test_nft_refuses_keywords_as_chain_names_and_takes_the_others():
    # the list is nft's own: a chain called so does not parse, one prefixed does
    bad = "table ip t {\n\tchain log {\n\t}\n}\n"
    with pytest.raises(AssertionError):
        nft_check(bad)
    nft_check("table ip t {\n\tchain filter_log {\n\t}\n\tchain input {\n\t}\n\tchain LOG {\n\t}\n}\n")


def test_counters_from_the_dump_only_with_counters():
    text = ("*filter\n:INPUT DROP [10:2000]\n[5:300] -A INPUT -p tcp --dport 22 -j ACCEPT\n"
            "-A INPUT -j DROP\nCOMMIT\n")
    output, _ = translated(text)
    assert chain_rules(output, "filter_input") == ["tcp dport 22 accept", "drop"]
    output, _ = translated(text, counters=True)
    assert chain_rules(output, "filter_input") == ["tcp dport 22 counter packets 5 bytes 300 accept",
                                                   "counter packets 0 bytes 0 drop"]
    nft_check(output)


def test_comments_are_kept_and_cut_to_what_nft_holds():
    long = "x" * 130
    output, findings = translated(filter_rules('-A INPUT -m comment --comment "from the office" -j ACCEPT',
                                               f"-A INPUT -m comment --comment {long} -j DROP"))
    assert chain_rules(output, "filter_input") == ['accept comment "from the office"',
                                                   f'drop comment "{"x" * 128}"']
    assert findings == [f"6:10 FW602 the comment has 130 bytes; nft keeps 128: it is cut to '{'x' * 128}'"]
    nft_check(output)


def test_address_lists_are_one_rule_each_unless_the_target_ends_the_chain():
    output, _ = translated(filter_rules(
        "-A INPUT -s 192.0.2.1,198.51.100.0/24 -j ACCEPT",  # a set: same packets, same verdict
        "-A INPUT -s 192.0.2.0/24,192.0.2.7 -j DROP",  # overlapping: their union
        "-A INPUT -s 192.0.2.1,192.0.2.2 -j LOG",  # iptables logs a packet once per rule it matches
        "-A INPUT -s 192.0.2.1,192.0.2.2 -d 203.0.113.1,203.0.113.2 -j LOG"))
    assert chain_rules(output, "filter_input") == [
        "ip saddr { 192.0.2.1, 198.51.100.0/24 } accept",
        "ip saddr 192.0.2.0/24 drop",
        "ip saddr 192.0.2.1 log", "ip saddr 192.0.2.2 log",
        "ip saddr 192.0.2.1 ip daddr 203.0.113.1 log", "ip saddr 192.0.2.1 ip daddr 203.0.113.2 log",
        "ip saddr 192.0.2.2 ip daddr 203.0.113.1 log", "ip saddr 192.0.2.2 ip daddr 203.0.113.2 log",
    ]
    nft_check(output)
    _, findings = translated(filter_rules("-A INPUT ! -s 192.0.2.1,192.0.2.2 -j DROP"))
    # iptables refuses ! with a list (the validity rule's words are its own)
    assert len(findings) == 1 and findings[0].startswith("5:1 FW601 iptables refuses this rule (FW108 ")


def test_host_names_are_an_error_unless_resolved():
    source = filter_rules("-A INPUT -s localhost -j ACCEPT")
    output, findings = translated(source)
    assert findings == ["5:10 FW601 localhost is a host name: nft would look it up once, with the loading "
                        "host's DNS, when the rules are loaded, so what the translation means would "
                        "depend on DNS then; write the address, or translate with --resolve to look it "
                        "up now"]
    output, findings = translated(source, resolve=True)
    assert findings == []
    assert chain_rules(output, "filter_input") == ["ip saddr 127.0.0.1 accept"]


IPSETS = """\
create blocklist hash:net family inet hashsize 1024 maxelem 65536
add blocklist 192.0.2.0/24
add blocklist 198.51.100.7
create services hash:ip,port family inet hashsize 1024 maxelem 65536
add services 192.0.2.10,tcp:80
add services 192.0.2.10,udp:53
create known6 hash:ip family inet6 timeout 300
add known6 2001:db8::1 timeout 120 comment "ns1"
create parts list:set size 8
"""


def test_ipsets_become_named_sets():
    sets = read_ipset_text(IPSETS)
    source = filter_rules("-A INPUT -m set --match-set blocklist src -j DROP",
                          "-A INPUT -m set ! --match-set services dst,dst -j DROP",
                          "-A FORWARD -m set --match-set parts src -j DROP")
    output, findings = translated(source, ipsets=sets)
    assert findings == ["7:19 FW601 ipset 'parts': type list:set has no nft form"]
    assert chain_rules(output, "filter_input") == [
        "ip saddr @blocklist drop",
        "ip daddr . meta l4proto . th dport != @services drop",
    ]
    assert ("\t# ipset blocklist (hash:net)\n\tset blocklist {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
            "\t\telements = { 192.0.2.0/24,\n\t\t\t     198.51.100.7 }\n\t}") in output
    assert ("\tset services {\n\t\ttype ipv4_addr . inet_proto . inet_service\n"
            "\t\telements = { 192.0.2.10 . tcp . 80,\n\t\t\t     192.0.2.10 . udp . 53 }\n\t}") in output
    nft_check(output)
    v6, findings = translated("*filter\n:INPUT DROP [0:0]\n"
                              "-A INPUT -m set --match-set known6 src -j ACCEPT\nCOMMIT\n",
                              "rules.v6", ipsets=sets)
    assert findings == []
    assert ('\tset known6 {\n\t\ttype ipv6_addr\n\t\tflags timeout\n\t\ttimeout 300s\n'
            '\t\telements = { 2001:db8::1 timeout 120s comment "ns1" }\n\t}') in v6
    nft_check(v6)


def test_an_ipset_of_the_other_family_is_refused():
    sets = read_ipset_text(IPSETS)
    _, findings = translated(filter_rules("-A INPUT -m set --match-set known6 src -j DROP"), ipsets=sets)
    assert findings == ["5:17 FW601 ipset 'known6' holds IPv6 entries, used in an IPv4 rule"]


def test_two_rulesets_of_one_family_are_refused():
    rulesets = parse_text(filter_rules("-A INPUT -j ACCEPT"), "a.v4") + \
        parse_text(filter_rules("-A INPUT -j DROP"), "b.v4")
    with pytest.raises(TranslateError, match="two IPv4 rulesets"):
        translate(rulesets)


def test_a_dual_family_file_gives_a_table_each():
    source = "*filter\n:INPUT DROP [0:0]\n-4 -A INPUT -s 192.0.2.1 -j ACCEPT\n" \
             "-6 -A INPUT -s 2001:db8::1 -j ACCEPT\n" \
             "-A INPUT -i lo -j ACCEPT\nCOMMIT\n"
    result = translate(parse_text(source, "rules"), Options())
    output = to_text(result.tables)
    assert [t.family for t in result.tables] == ["ip", "ip6"]
    assert output.count("table ip fwlint {") == 1 and output.count("table ip6 fwlint {") == 1
    assert chain_rules(output.split("table ip6")[0], "filter_input") == ["ip saddr 192.0.2.1 accept",
                                                                         'iifname "lo" accept']
    nft_check(output)


def test_a_table_name_of_ones_own():
    result = translate(parse_text(filter_rules("-A INPUT -j ACCEPT"), "rules.v4"), Options(table="edge"))
    assert to_text(result.tables).startswith("table ip edge\ndelete table ip edge\ntable ip edge {\n")
