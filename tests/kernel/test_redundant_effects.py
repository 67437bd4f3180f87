"""Rules FW202 must not call redundant, because removing them changes a packet's fate on the
kernel: a DROP whose match records the address (recent --set) that a later rule reads, and an
ACCEPT that keeps packets from a MARK a later table drops on.

Two namespaces joined by a veth pair (192.0.2.1 and 192.0.2.2); the first sends UDP datagrams
to the second, whose rules are loaded with the rule and then without it; the counters
(``iptables-legacy-save -c``) show the fate of the datagrams changing.
"""

from __future__ import annotations

import sys
import time

from fwlint.testing import run_rule
from tests.kernel._restore import packet_counts
from tests.kernel.conftest import linked_pair, require_root_and

SEND = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 0))
for port in sys.argv[1:]:
    s.sendto(b"knock", ("192.0.2.2", int(port)))
    time.sleep(0.2)
"""

KNOCK = """\
*filter
:INPUT DROP [0:0]
-A INPUT -i veth-b -p udp --dport 1234 -m recent --set --name knock -j DROP
-A INPUT -i veth-b -p udp --dport 22 -m recent --rcheck --name knock --seconds 30 -j ACCEPT
COMMIT
"""

MARKED = """\
*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -s 192.0.2.0/24 -j ACCEPT
-A PREROUTING -j MARK --set-mark 0x1
COMMIT
*filter
:INPUT ACCEPT [0:0]
-A INPUT -m mark --mark 0x1 -j DROP
-A INPUT -i veth-b -p udp --dport 9000
COMMIT
"""


def _pair(netns_factory):
    a, b = linked_pair(netns_factory)
    # resolve the neighbour first: no datagram of the test waits for ARP
    a.run(sys.executable, "-c", SEND, "9", timeout=30)
    return a, b


def _send(a, b, rules: str, *ports: int) -> dict[str, int]:
    b.run("iptables-legacy-restore", input="*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n*mangle\nCOMMIT\n")
    loaded = b.run("iptables-legacy-restore", input=rules)
    assert loaded.returncode == 0, loaded.stderr
    sent = a.run(sys.executable, "-c", SEND, *map(str, ports), timeout=30)
    assert sent.returncode == 0, sent.stderr
    time.sleep(0.2)
    return packet_counts(b, "-t", "filter")


def _without(rules: str, line: int) -> str:
    lines = rules.splitlines(keepends=True)
    return "".join(lines[:line - 1] + lines[line:])


def test_a_drop_that_records_the_address_is_not_redundant(netns_factory):
    require_root_and("iptables-legacy-restore", "iptables-legacy-save")
    a, b = _pair(netns_factory)
    accept = "-A INPUT -i veth-b -p udp -m udp --dport 22 -m recent --rcheck --seconds 30 --name knock " \
             "--mask 255.255.255.255 --rsource -j ACCEPT"
    with_it = _send(a, b, KNOCK, 1234, 22)
    assert with_it[accept] == 1
    b.run("sh", "-c", "echo / > /proc/net/xt_recent/knock")  # forget the knock
    without = _send(a, b, _without(KNOCK, 3), 1234, 22)
    assert without[accept] == 0  # the port 22 datagram now falls to the DROP policy
    assert [d.message for d in run_rule("FW202", KNOCK)] == []


def test_an_accept_before_a_mark_is_not_redundant(netns_factory):
    require_root_and("iptables-legacy-restore", "iptables-legacy-save")
    a, b = _pair(netns_factory)
    drop = "-A INPUT -m mark --mark 0x1 -j DROP"
    count = "-A INPUT -i veth-b -p udp -m udp --dport 9000"
    with_it = _send(a, b, MARKED, 9000, 9000)
    assert (with_it[drop], with_it[count]) == (0, 2)
    without = _send(a, b, _without(MARKED, 3), 9000, 9000)
    assert (without[drop], without[count]) == (2, 0)  # marked in mangle, dropped in filter
    assert [d.message for d in run_rule("FW202", MARKED)] == []
