"""Header fields as BDDs: each encoding holds exactly the packets it should, in few nodes."""

from __future__ import annotations

import ipaddress

import pytest

from fwlint.analysis import build_model
from fwlint.analysis.fields import Encoding, InterfaceSymbols
from fwlint.parse import parse_text

BASE = {"family": 4, "proto": 6, "src": "198.51.100.1", "dst": "192.0.2.1", "sport": 40000,
        "dport": 22, "iif": "eth0", "oif": "", "ctstate": "NEW", "snat": False, "dnat": False,
        "ctstatus": set(), "tcpflags": {"SYN"}, "icmptype": 0, "icmpcode": 0, "frag": False,
        "mark": 0, "ctmark": 0, "length": 60, "ttl": 64, "tos": 0, "pkttype": "unicast",
        "srctype": {"UNICAST"}, "dsttype": {"LOCAL"}, "hasmac": True, "mac": "02:00:00:00:00:01"}


def packet(**changes):
    out = dict(BASE)
    out.update(changes)
    return out


def rule_model(rule: str, family: int = 4, chain: str = "FORWARD", table: str = "filter"):
    """The RuleModel of one rule in a ruleset of its own (and the model)."""
    text = f"*{table}\n-A {chain} {rule}\nCOMMIT\n"
    model = build_model(parse_text(text, "rules.v6" if family == 6 else "rules.v4")[0])
    rm = model.table(table).rules[chain][0]
    assert rm.excluded is None, rm.excluded
    return model, rm


def matches(rule: str, family: int = 4, chain: str = "FORWARD", **fields) -> bool:
    model, rm = rule_model(rule, family, chain)
    assert rm.exact, rm.approximations
    answer = model.encoding.holds(rm.upper, packet(**fields))
    assert answer is not None
    return answer


@pytest.fixture(scope="module")
def enc() -> Encoding:
    return Encoding(4, InterfaceSymbols(["eth0", "eth+", "wlan0", "ethx+"]))


def count(enc: Encoding, u, field: str) -> int:
    """Values of ``field`` in ``u`` (u must depend on that field only)."""
    return int(enc.bdd.count(u, enc.widths[field]))


# --- prefixes and ranges --------------------------------------------------------------------

def test_prefix_is_one_node_per_fixed_bit(enc):
    u = enc.network("src", ipaddress.ip_network("192.0.2.0/24"))
    assert len(u) == 24 + 1  # 24 tested bits and the constant
    assert count(enc, u, "src") == 256
    assert enc.holds(u, {"src": "192.0.2.255"}) is True
    assert enc.holds(u, {"src": "192.0.3.0"}) is False
    assert enc.network("src", ipaddress.ip_network("0.0.0.0/0")) == enc.true


def test_port_range_has_linear_size_and_exact_bounds(enc):
    for low, high in [(1024, 65535), (0, 1023), (22, 22), (1000, 2000), (1, 65534), (32767, 32768)]:
        u = enc.range("dport", low, high)
        assert count(enc, u, "dport") == high - low + 1
        assert len(u) <= 2 * 16 + 1
        for port in {low, high, max(low - 1, 0), min(high + 1, 65535), (low + high) // 2}:
            assert enc.holds(u, {"dport": port}) is (low <= port <= high), (low, high, port)
    assert enc.range("dport", 0, 65535) == enc.true
    assert enc.range("dport", 5, 4) == enc.false


def test_byte_pieces_from_half_bytes_are_the_bit_by_bit_ones():
    """An 8-bit value or order piece is built from two cached 4-bit ones: the same set as the
    one built bit by bit, for every value of a byte, under full, partial and empty masks."""
    enc = Encoding(4, InterfaceSymbols(["eth0"]), scratch=True)
    names = enc.names["dport"]

    def bit_by_bit(start: int, value: int, mask: int):
        u = enc.true
        for i in range(8):
            bit = 1 << (7 - i)
            if mask & bit:
                v = enc.var(names[start + i])
                u &= v if value & bit else ~v
        return u

    compare = {"ge": int.__ge__, "gt": int.__gt__, "le": int.__le__, "lt": int.__lt__}
    for start in (0, 8):
        each = [bit_by_bit(start, x, 0xFF) for x in range(256)]
        for value in range(256):
            for mask in (0xFF, 0xF0, 0x0F, 0x5A, 0):
                assert enc._piece("dport", start, 8, value & mask, mask) == bit_by_bit(start, value & mask, mask)
            for kind, holds in compare.items():
                want = enc.false
                for x in range(256):
                    if holds(x, value):
                        want |= each[x]
                assert enc._order_piece("dport", start, 8, value, kind) == want, (start, value, kind)


def test_address_range_over_32_bits(enc):
    lo, hi = int(ipaddress.ip_address("192.0.2.10")), int(ipaddress.ip_address("198.51.100.20"))
    u = enc.range("src", lo, hi)
    assert count(enc, u, "src") == hi - lo + 1
    assert len(u) <= 2 * 32 + 1
    assert enc.holds(u, {"src": "192.0.2.9"}) is False
    assert enc.holds(u, {"src": "192.0.2.10"}) is True
    assert enc.holds(u, {"src": "198.51.100.20"}) is True
    assert enc.holds(u, {"src": "198.51.100.21"}) is False


def test_value_under_mask(enc):
    u = enc.masked("mark", 0x10, 0xF0)
    assert count(enc, u, "mark") == 2 ** 28
    assert enc.holds(u, {"mark": 0x1F}) is True
    assert enc.holds(u, {"mark": 0x20}) is False
    assert enc.masked("mark", 0x11, 0xF0) == enc.false  # a bit outside the mask: never


# --- interfaces -----------------------------------------------------------------------------

def test_interface_symbols_cover_names_prefixes_and_the_rest(enc):
    syms = enc.interfaces
    assert [s for s in syms.symbols] == [("other", ""), ("name", "eth0"), ("name", "wlan0"),
                                         ("prefix", "eth"), ("prefix", "ethx")]
    assert syms.symbol_of("eth0") == syms.code[("name", "eth0")]
    assert syms.symbol_of("eth7") == syms.code[("prefix", "eth")]
    assert syms.symbol_of("ethx1") == syms.code[("prefix", "ethx")]  # the longest prefix
    assert syms.symbol_of("ppp0") == syms.symbol_of("") == 0
    for code in range(len(syms)):
        assert syms.symbol_of(syms.example(code)) == code


@pytest.mark.parametrize("pattern,name,expected", [
    ("eth+", "eth0", True), ("eth+", "eth9", True), ("eth+", "ethx0", True), ("eth+", "eth", True),
    ("eth+", "wlan0", False), ("eth+", "", False), ("eth+", "et", False),
    ("eth0", "eth0", True), ("eth0", "eth00", False), ("eth0", "eth1", False),
    ("ethx+", "ethx5", True), ("ethx+", "eth5", False), ("+", "", True), ("+", "anything", True),
    ("wlan0", "wlan0", True), ("wlan0", "wlan1", False),
])
def test_interface_patterns(enc, pattern, name, expected):
    assert enc.holds(enc.interface("iif", pattern), {"iif": name}) is expected


def test_interface_wildcards_through_a_rule():
    assert matches("-i eth+ -j DROP", iif="eth3")
    assert not matches("-i eth+ -j DROP", iif="lo")
    assert matches("! -i eth+ -j DROP", iif="lo")
    assert not matches("! -i eth+ -j DROP", iif="eth0")
    assert matches("-o br-+ -j DROP", oif="br-lan")
    assert not matches("-o br-+ -j DROP", oif="br0")


# --- protocols, ports, fragments --------------------------------------------------------------

def test_port_match_takes_neither_other_protocols_nor_later_fragments():
    assert matches("-p tcp --dport 22 -j DROP", dport=22)
    assert not matches("-p tcp --dport 22 -j DROP", dport=22, proto=17)
    assert not matches("-p tcp --dport 22 -j DROP", dport=22, frag=True)
    assert matches("-p tcp ! --dport 22 -j DROP", dport=23)
    assert not matches("-p tcp ! --dport 22 -j DROP", dport=23, frag=True)  # ! inverts only the port
    assert matches("-p tcp -j DROP", frag=True)  # -p alone takes fragments too


def test_multiport_lists_and_ranges():
    rule = "-p udp -m multiport --dports 53,123,5000:5010 -j ACCEPT"
    for port, expected in [(53, True), (123, True), (5000, True), (5010, True), (5011, False), (54, False)]:
        assert matches(rule, proto=17, dport=port) is expected
    assert matches("-p tcp -m multiport --ports 22,80 -j ACCEPT", sport=80, dport=1)
    assert matches("-p tcp -m multiport --ports 22,80 -j ACCEPT", sport=1, dport=22)
    assert not matches("-p tcp -m multiport --ports 22,80 -j ACCEPT", sport=1, dport=2)
    assert matches("-p tcp -m multiport ! --dports 22,80 -j ACCEPT", dport=443)
    assert not matches("-p tcp -m multiport ! --dports 22,80 -j ACCEPT", dport=80)
    assert not matches("-p tcp -m multiport ! --dports 22,80 -j ACCEPT", dport=443, frag=True)


def test_iprange():
    rule = "-m iprange --src-range 192.0.2.10-192.0.2.20 -j DROP"
    assert matches(rule, src="192.0.2.10")
    assert matches(rule, src="192.0.2.20")
    assert not matches(rule, src="192.0.2.21")
    assert matches("-m iprange ! --dst-range 192.0.2.10-192.0.2.20 -j DROP", dst="192.0.2.9")
    assert not matches("-m iprange ! --dst-range 192.0.2.10-192.0.2.20 -j DROP", dst="192.0.2.15")


def test_icmp_types_and_codes():
    assert matches("-p icmp --icmp-type echo-request -j ACCEPT", proto=1, icmptype=8, icmpcode=0)
    assert not matches("-p icmp --icmp-type echo-request -j ACCEPT", proto=1, icmptype=0)
    assert matches("-p icmp --icmp-type port-unreachable -j ACCEPT", proto=1, icmptype=3, icmpcode=3)
    assert not matches("-p icmp --icmp-type port-unreachable -j ACCEPT", proto=1, icmptype=3, icmpcode=1)
    assert matches("-p icmp --icmp-type any -j ACCEPT", proto=1, icmptype=200)
    assert matches("-p ipv6-icmp --icmpv6-type 128 -j ACCEPT", family=6, proto=58, icmptype=128,
                   src="2001:db8::1", dst="2001:db8::2")


# --- connection tracking ------------------------------------------------------------------------

def test_states_are_exclusive():
    model, both = rule_model("-m state --state NEW -m state --state ESTABLISHED -j ACCEPT")
    assert model.encoding.universe & both.upper == model.encoding.false
    assert matches("-m state --state NEW,ESTABLISHED -j ACCEPT", ctstate="ESTABLISHED")
    assert not matches("-m state --state NEW,ESTABLISHED -j ACCEPT", ctstate="RELATED")
    assert matches("-m state ! --state INVALID -j ACCEPT", ctstate="UNTRACKED")
    assert not matches("-m state ! --state INVALID -j ACCEPT", ctstate="INVALID")


def test_nat_states_need_a_connection():
    assert matches("-m conntrack --ctstate DNAT -j ACCEPT", ctstate="ESTABLISHED", dnat=True)
    assert not matches("-m conntrack --ctstate DNAT -j ACCEPT", ctstate="ESTABLISHED", dnat=False)
    assert not matches("-m conntrack --ctstate DNAT -j ACCEPT", ctstate="INVALID", dnat=True)


def test_conntrack_without_an_entry_matches_when_the_state_option_passes():
    # xt_conntrack: a packet without an entry (INVALID, UNTRACKED) passes the state test and
    # then matches if --ctstate was given, whatever the other options say
    rule = "-m conntrack --ctstate INVALID --ctstatus ASSURED -j DROP"
    assert matches(rule, ctstate="INVALID", ctstatus=set())
    assert not matches(rule, ctstate="NEW", ctstatus=set())
    assert matches(rule.replace("INVALID", "NEW"), ctstate="NEW", ctstatus={"ASSURED"})
    assert not matches("-m conntrack --ctstatus ASSURED -j DROP", ctstate="INVALID", ctstatus={"ASSURED"})
    assert not matches("-m conntrack ! --ctstatus ASSURED -j DROP", ctstate="UNTRACKED")
    assert matches("-m conntrack ! --ctstatus ASSURED -j DROP", ctstate="NEW", ctstatus={"CONFIRMED"})


def test_connmark_needs_a_connection():
    assert matches("-m connmark --mark 0x1/0xff -j ACCEPT", ctstate="NEW", ctmark=0x301)
    assert not matches("-m connmark --mark 0x1/0xff -j ACCEPT", ctstate="INVALID", ctmark=0x1)
    assert not matches("-m connmark ! --mark 0x1 -j ACCEPT", ctstate="UNTRACKED", ctmark=0)


# --- flags, marks, other fields -------------------------------------------------------------------

def test_tcp_flags():
    assert matches("-p tcp --syn -j DROP", tcpflags={"SYN"})
    assert matches("-p tcp --syn -j DROP", tcpflags={"SYN", "PSH", "ECE"})
    assert not matches("-p tcp --syn -j DROP", tcpflags={"SYN", "ACK"})
    assert matches("-p tcp ! --syn -j DROP", tcpflags={"SYN", "ACK"})
    assert matches("-p tcp --tcp-flags SYN,ACK ACK -j DROP", tcpflags={"ACK", "FIN"})
    assert not matches("-p tcp --tcp-flags SYN,ACK ACK -j DROP", tcpflags={"ACK", "SYN"})
    assert matches("-p tcp --tcp-flags ALL NONE -j DROP", tcpflags=0)
    assert not matches("-p tcp --tcp-flags ALL NONE -j DROP", tcpflags={"URG"})


def test_mark_value_and_mask():
    assert matches("-m mark --mark 0x10/0xf0 -j DROP", mark=0x1234_5618)
    assert not matches("-m mark --mark 0x10/0xf0 -j DROP", mark=0x20)
    assert matches("-m mark --mark 7 -j DROP", mark=7)
    assert not matches("-m mark --mark 7 -j DROP", mark=0x107)
    assert matches("-m mark ! --mark 7 -j DROP", mark=0x107)


def test_negation_of_builtin_options():
    assert matches("! -s 192.0.2.0/24 -j DROP", src="198.51.100.1")
    assert not matches("! -s 192.0.2.0/24 -j DROP", src="192.0.2.77")
    assert matches("! -p tcp -j DROP", proto=17)
    assert not matches("! -p tcp -j DROP", proto=6)
    assert matches("-f -j DROP", frag=True) and not matches("! -f -j DROP", frag=True)
    # a list is one kernel rule per address: any of them
    assert matches("-s 192.0.2.1,198.51.100.0/24 -j DROP", src="198.51.100.9")
    assert not matches("-s 192.0.2.1,198.51.100.0/24 -j DROP", src="192.0.2.2")


def test_other_fields():
    assert matches("-m length --length 0:99 -j DROP", length=99)
    assert not matches("-m length --length 0:99 -j DROP", length=100)
    assert matches("-m ttl --ttl-lt 2 -j DROP", ttl=1) and not matches("-m ttl --ttl-lt 2 -j DROP", ttl=2)
    assert matches("-m dscp --dscp-class EF -j DROP", tos=0xB8 | 1)
    assert matches("-m tos --tos 0x10/0x3f -j DROP", tos=0xD0)
    assert matches("-m pkttype --pkt-type broadcast -j DROP", pkttype="broadcast")
    assert matches("-m addrtype --dst-type LOCAL,BROADCAST -j DROP", dsttype={"BROADCAST"})
    assert not matches("-m addrtype --dst-type LOCAL -j DROP", dsttype={"UNICAST"})
    assert matches("-m mac --mac-source 02:00:00:00:00:01 -j DROP")
    assert not matches("-m mac ! --mac-source 02:00:00:00:00:02 -j DROP", hasmac=False)


def test_ipv6_prefix_uses_128_bits():
    assert matches("-s 2001:db8:1::/48 -j DROP", family=6, src="2001:db8:1:ffff::1", dst="2001:db8::1")
    assert not matches("-s 2001:db8:1::/48 -j DROP", family=6, src="2001:db8:2::1", dst="2001:db8::1")


def test_values_of_the_other_family_are_refused():
    text = "*filter\n-A INPUT -s 192.0.2.1 -j DROP\nCOMMIT\n"
    model = build_model(parse_text(text, "rules.v6")[0])
    rm = model.table("filter").rules["INPUT"][0]
    assert rm.excluded and "IPv4" in rm.excluded


def test_unmodelled_matches_are_bounded_both_ways():
    model, rm = rule_model("-p tcp --dport 22 -m limit --limit 3/min -j ACCEPT")
    enc = model.encoding
    assert not rm.exact and rm.approximations == ("-m limit",)
    assert rm.lower == enc.false
    assert enc.holds(rm.upper, packet(dport=22)) is True
    assert enc.holds(rm.upper, packet(dport=23)) is False
    model, rm = rule_model("-m recent --set --name seen -j ACCEPT")
    assert rm.exact and rm.upper == model.encoding.true  # --set alone always matches


# --- concrete packets ---------------------------------------------------------------------------

def test_sampled_packets_belong_to_the_set_and_round_trip(enc):
    u = enc.range("dport", 1000, 1010) & enc.interface("iif", "eth+") & enc.equals("proto", 6)
    samples = enc.sample(u, count=20, seed=3)
    assert len(samples) == 20
    for p in samples:
        assert 1000 <= p["dport"] <= 1010 and p["proto"] == 6
        assert enc.holds(u, p) is True
        assert enc.holds(enc.universe, p) is True
        assert enc.decode(enc.assignment(p)) == p
    assert enc.sample(enc.false, count=3) == []


def test_holds_says_when_a_field_is_missing(enc):
    u = enc.range("dport", 1, 5)
    assert enc.holds(u, {"dport": 3}) is True
    assert enc.holds(u & enc.equals("proto", 6), {"dport": 3}) is None
