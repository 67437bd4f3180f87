"""The extension declarations: concrete iptables facts, and the conventions every module keeps."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from fwlint.extensions import Extension, Registry, builtin_extensions
from fwlint.extensions.values import BadValue, ICMP_TYPE, ICMPV6_TYPE, SCTP_CHUNKS, SET_FLAGS
from fwlint.parse import parse_text

EXTENSIONS = builtin_extensions()
REGISTRY = Registry(EXTENSIONS)
KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def m(name: str) -> Extension:
    ext = REGISTRY.matches.get(name) if name != "builtin" else REGISTRY.builtin
    assert ext is not None, f"no match {name}"
    return ext


def t(name: str) -> Extension:
    ext = REGISTRY.target(name)
    assert ext is not None, f"no target {name}"
    return ext


# --- conventions --------------------------------------------------------------------------------

def test_names_are_unique_per_kind():
    keys = [(e.kind, e.name) for e in EXTENSIONS]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_every_extension_has_a_summary():
    assert [e.name for e in EXTENSIONS if not e.summary.strip()] == []


def test_option_names_are_lowercase_kebab_case():
    bad = [(e.name, n) for e in EXTENSIONS for spec in e.options for n in spec.long_names
           if not KEBAB.fullmatch(n)]
    assert bad == []


def test_long_names_are_unique_within_an_extension():
    for e in EXTENSIONS:
        names = [n for spec in e.options for n in spec.long_names]
        assert len(names) == len(set(names)), e.name


def test_value_types_agree_with_arity():
    for e in EXTENSIONS:
        for spec in e.options:
            assert spec.arity >= 0
            assert len(spec.value_types()) == spec.arity, (e.name, spec.name)


def test_kinds_families_and_places_are_well_formed():
    chains = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}
    tables = {"filter", "nat", "mangle", "raw", "security"}
    for e in EXTENSIONS:
        assert e.kind in ("match", "target")
        assert e.family in (None, 4, 6)
        assert e.chains is None or e.chains <= chains, e.name
        assert e.tables is None or e.tables <= tables, e.name
        if e.kind == "match":
            assert not e.terminal
        if e.protocols is not None and e.implied_by:
            # a protocol that loads the match must also satisfy it
            assert e.implied_by <= e.protocols, e.name


@pytest.mark.parametrize("package,kind", [("fwlint.extensions.matches", "match"),
                                          ("fwlint.extensions.targets", "target")])
def test_one_module_per_extension_named_after_it(package, kind):
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        assert (module.__doc__ or "").strip(), info.name
        if hasattr(module, "EXTENSIONS"):  # targets/standard.py: the built-in verdicts
            continue
        ext = module.EXTENSION
        assert ext.kind == kind
        assert ext.name == info.name


def test_implied_protocols_load_one_match_each():
    seen: dict[str, str] = {}
    for e in EXTENSIONS:
        for proto in e.implied_by:
            assert proto == proto.lower()
            assert proto not in seen, f"{proto} implies both {seen[proto]} and {e.name}"
            seen[proto] = e.name


# --- facts --------------------------------------------------------------------------------------

def test_tcp_flag_options():
    tcp = m("tcp")
    assert tcp.option("tcp-flags").arity == 2
    assert tcp.option("syn").arity == 0
    assert tcp.option("syn").invertible


def test_owner_is_for_locally_generated_packets():
    assert m("owner").chains == frozenset({"OUTPUT", "POSTROUTING"})
    assert m("owner").option("suppl-groups").arity == 0


def test_mac_only_sees_incoming_packets():
    assert m("mac").chains == frozenset({"PREROUTING", "INPUT", "FORWARD"})


def test_families():
    assert m("icmp").family == 4
    assert m("icmp6").family == 6
    assert m("ttl").family == 4
    assert m("hl").family == 6
    assert m("realm").family == 4
    for name in ("rt", "frag", "ipv6header", "hbh", "dst", "mh"):
        assert m(name).family == 6, name
    assert t("TTL").family == 4
    assert t("HL").family == 6
    assert t("ULOG").family == 4
    assert t("CLUSTERIP").family == 4
    assert t("DNPT").family == 6 and t("SNPT").family == 6
    assert m("conntrack").family is None and t("MASQUERADE").family is None


@pytest.mark.parametrize("proto,name", [
    ("tcp", "tcp"), ("6", "tcp"), ("udp", "udp"), ("icmp", "icmp"), ("1", "icmp"),
    ("ipv6-icmp", "icmp6"), ("icmpv6", "icmp6"), ("58", "icmp6"),
    ("sctp", "sctp"), ("132", "sctp"), ("dccp", "dccp"), ("33", "dccp"),
    ("ICMP", "icmp"),
])
def test_protocol_implies_match(proto, name):
    ext = REGISTRY.implied_match(proto)
    assert ext is not None and ext.name == name


def test_protocols_without_a_match_imply_nothing():
    assert REGISTRY.implied_match("icmp6") is None  # iptables 1.8.9: unknown protocol "icmp6"
    assert REGISTRY.implied_match("gre") is None
    assert REGISTRY.implied_match("all") is None
    assert REGISTRY.implied_match(None) is None


def test_protocol_requirements():
    assert m("icmp").protocols == frozenset({"icmp", "1"})
    assert "58" in m("icmp6").protocols
    assert m("tcpmss").protocols == frozenset({"tcp", "6"})
    assert t("TPROXY").protocols == frozenset({"tcp", "udp", "6", "17"})
    assert m("limit").protocols is None


def test_nat_targets():
    assert t("MASQUERADE").tables == frozenset({"nat"})
    assert t("MASQUERADE").chains == frozenset({"POSTROUTING"})
    assert t("SNAT").chains == frozenset({"POSTROUTING", "INPUT"})
    assert t("REDIRECT").chains == frozenset({"PREROUTING", "OUTPUT"})
    assert t("DNAT").chains == frozenset({"PREROUTING", "OUTPUT"})
    assert t("NETMAP").tables == frozenset({"nat"})


def test_table_bound_targets():
    for name in ("NOTRACK", "CT", "TRACE"):
        assert t(name).tables == frozenset({"raw"}), name
    for name in ("TPROXY", "DSCP", "TOS", "TTL", "HL", "CHECKSUM"):
        assert t(name).tables == frozenset({"mangle"}), name
    assert t("TPROXY").chains == frozenset({"PREROUTING"})
    for name in ("MARK", "TEE", "SYNPROXY"):  # accepted outside mangle/filter by current kernels
        assert t(name).tables is None, name
    assert t("REJECT").tables == frozenset({"filter"})  # mangle, raw and security refuse it
    assert t("REJECT").chains == frozenset({"INPUT", "FORWARD", "OUTPUT"})
    assert m("rpfilter").tables == frozenset({"raw", "mangle"})
    assert m("rpfilter").chains == frozenset({"PREROUTING"})


def test_terminal_targets():
    terminal = {e.name for e in EXTENSIONS if e.kind == "target" and e.terminal}
    assert terminal == {"ACCEPT", "DROP", "RETURN", "QUEUE", "REJECT", "DNAT", "SNAT", "MASQUERADE",
                        "REDIRECT", "NETMAP", "NFQUEUE", "TPROXY"}
    assert t("DNAT").terminal
    for name in ("LOG", "NFLOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TCPMSS", "SYNPROXY", "SET"):
        assert not t(name).terminal, name


def test_option_shapes():
    assert m("set").option("match-set").arity == 2
    assert m("set").option("set") is m("set").option("match-set")
    assert m("set").option("return-nomatch").arity == 0
    assert m("sctp").option("chunk-types").arity == 2
    assert m("sctp").option("dport") is m("sctp").option("destination-port")
    assert m("hashlimit").option("hashlimit") is m("hashlimit").option("hashlimit-upto")
    assert m("recent").option("set").arity == 0 and m("recent").option("set").invertible
    assert not m("limit").option("limit").invertible
    assert m("icmp").option("icmp-type").invertible
    assert m("icmp6").option("icmpv6-type") is not None
    assert m("ttl").option("ttl-eq").invertible and not m("ttl").option("ttl-gt").invertible
    assert m("time").option("localtz") is m("time").option("kerneltz")
    assert t("SET").option("add-set").arity == 2
    assert t("CONNMARK").option("save-mark").arity == 0
    assert t("NFQUEUE").option("queue-bypass").arity == 0
    assert t("MASQUERADE").option("to-ports").arity == 1


# --- value types --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("echo-request", (8, 0, 255)), ("ping", (8, 0, 255)), ("Echo-Reply", (0, 0, 255)),
    ("port-unreachable", (3, 3, 3)), ("8", (8, 0, 255)), ("3/4", (3, 4, 4)),
    ("any", (255, 0, 255)), ("echo-req", (8, 0, 255)),
])
def test_icmp_types(text, expected):
    assert ICMP_TYPE.parse(text, 4) == expected


@pytest.mark.parametrize("text", ["echo-foo", "256", "3/256", "ttl", "", "neighbour-solicitation"])
def test_bad_icmp_types(text):
    with pytest.raises(BadValue):
        ICMP_TYPE.parse(text, 4)


def test_icmpv6_types():
    assert ICMPV6_TYPE.parse("neighbor-solicitation", 6) == (135, 0, 255)
    assert ICMPV6_TYPE.parse("neighbour-solicitation", 6) == (135, 0, 255)
    assert ICMPV6_TYPE.parse("echo-request", 6) == (128, 0, 255)
    assert ICMPV6_TYPE.parse("1/3", 6) == (1, 3, 3)
    with pytest.raises(BadValue):
        ICMPV6_TYPE.parse("source-quench", 6)


def test_set_flags_and_sctp_chunks():
    assert SET_FLAGS.parse("src,dst") == ("src", "dst")
    with pytest.raises(BadValue):
        SET_FLAGS.parse("source")
    assert SCTP_CHUNKS.parse("DATA:Be,init") == (("DATA", "Be"), ("INIT", ""))
    with pytest.raises(BadValue):
        SCTP_CHUNKS.parse("INIT:B")


# --- through the parser -------------------------------------------------------------------------

def _rule(line: str, family: int = 4):
    text = f"*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n{line}\nCOMMIT\n"
    [ruleset] = parse_text(text, family=family, registry=REGISTRY)
    [rule] = list(ruleset.rules())
    return rule


def test_protocol_loads_icmp_match():
    rule = _rule("-A INPUT -p icmp --icmp-type echo-request -j ACCEPT")
    assert rule.match("icmp") is not None
    assert rule.match("icmp").option("icmp-type").values == ("echo-request",)
    assert rule.unclaimed == ()


def test_protocol_loads_sctp_match():
    rule = _rule("-A INPUT -p sctp --dport 9899 -j ACCEPT")
    assert rule.match("sctp") is not None
    assert rule.unclaimed == ()


def test_two_value_option_and_negation():
    rule = _rule("-A INPUT -m set ! --match-set blocklist src,dst -j DROP")
    opt = rule.match("set").option("match-set")
    assert opt.values == ("blocklist", "src,dst")
    assert opt.negated


def test_flag_options_take_no_value():
    rule = _rule("-A INPUT -p tcp --dport 22 -m recent --name ssh --set -j ACCEPT")
    recent = rule.match("recent")
    assert recent.option("set").values == ()
    assert recent.option("name").values == ("ssh",)
    assert rule.target.name == "ACCEPT"
