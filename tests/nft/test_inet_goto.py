"""``--family inet`` when the families' policies differ: every way out of a built-in chain that
iptables ends with the chain's policy (running off its end, RETURN, a chain reached by ``-g``
running off its end or returning, gotos in a row) ends with that family's policy in nft too.

The base chain jumps (not goes) to the family's chain, so nft comes back to it, where the
policies are, from all of those.  The same rulesets are checked on the kernel in
tests/kernel/test_translate_verify.py (``test_inet_goto*``).
"""

from __future__ import annotations

from fwlint.nft import translate
from fwlint.nft.emitter import Options
from fwlint.nft.render import to_json, to_text
from fwlint.parse import parse_text
from tests.nft.conftest import nft_check, nft_listing
from tests.nft.test_translator_bugs import chain_rules

SMALLEST_V4 = """\
*filter
:INPUT DROP [0:0]
:u - [0:0]
-A INPUT -p tcp -g u
-A u -p tcp --dport 9 -j ACCEPT
COMMIT
"""

SMALLEST_V6 = """\
*filter
:INPUT ACCEPT [0:0]
COMMIT
"""


def inet(v4: str, v6: str, **options) -> str:
    rulesets = parse_text(v4, "rules.v4", family=4) + parse_text(v6, "rules.v6", family=6)
    result = translate(rulesets, Options(**options), "inet")
    assert [d.message for d in result.diagnostics] == []
    return to_text(result.tables)


def test_the_smallest_case_comes_back_to_the_ipv4_policy():
    output = inet(SMALLEST_V4, SMALLEST_V6)
    assert output == """\
table inet fwlint
delete table inet fwlint
table inet fwlint {
\tchain filter_input {
\t\ttype filter hook input priority filter; policy accept;
\t\tmeta nfproto vmap { ipv4 : jump filter_input_ipv4 }
\t\tmeta nfproto ipv4 drop
\t}

\t# iptables filter INPUT for IPv4 (policy DROP, applied in filter_input)
\tchain filter_input_ipv4 {
\t\tmeta l4proto tcp goto u
\t}

\tchain u {
\t\ttcp dport 9 accept
\t}
}
"""
    nft_check(output)


def test_the_smallest_case_in_json_says_the_same():
    rulesets = parse_text(SMALLEST_V4, "rules.v4", family=4) + parse_text(SMALLEST_V6, "rules.v6", family=6)
    text = to_text(translate(rulesets, Options(), "inet").tables)
    data = to_json(translate(rulesets, Options(output_format="json"), "inet").tables)
    nft_check(data, json_input=True)
    assert nft_listing(text) == nft_listing(data, json_input=True)


def test_the_family_with_the_drop_policy_may_be_ipv6():
    v6 = SMALLEST_V4.replace("--dport 9", "--dport 9 -s 2001:db8::/32")
    v4 = "*filter\n:INPUT ACCEPT [0:0]\n:u - [0:0]\n-A INPUT -p udp -g u\n-A u -j RETURN\nCOMMIT\n"
    output = inet(v4, v6)
    assert chain_rules(output, "filter_input") == [
        "meta nfproto vmap { ipv4 : jump filter_input_ipv4, ipv6 : jump filter_input_ipv6 }",
        "meta nfproto ipv6 drop"]
    assert chain_rules(output, "filter_input_ipv4") == ["meta l4proto udp goto u"]
    assert chain_rules(output, "filter_input_ipv6") == ["meta l4proto tcp goto u"]
    # one chain u for both families, each family's rules marked
    assert chain_rules(output, "u") == ["meta nfproto ipv4 return",
                                        "ip6 saddr 2001:db8::/32 tcp dport 9 accept"]
    nft_check(output)


RETURNS_V4 = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:u - [0:0]
:w - [0:0]
-A INPUT -p tcp --dport 7 -j RETURN
-A INPUT -p tcp -g u
-A INPUT -p udp -j u
-A INPUT -p udp --dport 99 -j ACCEPT
-A FORWARD -g w
-A u -p tcp --dport 9 -j ACCEPT
-A u -p tcp --dport 10 -j RETURN
-A u -p tcp --dport 11:12 -g w
-A u -p udp --dport 53 -g w
-A w -p tcp --dport 11 -j ACCEPT
-A w -p udp --dport 53 -j RETURN
-A w -p udp -j ACCEPT
COMMIT
"""

RETURNS_V6 = """\
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:u - [0:0]
:w - [0:0]
-A INPUT -p tcp --dport 7 -j RETURN
-A INPUT -p tcp -g u
-A INPUT -p udp -j u
-A INPUT -p udp --dport 99 -j DROP
-A FORWARD -g w
-A u -p tcp --dport 9 -j ACCEPT
-A u -p tcp --dport 10 -j RETURN
-A u -p tcp --dport 11:12 -g w
-A u -p udp --dport 53 -g w
-A w -p tcp --dport 11 -j DROP
-A w -p udp --dport 53 -j RETURN
-A w -p udp -j ACCEPT
COMMIT
"""


def test_returns_and_gotos_in_a_row_in_chains_both_families_share():
    """RETURN in the built-in chain, in a goto'd chain and in a chain goto'd from a goto'd one
    is ``return``: back to the base chain, which applies the family's policy; a ``-j u`` (not
    goto) comes back to the family's chain as in iptables."""
    output = inet(RETURNS_V4, RETURNS_V6)
    assert chain_rules(output, "filter_input") == [
        "meta nfproto vmap { ipv4 : jump filter_input_ipv4, ipv6 : jump filter_input_ipv6 }",
        "meta nfproto ipv4 drop"]
    expected_input = ["tcp dport 7 return", "meta l4proto tcp goto u", "meta l4proto udp jump u"]
    assert chain_rules(output, "filter_input_ipv4") == [*expected_input, "udp dport 99 accept"]
    assert chain_rules(output, "filter_input_ipv6") == [*expected_input, "udp dport 99 drop"]
    assert chain_rules(output, "filter_forward") == [
        "meta nfproto vmap { ipv4 : jump filter_forward_ipv4, ipv6 : jump filter_forward_ipv6 }",
        "meta nfproto ipv4 drop"]
    assert chain_rules(output, "filter_forward_ipv4") == ["goto w"]
    assert chain_rules(output, "filter_forward_ipv6") == ["goto w"]
    assert chain_rules(output, "u") == ["tcp dport 9 accept", "tcp dport 10 return", "tcp dport 11-12 goto w",
                                        "udp dport 53 goto w"]
    assert chain_rules(output, "w") == ["meta nfproto ipv4 tcp dport 11 accept",
                                        "meta nfproto ipv6 tcp dport 11 drop",
                                        "udp dport 53 return", "meta l4proto udp accept"]
    nft_check(output)


NAT_MANGLE_V4 = """\
*nat
:PREROUTING DROP [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:n - [0:0]
-A PREROUTING -p tcp -g n
-A n -p tcp --dport 9 -j RETURN
-A n -p tcp --dport 8080 -j DNAT --to-destination 198.51.100.10:80
-A n -p tcp --dport 22 -j ACCEPT
COMMIT
*mangle
:PREROUTING DROP [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:m - [0:0]
-A PREROUTING -p udp -g m
-A PREROUTING -p tcp -j ACCEPT
-A m -p udp --dport 53 -j ACCEPT
-A m -p udp --dport 54 -j MARK --set-mark 0x5
COMMIT
"""

NAT_MANGLE_V6 = """\
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:m - [0:0]
-A PREROUTING -p udp -g m
-A m -p udp --dport 53 -j ACCEPT
COMMIT
"""


def test_nat_and_mangle_base_chains_apply_the_family_policy_too():
    output = inet(NAT_MANGLE_V4, NAT_MANGLE_V6)
    assert chain_rules(output, "mangle_prerouting") == [
        "meta nfproto vmap { ipv4 : jump mangle_prerouting_ipv4, ipv6 : jump mangle_prerouting_ipv6 }",
        "meta nfproto ipv4 drop"]
    assert chain_rules(output, "mangle_prerouting_ipv4") == ["meta l4proto udp goto m",
                                                            "meta l4proto tcp accept"]
    assert chain_rules(output, "mangle_prerouting_ipv6") == ["meta l4proto udp goto m"]
    assert chain_rules(output, "m") == ["udp dport 53 accept",
                                        "meta nfproto ipv4 udp dport 54 meta mark set 0x5"]
    # the other mangle chains agree (ACCEPT, no rules): one base chain each, not dispatched
    assert chain_rules(output, "mangle_input") == []
    assert chain_rules(output, "nat_prerouting") == [
        "meta nfproto vmap { ipv4 : jump nat_prerouting_ipv4 }", "meta nfproto ipv4 drop"]
    assert chain_rules(output, "nat_prerouting_ipv4") == ["meta l4proto tcp goto n"]
    assert chain_rules(output, "n") == ["tcp dport 9 return", "tcp dport 8080 dnat ip to 198.51.100.10:80",
                                        "tcp dport 22 accept"]
    nft_check(output)


def test_optimize_keeps_the_jump_and_the_policies():
    output = inet(RETURNS_V4, RETURNS_V6, optimize=True)
    assert chain_rules(output, "filter_input") == [
        "meta nfproto vmap { ipv4 : jump filter_input_ipv4, ipv6 : jump filter_input_ipv6 }",
        "meta nfproto ipv4 drop"]
    assert chain_rules(output, "filter_forward")[-1] == "meta nfproto ipv4 drop"
    nft_check(output)


def test_policies_that_agree_need_no_family_chain_even_with_gotos():
    v6 = SMALLEST_V4.replace("--dport 9", "--dport 10")
    output = inet(SMALLEST_V4, v6)
    assert "policy drop;" in output.split("chain filter_input {")[1].split("}")[0]
    assert chain_rules(output, "filter_input") == ["meta l4proto tcp goto u"]
    assert chain_rules(output, "u") == ["meta nfproto ipv4 tcp dport 9 accept",
                                        "meta nfproto ipv6 tcp dport 10 accept"]
    assert "_ipv4" not in output and "_ipv6" not in output
    nft_check(output)
