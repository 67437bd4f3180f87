"""`fwlint trace`: the exact output for packets through a small ruleset, the packet language,
the path rules, and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fwlint.analysis.evaluate import PathEvaluator, RuleStep
from fwlint.analysis.packet import PacketError, parse_packet
from fwlint.analysis.trace import choose_ruleset, trace
from fwlint.cli import main
from fwlint.parse import parse_text

RULES = """\
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p tcp --dport 80 -j DNAT --to-destination 198.51.100.5:8080
-A POSTROUTING -o eth0 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:SERVICES - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp -j SERVICES
-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT
-A SERVICES -s 203.0.113.0/24 -j RETURN
-A SERVICES -p tcp --dport 443 -j ACCEPT
-A FORWARD -i eth0 -o eth1 -p tcp -d 198.51.100.5 --dport 8080 -j ACCEPT
COMMIT
"""

NAT_PREROUTING_NO_MATCH = """\
PREROUTING nat
  PREROUTING (policy ACCEPT)
    rules.v4:6  -A PREROUTING -i eth0 -p tcp --dport 80 -j DNAT --to-destination 198.51.100.5:8080
      -i eth0: yes
      -p tcp: yes
      --dport 80: no
    end of PREROUTING: policy ACCEPT
  => ACCEPT (the policy of PREROUTING)
"""

INPUT_START = """\
INPUT filter
  INPUT (policy DROP)
    rules.v4:14  -A INPUT -i lo -j ACCEPT
      -i lo: no
    rules.v4:15  -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
      -m conntrack --ctstate ESTABLISHED,RELATED: no
"""

WHY = "to this host (it comes in on eth0; say `forward` or give --local if it is not)"
TO_THIS_HOST = f"Path: {WHY}: PREROUTING -> INPUT\n"
CLAUSES = ("in, out, state, status, flags, type, code, mark, connmark, length, ttl, hl, tos, dscp, pkttype, "
           "srctype, dsttype, mac, fragment, forward")


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "rules.v4"
    path.write_text(RULES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return path


def run_trace(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["trace", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_accepted_in_a_user_chain(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_trace(capsys, "rules.v4", "--packet",
                               "tcp 192.0.2.50:40000 -> 192.0.2.1:443 in eth0")
    assert (code, err) == (0, "")
    assert out == (
        "Packet: tcp 192.0.2.50:40000 -> 192.0.2.1:443 in eth0 state NEW flags SYN\n"
        + TO_THIS_HOST
        + "Not in the ruleset (they let every packet through): raw, mangle, security\n"
        "\n" + NAT_PREROUTING_NO_MATCH + "\n" + INPUT_START +
        "    rules.v4:16  -A INPUT -p tcp -j SERVICES\n"
        "      -p tcp: yes\n"
        "      jump to SERVICES\n"
        "      SERVICES\n"
        "        rules.v4:18  -A SERVICES -s 203.0.113.0/24 -j RETURN\n"
        "          -s 203.0.113.0/24: no\n"
        "        rules.v4:19  -A SERVICES -p tcp --dport 443 -j ACCEPT\n"
        "          -p tcp: yes\n"
        "          --dport 443: yes\n"
        "          ACCEPT\n"
        "  => ACCEPT (rules.v4:19)\n"
        "\n"
        "INPUT nat\n"
        "  INPUT (policy ACCEPT)\n"
        "    end of INPUT: policy ACCEPT\n"
        "  => ACCEPT (the policy of INPUT)\n"
        "\n"
        "Verdict: ACCEPT: delivered to this host\n")


def test_dropped_by_the_policy(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_trace(capsys, "rules.v4", "--packet", "udp 192.0.2.50:5000 -> 192.0.2.1:53 in eth0")
    assert (code, err) == (0, "")
    assert out == (
        "Packet: udp 192.0.2.50:5000 -> 192.0.2.1:53 in eth0 state NEW\n"
        + TO_THIS_HOST
        + "Not in the ruleset (they let every packet through): raw, mangle\n"
        "\n"
        "PREROUTING nat\n"
        "  PREROUTING (policy ACCEPT)\n"
        "    rules.v4:6  -A PREROUTING -i eth0 -p tcp --dport 80 -j DNAT --to-destination 198.51.100.5:8080\n"
        "      -i eth0: yes\n"
        "      -p tcp: no\n"
        "    end of PREROUTING: policy ACCEPT\n"
        "  => ACCEPT (the policy of PREROUTING)\n"
        "\n" + INPUT_START +
        "    rules.v4:16  -A INPUT -p tcp -j SERVICES\n"
        "      -p tcp: no\n"
        "    rules.v4:17  -A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\n"
        "      -p tcp: no\n"
        "    end of INPUT: policy DROP\n"
        "  => DROP (the policy of INPUT)\n"
        "\n"
        "Verdict: DROP by the policy of filter INPUT\n")


def test_a_user_chain_returns(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_trace(capsys, "rules.v4", "--packet", "tcp 203.0.113.9:40000 -> 192.0.2.1:443 in eth0")
    assert code == 0
    assert out.split("\n\n")[2] == (
        INPUT_START +
        "    rules.v4:16  -A INPUT -p tcp -j SERVICES\n"
        "      -p tcp: yes\n"
        "      jump to SERVICES\n"
        "      SERVICES\n"
        "        rules.v4:18  -A SERVICES -s 203.0.113.0/24 -j RETURN\n"
        "          -s 203.0.113.0/24: yes\n"
        "          RETURN to INPUT\n"
        "    rules.v4:17  -A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\n"
        "      -p tcp: yes\n"
        "      --dport 22: no\n"
        "    end of INPUT: policy DROP\n"
        "  => DROP (the policy of INPUT)")
    assert out.endswith("\n\nVerdict: DROP by the policy of filter INPUT\n")


def test_dnat_then_forward(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_trace(capsys, "rules.v4", "--packet",
                             "tcp 203.0.113.9:40000 -> 192.0.2.1:80 in eth0 out eth1")
    assert code == 0
    assert out == (
        "Packet: tcp 203.0.113.9:40000 -> 192.0.2.1:80 in eth0 out eth1 state NEW flags SYN\n"
        "Path: forwarded (it comes in on eth0 and leaves by eth1): PREROUTING -> FORWARD -> POSTROUTING\n"
        "Not in the ruleset (they let every packet through): raw, mangle, security\n"
        "\n"
        "PREROUTING nat\n"
        "  PREROUTING (policy ACCEPT)\n"
        "    rules.v4:6  -A PREROUTING -i eth0 -p tcp --dport 80 -j DNAT --to-destination 198.51.100.5:8080\n"
        "      -i eth0: yes\n"
        "      -p tcp: yes\n"
        "      --dport 80: yes\n"
        "      DNAT: destination 192.0.2.1:80 -> 198.51.100.5:8080\n"
        "  => DNAT (rules.v4:6)\n"
        "\n"
        "Route: after DNAT the destination 198.51.100.5 is another host: FORWARD\n"
        "\n"
        "FORWARD filter\n"
        "  FORWARD (policy DROP)\n"
        "    rules.v4:20  -A FORWARD -i eth0 -o eth1 -p tcp -d 198.51.100.5 --dport 8080 -j ACCEPT\n"
        "      -i eth0: yes\n"
        "      -o eth1: yes\n"
        "      -p tcp: yes\n"
        "      -d 198.51.100.5: yes\n"
        "      --dport 8080: yes\n"
        "      ACCEPT\n"
        "  => ACCEPT (rules.v4:20)\n"
        "\n"
        "POSTROUTING nat\n"
        "  POSTROUTING (policy ACCEPT)\n"
        "    rules.v4:7  -A POSTROUTING -o eth0 -j MASQUERADE\n"
        "      -o eth0: no\n"
        "    end of POSTROUTING: policy ACCEPT\n"
        "  => ACCEPT (the policy of POSTROUTING)\n"
        "\n"
        "Verdict: ACCEPT: forwarded out of eth1\n"
        "  NAT DNAT: destination 192.0.2.1:80 -> 198.51.100.5:8080 (rules.v4:6, nat PREROUTING)\n"
        "  Packet as it left: tcp 203.0.113.9:40000 -> 198.51.100.5:8080 in eth0 out eth1 "
        "state NEW,DNAT flags SYN\n")


def test_an_unknown_match(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_trace(capsys, "rules.v4", "--packet", "tcp 192.0.2.50:40000 -> 192.0.2.1:22 in eth0")
    assert code == 0
    assert out.split("\n\n", 2)[2] == (
        INPUT_START +
        "    rules.v4:16  -A INPUT -p tcp -j SERVICES\n"
        "      -p tcp: yes\n"
        "      jump to SERVICES\n"
        "      SERVICES\n"
        "        rules.v4:18  -A SERVICES -s 203.0.113.0/24 -j RETURN\n"
        "          -s 203.0.113.0/24: no\n"
        "        rules.v4:19  -A SERVICES -p tcp --dport 443 -j ACCEPT\n"
        "          -p tcp: yes\n"
        "          --dport 443: no\n"
        "        end of SERVICES: back to INPUT\n"
        "    rules.v4:17  -A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\n"
        "      -p tcp: yes\n"
        "      --dport 22: yes\n"
        "      -m limit --limit 3/min: unknown "
        "(-m limit: a rate limit depends on the traffic before the packet)\n"
        "      taken as not matching\n"
        "    end of INPUT: policy DROP\n"
        "  => DROP (the policy of INPUT)\n"
        "\n"
        "Verdict: DROP by the policy of filter INPUT\n"
        "  Assumed (fwlint cannot tell): rules.v4:17 does not match\n"
        "Other possible outcomes:\n"
        "  ACCEPT: delivered to this host, if rules.v4:17 matches\n")


def test_json(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_trace(capsys, "rules.v4", "--output-format", "json", "--packet",
                             "tcp 192.0.2.50:40000 -> 192.0.2.1:22 in eth0")
    assert code == 0
    data = json.loads(out)
    assert data["packet"]["described"] == "tcp 192.0.2.50:40000 -> 192.0.2.1:22 in eth0 state NEW flags SYN"
    assert data["packet"]["dst"] == "192.0.2.1" and data["packet"]["tcpflags"] == 2
    assert data["route"] == {"path": "input", "hooks": ["PREROUTING", "INPUT"], "rerouted": None,
                             "why": WHY}
    assert [(t["hook"], t["table"], t["status"], t["verdict"]) for t in data["tables"]] == [
        ("PREROUTING", "raw", "absent", None), ("PREROUTING", "mangle", "absent", None),
        ("PREROUTING", "nat", "run", "ACCEPT"), ("INPUT", "mangle", "absent", None),
        ("INPUT", "filter", "run", "DROP")]
    limited = [e for e in data["tables"][4]["events"] if e["event"] == "rule" and e["line"] == 17][0]
    assert limited["matches"] == [
        {"match": "-p tcp", "result": "yes", "why": None},
        {"match": "--dport 22", "result": "yes", "why": None},
        {"match": "-m limit --limit 3/min", "result": "unknown",
         "why": "-m limit: a rate limit depends on the traffic before the packet"}]
    assert (limited["matched"], limited["taken"], limited["action"]) == ("unknown", False, None)
    assert data["outcome"] == {"verdict": "DROP", "final": True, "delivered": None, "table": "filter",
                               "hook": "INPUT", "rule": None, "policy": True, "nat": [], "conditions": []}
    assert data["assumed_not_matching"] == ["rules.v4:17 matches"]
    assert [(o["verdict"], o["delivered"], o["conditions"]) for o in data["other_outcomes"]] == [
        ("ACCEPT", "delivered to this host", ["rules.v4:17 matches"])]
    assert data["complete"] is True


def test_json_names_the_nat_rewrite(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_trace(capsys, "rules.v4", "--output-format", "json", "--packet",
                             "tcp 203.0.113.9:40000 -> 192.0.2.1:80 in eth0 out eth1")
    data = json.loads(out)
    assert data["route"]["path"] == "forward"
    assert data["outcome"]["verdict"] == "ACCEPT" and data["outcome"]["delivered"] == "forwarded out of eth1"
    assert data["outcome"]["nat"] == [{
        "target": "DNAT", "side": "destination", "change": "destination 192.0.2.1:80 -> 198.51.100.5:8080",
        "table": "nat", "hook": "PREROUTING",
        "rule": {"file": "rules.v4", "line": 6, "column": 1, "table": "nat", "chain": "PREROUTING",
                 "text": "-A PREROUTING -i eth0 -p tcp --dport 80 -j DNAT "
                         "--to-destination 198.51.100.5:8080"}}]
    assert (data["packet_out"]["dst"], data["packet_out"]["dport"], data["packet_out"]["dnat"]) == \
        ("198.51.100.5", 8080, True)


@pytest.mark.parametrize("packet, message", [
    ("tcp 1.2.3.4:99999 -> 192.0.2.1:22", "port 99999 is out of range 0-65535 (in '1.2.3.4:99999')"),
    ("tcpx 1.2.3.4 -> 192.0.2.1", "'tcpx' is not a protocol (tcp, udp, icmp, icmpv6, sctp, a name from "
                                  "/etc/protocols or a number)"),
    ("tcp 1.2.3.4 => 192.0.2.1", "'->' expected between source and destination, not '=>'"),
    ("tcp 1.2.3.4 -> 192.0.2.1 in", "a value for 'in' expected after 'in'"),
    ("udp 1.2.3.4 -> 192.0.2.1 flags SYN", "'flags' are TCP flags: the packet is not TCP"),
    ("tcp 300.1.1.1 -> 192.0.2.1", "'300.1.1.1' is not an IPv4 or IPv6 address (in '300.1.1.1')"),
    ("tcp 1.2.3.4 -> 192.0.2.1 state new,established",
     "'new,established': a packet has one connection state, not NEW and ESTABLISHED"),
    ("icmp 1.2.3.4:3 -> 192.0.2.1", "'1.2.3.4:3': icmp packets have no ports"),
    ("tcp 1.2.3.4 -> 192.0.2.1 colour red", f"'colour' is not a clause (one of: {CLAUSES})"),
    ("tcp eth0", f"'eth0' is neither an address nor a clause (one of: {CLAUSES})"),
    ("tcp [2001:db8::1]:22 -> 192.0.2.1:22", "'192.0.2.1:22' is IPv4, but the packet is IPv6"),
    ("", "empty packet: say at least its protocol, e.g. 'tcp 203.0.113.7:40000 -> 192.0.2.1:22 in eth0'"),
    ("tcp 1.2.3.4 -> 192.0.2.1:22 mark 0x100000000",
     "0x100000000 is out of range 0-4294967295 (after 'mark')"),
    ("tcp 1.2.3.4 -> 192.0.2.1:22 fragment",
     "a later fragment has no destination port: leave it out or drop 'fragment'"),
    ("tcp 1.2.3.4 -> 192.0.2.1 in eth+",
     "'eth+' is not an interface name (after 'in': at most 15 characters, no '/', ':' or '+')"),
])
def test_bad_packets_are_one_line_errors(rules: Path, capsys: pytest.CaptureFixture[str], packet: str,
                                         message: str) -> None:
    code, out, err = run_trace(capsys, "rules.v4", "--packet", packet)
    assert (code, out) == (2, "")
    assert err == f"fwlint: error: --packet: {message}\n"


def test_other_errors(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_trace(capsys, "missing.v4", "--packet", "tcp") == (
        2, "", "fwlint: error: missing.v4: no such file or directory\n")
    assert run_trace(capsys, "rules.v4", "--packet", "tcp [2001:db8::1]:1 -> [2001:db8::2]:2") == (
        2, "", "fwlint: error: --packet: the packet is IPv6, but the file has IPv4 rules only\n")
    assert run_trace(capsys, "rules.v4", "--local", "192.0.2.1,1.2.3", "--packet", "tcp") == (
        2, "", "fwlint: error: --local: '1.2.3' is not an IPv4 or IPv6 address\n")
    assert run_trace(capsys, "rules.v4", "--local", "2001:db8::1", "--packet", "tcp") == (
        2, "", "fwlint: error: --local: 2001:db8::1 is not an IPv4 address\n")
    code, out, err = run_trace(capsys, "rules.v4")
    assert code == 2 and out == "" and "the following arguments are required: --packet" in err


# --- the packet language and its defaults ------------------------------------------------------

def test_packet_defaults() -> None:
    p = parse_packet("tcp 203.0.113.7:40000 -> 192.0.2.1:22").packet
    assert (p.family, p.proto, str(p.src), p.sport, str(p.dst), p.dport) == \
        (4, 6, "203.0.113.7", 40000, "192.0.2.1", 22)
    assert (p.ctstate, p.ctstatus, p.tcpflags, p.mark, p.ctmark, p.tos, p.frag, p.snat, p.dnat) == \
        ("NEW", frozenset(), 0x02, 0, 0, 0, False, False, False)
    assert (p.iif, p.oif, p.length, p.ttl, p.pkttype, p.srctype, p.hasmac) == (None,) * 7
    established = parse_packet("tcp 203.0.113.7:40000 -> 192.0.2.1:22 state established,dnat").packet
    assert (established.ctstate, established.dnat, established.tcpflags, established.ctstatus) == \
        ("ESTABLISHED", True, 0x10, None)


def test_packet_language() -> None:
    p = parse_packet("ipv6 tcp [2001:db8::1]:22 -> [2001:db8::2]:https out eth1 flags syn,ack mark 0x10 "
                     "connmark 7 ttl 3 dscp ef length 60 pkttype multicast srctype local "
                     "mac 00:11:22:33:44:55 status assured,seen_reply").packet
    assert (p.family, str(p.src), p.sport, str(p.dst), p.dport, p.oif, p.tcpflags) == \
        (6, "2001:db8::1", 22, "2001:db8::2", 443, "eth1", 0x12)
    assert (p.mark, p.ctmark, p.ttl, p.tos, p.length, p.pkttype, p.srctype, p.mac, p.hasmac, p.ctstatus) == \
        (0x10, 7, 3, 46 << 2, 60, "multicast", frozenset({"LOCAL"}), 0x001122334455, True,
         frozenset({"ASSURED", "SEEN_REPLY"}))
    icmp = parse_packet("icmp 192.0.2.9 -> 192.0.2.1 type echo-request").packet
    assert (icmp.proto, icmp.icmptype, icmp.icmpcode, icmp.sport) == (1, 8, 0, None)
    unreachable = parse_packet("icmp * -> 192.0.2.1 type 3/4").packet
    assert (unreachable.src, unreachable.icmptype, unreachable.icmpcode) == (None, 3, 4)
    assert parse_packet("icmpv6 type 128").packet.family == 6
    assert parse_packet("udp 192.0.2.9:53->192.0.2.1:domain forward").forward is True
    with pytest.raises(PacketError, match="'flags' given twice"):
        parse_packet("tcp flags syn flags ack")


# --- the path ----------------------------------------------------------------------------------

def _hooks(text: str, packet: str, local: tuple[str, ...] = ()) -> list[str]:
    ruleset, parsed = choose_ruleset(parse_text(text, "rules.v4"), packet)
    from fwlint.analysis.trace import parse_local

    t = trace(ruleset, parsed, parse_local(local))
    return [leg.hook for leg in t.primary.legs]


@pytest.mark.parametrize("packet, local, hooks", [
    ("tcp 203.0.113.7:1 -> 192.0.2.1:22 in eth0", (), ["PREROUTING", "INPUT"]),
    ("tcp 203.0.113.7:1 -> 192.0.2.1:22", (), ["PREROUTING", "INPUT"]),
    ("tcp 203.0.113.7:1 -> 192.0.2.1:22 in eth0 out eth1", (), ["PREROUTING", "FORWARD", "POSTROUTING"]),
    ("tcp 203.0.113.7:1 -> 192.0.2.1:22 in eth0 forward", (), ["PREROUTING", "FORWARD", "POSTROUTING"]),
    ("tcp 192.0.2.1:1 -> 203.0.113.7:22 out eth0", (), ["OUTPUT", "POSTROUTING"]),
    ("tcp 203.0.113.7:1 -> 192.0.2.1:22 in eth0", ("192.0.2.1",), ["PREROUTING", "INPUT"]),
    ("tcp 203.0.113.7:1 -> 198.51.100.9:22 in eth0", ("192.0.2.1",),
     ["PREROUTING", "FORWARD", "POSTROUTING"]),
    ("tcp 192.0.2.1:1 -> 203.0.113.7:22", ("192.0.2.1",), ["OUTPUT", "POSTROUTING"]),
    ("tcp 192.0.2.1:1 -> 192.0.2.1:22", ("192.0.2.1",), ["OUTPUT", "POSTROUTING", "PREROUTING", "INPUT"]),
    ("tcp 127.0.0.1:1 -> 127.0.0.1:22", (), ["OUTPUT", "POSTROUTING", "PREROUTING", "INPUT"]),
    # DNAT in PREROUTING to another host turns a packet for this host into a forwarded one
    ("tcp 203.0.113.7:1 -> 192.0.2.1:80 in eth0", (), ["PREROUTING", "FORWARD", "POSTROUTING"]),
])
def test_paths(packet: str, local: tuple[str, ...], hooks: list[str]) -> None:
    text = ("*nat\n:PREROUTING ACCEPT [0:0]\n"
            "-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 198.51.100.5\n"
            "COMMIT\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n")
    assert _hooks(text, packet, local) == hooks


def test_nat_sees_only_new_connections_and_raw_sees_no_connection(tmp_path: Path) -> None:
    text = ("*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp -j NOTRACK\n"
            "-A PREROUTING -m state --state INVALID -j ACCEPT\nCOMMIT\n"
            "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ACCEPT\nCOMMIT\n"
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -m state --state UNTRACKED -j ACCEPT\n"
            "-A INPUT -m state --state ESTABLISHED -j ACCEPT\nCOMMIT\n")
    ruleset = parse_text(text, "rules.v4")[0]
    evaluator = PathEvaluator(ruleset)
    established = parse_packet("tcp 203.0.113.7:1 -> 192.0.2.1:22 in eth0 state established")
    outcome = evaluator.follow(established.packet)
    raw, nat = outcome.legs[0].tables[0], outcome.legs[0].tables[2]
    steps = [e for e in raw.events if isinstance(e, RuleStep)]
    assert [s.matched for s in steps] == [False, True]  # conntrack has not run: INVALID in raw
    assert (nat.status, nat.note) == (
        "skipped", "only the first packet of a connection goes through nat; this one is ESTABLISHED")
    assert outcome.verdict == "ACCEPT" and outcome.table is None
    untracked = evaluator.follow(parse_packet("udp 203.0.113.7:1 -> 192.0.2.1:53 in eth0").packet)
    raw_steps = [e for e in untracked.legs[0].tables[0].events if isinstance(e, RuleStep)]
    assert [s.matched for s in raw_steps] == [True, False]  # UNTRACKED after NOTRACK, not INVALID
    assert untracked.legs[0].tables[2].note == \
        "only the first packet of a connection goes through nat; this one is UNTRACKED"
    filter_run = untracked.legs[1].tables[1]
    assert filter_run.decided_by is not None and filter_run.decided_by.rule.span.line == 12


def test_mark_set_in_mangle_is_seen_by_filter() -> None:
    text = ("*mangle\n:PREROUTING ACCEPT [0:0]\n"
            "-A PREROUTING -p tcp --dport 22 -j MARK --set-mark 0x2\nCOMMIT\n"
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -m mark --mark 0x2 -j ACCEPT\nCOMMIT\n")
    ruleset = parse_text(text, "rules.v4")[0]
    outcome = PathEvaluator(ruleset).follow(parse_packet("tcp 203.0.113.7:1 -> 192.0.2.1:22 in eth0").packet)
    mangle = outcome.legs[0].tables[1]
    step = [e for e in mangle.events if isinstance(e, RuleStep)][0]
    assert step.action == "MARK: mark 0x0 -> 0x2; on to the next rule"
    assert outcome.verdict == "ACCEPT" and outcome.packet.mark == 2


def test_left_out_rule_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("r.v4").write_text("*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -i eth0 -j DROP\nCOMMIT\n")
    code, out, _ = run_trace(capsys, "r.v4", "--packet", "tcp 192.0.2.1:1 -> 203.0.113.7:22 out eth0")
    assert code == 0
    assert ("    r.v4:3  -A OUTPUT -i eth0 -j DROP\n"
            "      left out: the kernel would refuse it (-i on OUTPUT: there is no input interface there)\n"
            "    end of OUTPUT: policy ACCEPT\n") in out


def test_a_firewall_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("firewall.sh").write_text("#!/bin/sh\nIPT=iptables\n$IPT -P INPUT DROP\n"
                                   "$IPT -A INPUT -p tcp --dport 22 -j ACCEPT\n"
                                   "ip6tables -A INPUT -p tcp --dport 22 -j DROP\n")
    code, out, _ = run_trace(capsys, "firewall.sh", "--packet", "tcp 203.0.113.7:1 -> 192.0.2.1:22 in eth0")
    assert code == 0
    assert "    firewall.sh:4  " in out and out.endswith("Verdict: ACCEPT: delivered to this host\n")
    code, out, _ = run_trace(capsys, "firewall.sh", "--packet",
                             "tcp [2001:db8::7]:1 -> [2001:db8::1]:22 in eth0")
    assert code == 0
    assert out.endswith("Verdict: DROP by firewall.sh:5 (filter INPUT)\n")


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    text = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p udp -j ACCEPT\nCOMMIT\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, _ = run_trace(capsys, "-", "--packet", "udp 203.0.113.7:1 -> 192.0.2.1:53 in eth0")
    assert code == 0
    assert "    -:3  -A INPUT -p udp -j ACCEPT\n      -p udp: yes\n      ACCEPT\n" in out
    assert out.endswith("Verdict: ACCEPT: delivered to this host\n")
