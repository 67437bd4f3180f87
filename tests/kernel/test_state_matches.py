"""What the stateful rules say about connection states, checked with real packets.

Two namespaces joined by a veth pair (192.0.2.1 and 192.0.2.2); the first sends three UDP
datagrams to the second, which answers each (so the flow has a NEW packet, then ESTABLISHED
ones).  Rules without a target count packets, and ``iptables-legacy-save -c`` reads the counts.
"""

from __future__ import annotations

import subprocess
import sys

from fwlint.testing import run_rule
from tests.kernel._restore import packet_counts
from tests.kernel.conftest import linked_pair, require_root_and

ECHO_SERVER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 9000))
s.settimeout(10)
print("ready", flush=True)
for _ in range(3):
    data, peer = s.recvfrom(64)
    s.sendto(data, peer)
"""

CLIENT = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.1", 9001))
s.settimeout(5)
for n in range(3):
    s.sendto(b"ping", ("192.0.2.2", 9000))
    s.recvfrom(64)
"""

RULES = """\
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -i veth-b -m conntrack --ctstate INVALID
-A PREROUTING -i veth-b -m conntrack --ctstate NEW,ESTABLISHED,RELATED
-A OUTPUT -o veth-b -m state --state INVALID
-A OUTPUT -o veth-b -m state --state NEW,ESTABLISHED
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i veth-b -m state --state NEW
-A INPUT -i veth-b -m conntrack --ctstate NEW
-A INPUT -i veth-b -m state --state ESTABLISHED
-A INPUT -i veth-b -m conntrack --ctstate ESTABLISHED
-A INPUT -i veth-b -m state ! --state NEW
-A INPUT -i veth-b -m conntrack ! --ctstate NEW
COMMIT
"""


def test_connection_states_in_raw_and_filter(netns_factory):
    require_root_and("iptables-legacy-restore", "iptables-legacy-save")
    a, b = linked_pair(netns_factory)
    loaded = b.run("iptables-legacy-restore", input=RULES)
    assert loaded.returncode == 0, loaded.stderr

    server = subprocess.Popen(["ip", "netns", "exec", b.name, sys.executable, "-c", ECHO_SERVER],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        client = a.run(sys.executable, "-c", CLIENT, timeout=30)
        assert client.returncode == 0, client.stderr
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()

    counts = packet_counts(b)
    # raw runs before conntrack: every packet from the network is INVALID there (FW307) ...
    assert counts["-A PREROUTING -i veth-b -m conntrack --ctstate INVALID"] == 3
    assert counts["-A PREROUTING -i veth-b -m conntrack --ctstate NEW,RELATED,ESTABLISHED"] == 0
    # ... and so is every locally generated one in raw OUTPUT (the three answers)
    assert counts["-A OUTPUT -o veth-b -m state --state INVALID"] == 3
    assert counts["-A OUTPUT -o veth-b -m state --state NEW,ESTABLISHED"] == 0
    # after conntrack, -m state and -m conntrack agree (FW303): one NEW, two ESTABLISHED
    assert counts["-A INPUT -i veth-b -m state --state NEW"] == 1
    assert counts["-A INPUT -i veth-b -m conntrack --ctstate NEW"] == 1
    assert counts["-A INPUT -i veth-b -m state --state ESTABLISHED"] == 2
    assert counts["-A INPUT -i veth-b -m conntrack --ctstate ESTABLISHED"] == 2
    assert counts["-A INPUT -i veth-b -m state ! --state NEW"] == 2
    assert counts["-A INPUT -i veth-b -m conntrack ! --ctstate NEW"] == 2

    # fwlint says so about the raw rules, and only those
    findings = [(d.span.line, d.message.split(":")[0]) for d in run_rule("FW307", RULES)]
    assert findings == [
        (4, ("--ctstate INVALID in the raw table matches every packet from the network that no "
             "earlier rule untracked")),
        (5, ("--ctstate NEW,ESTABLISHED,RELATED in the raw table matches only packets looped back "
             "through lo")),
        (6, ("--state INVALID in the raw table matches every locally generated packet that no "
             "earlier rule untracked")),
        (7, "--state NEW,ESTABLISHED in the raw table never matches"),
    ]


TEMPLATE_RULES = """\
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -o lo -p udp -j CT --zone 1
-A OUTPUT -o lo -p udp -m conntrack --ctstate NEW
-A OUTPUT -o lo -p udp -m conntrack --ctstate INVALID
COMMIT
"""

SENDER = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    s.sendto(b"ping", ("127.0.0.1", 9))
"""


def test_a_conntrack_template_gives_raw_rules_a_state(netns):
    """After `-j CT --zone`, packets in raw look NEW: FW307 stays silent in such a table."""
    require_root_and("iptables-legacy-restore", "iptables-legacy-save")
    loaded = netns.run("iptables-legacy-restore", input=TEMPLATE_RULES)
    assert loaded.returncode == 0, loaded.stderr
    sent = netns.run(sys.executable, "-c", SENDER)
    assert sent.returncode == 0, sent.stderr
    counts = packet_counts(netns)
    assert counts["-A OUTPUT -o lo -p udp -m conntrack --ctstate NEW"] == 3
    assert counts["-A OUTPUT -o lo -p udp -m conntrack --ctstate INVALID"] == 0
    assert run_rule("FW307", TEMPLATE_RULES) == []
