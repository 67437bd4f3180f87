"""The trace's evaluator against the kernel: which rules a packet matches, rule by rule.

Two namespaces joined by a veth pair (192.0.2.1 and 192.0.2.2).  The second loads a ruleset
whose rules count packets (most have no target, so every rule the packet meets is counted when it
matches); the first sends hand-made IPv4 packets (raw sockets: exact TCP flags, TTL, TOS and
length).  For each packet, the rules whose counters moved are exactly the rules the evaluator
says the packet matches on its way through mangle PREROUTING, mangle INPUT and filter INPUT, in
user chains and across RETURN and goto too.  Among them: ``--tcp-flags ALL SYN`` takes a
SYN,ECE segment (ALL is FIN,SYN,RST,PSH,ACK,URG) and ``--tcp-flags SYN SYN,ACK`` takes nothing.
"""

from __future__ import annotations

import re
import sys
import time

import pytest

from fwlint.analysis.evaluate import PathEvaluator, RuleStep
from fwlint.analysis.packet import parse_packet
from fwlint.parse import parse_text
from tests.kernel.conftest import linked_pair, require_root_and

RULES = """\
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i veth-b
-A PREROUTING -i veth-b -p tcp -m multiport --dports 7000:7009 -j MARK --set-mark 0x5
-A PREROUTING -i veth-b -p tcp --dport 7005 -j MARK --xor-mark 0x1
-A INPUT -m mark --mark 0x4
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:PROBE - [0:0]
:LATE - [0:0]
-A INPUT -i veth-b -p tcp --tcp-flags ALL SYN
-A INPUT -i veth-b -p tcp --tcp-flags SYN SYN,ACK
-A INPUT -i veth-b -p tcp ! --syn
-A INPUT -i veth-b -m mark --mark 0x5
-A INPUT -i veth-b -m mark --mark 0x4/0xfffffffe
-A INPUT -i veth-b -p tcp -j PROBE
-A INPUT -i veth-b -p tcp --dport 7003 -j DROP
-A INPUT -i veth-b -p udp -m length --length 0:40
-A INPUT -i veth-b -p udp -m multiport --dports 7100:7199 -g LATE
-A INPUT -i veth-b -m ttl --ttl-lt 64
-A INPUT -i veth-b -m dscp --dscp 0x04
-A INPUT -i veth-b
-A PROBE -p tcp --dport 7001 -j RETURN
-A PROBE -s 192.0.2.0/25 -p tcp --dport 7002 -j DROP
-A PROBE -m tos --tos 0x10/0x3f
-A PROBE ! -s 192.0.2.1
-A LATE -p udp --sport 5000 -j RETURN
-A LATE -p udp -j DROP
COMMIT
"""

SENDER = r"""
import socket, struct, sys

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

proto, sport, dport, flags, ttl, tos, payload = sys.argv[1], *map(lambda a: int(a, 0), sys.argv[2:8])
src, dst = socket.inet_aton("192.0.2.1"), socket.inet_aton("192.0.2.2")
body = b"x" * payload
if proto == "tcp":
    l4 = struct.pack("!HHIIHHHH", sport, dport, 1, 0, (5 << 12) | flags, 8192, 0, 0) + body
    number, at = 6, 16
else:
    l4 = struct.pack("!HHHH", sport, dport, 8 + len(body), 0) + body
    number, at = 17, 6
pseudo = src + dst + struct.pack("!BBH", 0, number, len(l4))
l4 = l4[:at] + struct.pack("!H", checksum(pseudo + l4)) + l4[at + 2:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(l4), 1, 0, ttl, number, 0, src, dst)
ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
sock.sendto(ip + l4, ("192.0.2.2", 0))
"""

# proto, sport, dport, TCP flags, TTL, TOS, payload bytes
PROBES = [
    ("tcp", 40000, 7000, 0x02, 64, 0x00, 0),
    ("tcp", 40000, 7001, 0x42, 64, 0x00, 0),   # SYN,ECE
    ("tcp", 40000, 7002, 0x02, 64, 0x10, 0),
    ("tcp", 40000, 7003, 0x10, 64, 0x00, 0),   # a lone ACK
    ("tcp", 40000, 7005, 0x02, 10, 0x10, 0),
    ("tcp", 40000, 8000, 0x01, 200, 0x11, 0),  # FIN
    ("tcp", 40000, 8001, 0x12, 64, 0x13, 4),   # SYN,ACK; DSCP 4
    ("udp", 5000, 7100, 0, 64, 0x00, 0),
    ("udp", 6000, 7150, 0, 64, 0x00, 40),
    ("udp", 6000, 9000, 0, 63, 0x10, 12),
]


def _counts(ns) -> dict[tuple[str, str, int], int]:
    saved = ns.run("iptables-legacy-save", "-c")
    assert saved.returncode == 0, saved.stderr
    out: dict[tuple[str, str, int], int] = {}
    table = ""
    position: dict[str, int] = {}
    for line in saved.stdout.splitlines():
        if line.startswith("*"):
            table, position = line[1:], {}
        found = re.match(r"\[(\d+):\d+\] -A (\S+) ", line)
        if found:
            chain = found.group(2)
            index = position.get(chain, 0)
            position[chain] = index + 1
            out[(table, chain, index)] = int(found.group(1))
    return out


def _packet_text(proto: str, sport: int, dport: int, flags: int, ttl: int, tos: int, payload: int) -> str:
    header = 20 if proto == "tcp" else 8
    words = [proto, f"192.0.2.1:{sport} -> 192.0.2.2:{dport}", "in veth-b", f"ttl {ttl}", f"tos {tos:#x}",
             f"length {20 + header + payload}"]
    if proto == "tcp":
        names = [n for n, bit in (("fin", 1), ("syn", 2), ("rst", 4), ("psh", 8), ("ack", 16), ("urg", 32),
                                  ("ece", 64), ("cwr", 128)) if flags & bit]
        words.append(f"flags {','.join(names) or 'none'}")
    return " ".join(words)


def _evaluated(evaluator: PathEvaluator, text: str) -> set[tuple[str, str, int]]:
    """The rules the evaluator says the packet matches (mangle and filter, on its way in)."""
    outcome = evaluator.follow(parse_packet(text).packet)
    assert not outcome.choices, f"the evaluator could not tell: {outcome.choices}"
    hit = set()
    for leg in outcome.legs:
        for run in leg.tables:
            for event in run.events:
                if isinstance(event, RuleStep) and event.taken:
                    hit.add((event.table, event.chain, event.index))
    return hit


def test_the_evaluator_matches_what_the_kernel_matches(netns_factory) -> None:
    require_root_and("iptables-legacy-restore", "iptables-legacy-save", "iptables-legacy")
    a, b = linked_pair(netns_factory)
    loaded = b.run("iptables-legacy-restore", input=RULES)
    assert loaded.returncode == 0, loaded.stderr
    evaluator = PathEvaluator(parse_text(RULES, "rules.v4")[0])
    seen_differences = []
    for probe in PROBES:
        assert b.run("iptables-legacy", "-t", "mangle", "-Z").returncode == 0
        assert b.run("iptables-legacy", "-t", "filter", "-Z").returncode == 0
        sent = a.run(sys.executable, "-c", SENDER, *map(str, probe))
        assert sent.returncode == 0, sent.stderr
        deadline = time.monotonic() + 5
        counts = _counts(b)
        while counts[("mangle", "PREROUTING", 0)] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            counts = _counts(b)
        assert counts[("mangle", "PREROUTING", 0)] == 1, f"the packet {probe} did not arrive"
        kernel = {key for key, n in counts.items() if n}
        text = _packet_text(*probe)
        if kernel != _evaluated(evaluator, text):
            seen_differences.append((text, sorted(kernel), sorted(_evaluated(evaluator, text))))
    assert not seen_differences, seen_differences


@pytest.mark.parametrize("probe, hits", [
    (PROBES[1], {("filter", "INPUT", 0), ("filter", "PROBE", 0)}),  # ALL SYN takes SYN,ECE; RETURN
    (PROBES[7], {("filter", "INPUT", 7), ("filter", "LATE", 0), ("filter", "INPUT", 8)}),
])
def test_the_evaluator_sees_what_the_kernel_test_relies_on(probe, hits) -> None:
    # the expectations the kernel test checks, stated for a machine without root as well
    evaluator = PathEvaluator(parse_text(RULES, "rules.v4")[0])
    assert hits <= _evaluated(evaluator, _packet_text(*probe))
