"""``--family inet``: an IPv4 and an IPv6 ruleset in one inet table."""

from __future__ import annotations

from fwlint.nft import translate
from fwlint.nft.emitter import Options
from fwlint.nft.render import to_json, to_text
from fwlint.parse import parse_text
from tests.nft.conftest import nft_check, nft_listing
from tests.nft.test_translator_bugs import chain_rules

V4 = """\
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 192.0.2.10:8080
-A POSTROUTING -o eth0 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:svc - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -s 192.0.2.0/24 -j svc
-A INPUT -p icmp --icmp-type echo-request -j ACCEPT
-A INPUT -j LOG --log-prefix "in: "
-A svc -p tcp --dport 22 -j ACCEPT
-A svc -j REJECT --reject-with icmp-admin-prohibited
COMMIT
"""

V6 = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:svc - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -s 2001:db8::/32 -j svc
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -j LOG --log-prefix "in: "
-A svc -p tcp --dport 22 -j ACCEPT
-A svc -j REJECT --reject-with icmp6-adm-prohibited
COMMIT
"""


def inet(v4: str, v6: str, **options) -> str:
    rulesets = parse_text(v4, "rules.v4") + parse_text(v6, "rules.v6")
    result = translate(rulesets, Options(**options), "inet")
    assert result.diagnostics == []
    return to_text(result.tables)


def test_rules_both_families_agree_on_are_written_once():
    output = inet(V4, V6)
    assert output.startswith("table inet fwlint\ndelete table inet fwlint\ntable inet fwlint {\n")
    assert chain_rules(output, "filter_input") == [
        'iifname "lo" accept',
        "ct state established,related accept",
        "ip saddr 192.0.2.0/24 jump svc",  # ip saddr: IPv4 only, nft says so itself
        "meta nfproto ipv4 icmp type echo-request accept",
        "ip6 saddr 2001:db8::/32 jump svc",
        "meta nfproto ipv6 meta l4proto icmpv6 accept",
        'log prefix "in: "',
    ]
    # both families' REJECTs are icmpx admin-prohibited: one rule
    assert chain_rules(output, "svc") == ["tcp dport 22 accept", "reject with icmpx admin-prohibited"]
    # NAT of one family: qualified, and dnat names the family as nft needs in an inet table
    assert chain_rules(output, "nat_prerouting") == [
        "meta nfproto ipv4 tcp dport 80 dnat ip to 192.0.2.10:8080"]
    assert chain_rules(output, "nat_postrouting") == ['meta nfproto ipv4 oifname "eth0" masquerade']
    nft_check(output)


def test_policies_that_differ_send_each_family_to_its_own_chain():
    v6 = V6.replace(":INPUT DROP", ":INPUT ACCEPT").replace('-A INPUT -j LOG --log-prefix "in: "\n',
                                                            "-A INPUT -j RETURN\n")
    output = inet(V4, v6)
    # jump, not goto: whatever leaves the family's chain comes back here, to its policy
    assert chain_rules(output, "filter_input") == [
        "meta nfproto vmap { ipv4 : jump filter_input_ipv4, ipv6 : jump filter_input_ipv6 }",
        "meta nfproto ipv4 drop"]
    assert "type filter hook input priority filter; policy accept;" in output.split("chain filter_input {")[1]
    assert ("\t# iptables filter INPUT for IPv4 (policy DROP, applied in filter_input)\n"
            "\tchain filter_input_ipv4 {\n") in output
    assert chain_rules(output, "filter_input_ipv4")[-1] == 'log prefix "in: "'  # no policy of its own
    # RETURN in a built-in chain is the policy: back to the base chain, here ACCEPT for IPv6
    assert chain_rules(output, "filter_input_ipv6")[-1] == "return"
    nft_check(output)


def test_a_family_without_the_table_passes_its_base_chains():
    output = inet(V4, "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n")
    # the IPv6 INPUT accepts by policy and has no rules, IPv4's drops: IPv4 jumps to its chain
    assert chain_rules(output, "filter_input") == [
        "meta nfproto vmap { ipv4 : jump filter_input_ipv4 }", "meta nfproto ipv4 drop"]
    # FORWARD: IPv4 DROP without rules, IPv6 none (ACCEPT): the policy alone, no chain to jump to
    assert chain_rules(output, "filter_forward") == ["meta nfproto ipv4 drop"]
    assert "filter_forward_ipv4" not in output
    nft_check(output)


def test_counters_of_merged_rules_add_up():
    v4 = "*filter\n:INPUT ACCEPT [0:0]\n[3:300] -A INPUT -i lo -j ACCEPT\nCOMMIT\n"
    v6 = "*filter\n:INPUT ACCEPT [0:0]\n[4:400] -A INPUT -i lo -j ACCEPT\nCOMMIT\n"
    output = inet(v4, v6, counters=True)
    assert chain_rules(output, "filter_input") == ['iifname "lo" counter packets 7 bytes 700 accept']


def test_the_json_says_what_the_text_says():
    rulesets = parse_text(V4, "rules.v4") + parse_text(V6, "rules.v6")
    text = to_text(translate(rulesets, Options(), "inet").tables)
    data = to_json(translate(rulesets, Options(output_format="json"), "inet").tables)
    nft_check(data, json_input=True)
    assert nft_listing(text) == nft_listing(data, json_input=True)
