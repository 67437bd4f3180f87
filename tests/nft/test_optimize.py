"""``--optimize``: adjacent rules of one shape merged into sets, concatenations, verdict maps."""

from __future__ import annotations

from fwlint.nft import translate
from fwlint.nft.emitter import Options
from fwlint.nft.render import to_json, to_text
from fwlint.parse import parse_text
from tests.nft.conftest import nft_check, nft_listing
from tests.nft.test_translator_bugs import chain_rules, filter_rules, translated


def optimized(*rules: str, **options) -> list[str]:
    output, findings = translated(filter_rules(*rules), optimize=True, **options)
    assert findings == []
    nft_check(output)
    return chain_rules(output, "filter_input")


def test_ports_into_a_set_keeping_comments():
    assert optimized("-A INPUT -p tcp --dport 22 -m comment --comment ssh -j ACCEPT",
                     "-A INPUT -p tcp --dport 80 -m comment --comment web -j ACCEPT",
                     "-A INPUT -p tcp --dport 443 -m comment --comment web -j ACCEPT") == [
        'tcp dport { 22 comment "ssh", 80 comment "web", 443 comment "web" } accept']
    # one comment for all stays the rule's
    assert optimized("-A INPUT -p tcp --dport 22 -m comment --comment admin -j ACCEPT",
                     "-A INPUT -p tcp --dport 2222 -m comment --comment admin -j ACCEPT") == [
        'tcp dport { 22, 2222 } accept comment "admin"']


def test_several_fields_into_a_concatenation():
    assert optimized("-A INPUT -s 198.51.100.1 -p tcp --dport 25 -j ACCEPT",
                     "-A INPUT -s 198.51.100.2 -p tcp --dport 587 -j ACCEPT") == [
        "ip saddr . tcp dport { 198.51.100.1 . 25, 198.51.100.2 . 587 } accept"]


def test_verdicts_into_a_verdict_map():
    assert optimized("-A INPUT -s 192.0.2.1 -j ACCEPT",
                     "-A INPUT -s 192.0.2.2 -j DROP",
                     "-A INPUT -s 192.0.2.3 -m comment --comment later -j RETURN") == [
        'ip saddr vmap { 192.0.2.1 : accept, 192.0.2.2 : drop, 192.0.2.3 comment "later" : return }']


def test_what_is_not_merged():
    assert optimized(
        # overlapping values of a rule that does not end the chain: logged twice in iptables
        "-A INPUT -s 10.0.0.0/8 -j LOG", "-A INPUT -s 10.1.0.0/16 -j LOG",
        # overlapping, ending the chain: the union does the same
        "-A INPUT -s 10.0.0.0/8 -j DROP", "-A INPUT -s 10.1.0.0/16 -j DROP",
        # each rule its own limit
        "-A INPUT -p udp --dport 1 -m limit --limit 1/s -j ACCEPT",
        "-A INPUT -p udp --dport 2 -m limit --limit 1/s -j ACCEPT",
        # a pattern is no set member
        "-A INPUT -i eth+ -j ACCEPT", "-A INPUT -i ppp0 -j ACCEPT",
        # a verdict map needs disjoint keys
        "-A INPUT -s 192.0.2.0/24 -j ACCEPT", "-A INPUT -s 192.0.2.7 -j DROP") == [
        "ip saddr 10.0.0.0/8 log", "ip saddr 10.1.0.0/16 log",
        "ip saddr 10.0.0.0/8 drop",
        "udp dport 1 limit rate 1/second burst 5 packets accept",
        "udp dport 2 limit rate 1/second burst 5 packets accept",
        'iifname "eth*" accept', 'iifname "ppp0" accept',
        "ip saddr 192.0.2.0/24 accept", "ip saddr 192.0.2.7 drop",
    ]


def test_counters_of_merged_rules_add_up():
    output, _ = translated("*filter\n:INPUT DROP [0:0]\n[1:10] -A INPUT -p tcp --dport 22 -j ACCEPT\n"
                           "[2:20] -A INPUT -p tcp --dport 80 -j ACCEPT\nCOMMIT\n",
                           optimize=True, counters=True)
    assert chain_rules(output, "filter_input") == ["tcp dport { 22, 80 } counter packets 3 bytes 30 accept"]


def test_the_json_says_what_the_text_says():
    source = filter_rules("-A INPUT -p tcp --dport 22 -m comment --comment ssh -j ACCEPT",
                          "-A INPUT -p tcp --dport 80 -m comment --comment web -j ACCEPT",
                          "-A INPUT -s 192.0.2.1 -m comment --comment a -j ACCEPT",
                          "-A INPUT -s 192.0.2.2 -j DROP",
                          "-A INPUT -s 198.51.100.1 -p tcp --dport 25 -j ACCEPT",
                          "-A INPUT -s 198.51.100.2 -p tcp --dport 587 -j ACCEPT")
    rulesets = parse_text(source, "rules.v4")
    text = to_text(translate(rulesets, Options(optimize=True)).tables)
    data = to_json(translate(rulesets, Options(optimize=True, output_format="json")).tables)
    assert nft_listing(text) == nft_listing(data, json_input=True)
