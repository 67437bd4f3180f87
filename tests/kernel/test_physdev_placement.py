"""Where `-m physdev --physdev-out` can match, checked with bridged packets (FW110's warning).

Three namespaces: `a` (192.0.2.1) and `c` (192.0.2.3) hang off a bridge in `b` (which has
192.0.2.2 on the bridge, and bridge-nf-call-iptables on).  `a` sends UDP to `c` (bridged) and
to `b` (delivered locally); `b` sends UDP to `c` (locally generated, out through the bridge).
Rules without a target count packets.
"""

from __future__ import annotations

import subprocess
import sys
import time

from fwlint.testing import run_rule
from tests.kernel._restore import packet_counts
from tests.kernel.conftest import require_root_and

RULES = """\
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p udp -m physdev --physdev-in port-a
-A PREROUTING -p udp -m physdev --physdev-out port-c
-A INPUT -p udp -m physdev --physdev-in port-a
-A INPUT -p udp -m physdev --physdev-out port-c
-A INPUT -p udp -m physdev --physdev-is-out
-A FORWARD -p udp -m physdev --physdev-out port-c
-A OUTPUT -p udp -m physdev --physdev-out port-c --physdev-is-bridged
-A OUTPUT -p udp -d 192.0.2.3
-A POSTROUTING -p udp -m physdev --physdev-out port-c
COMMIT
"""

SEND = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for address in sys.argv[1:]:
    for _ in range(3):
        s.sendto(b"ping", (address, 9))
"""


def test_physdev_out_matches_only_after_the_bridge_decided(netns_factory):
    require_root_and("iptables-legacy-restore", "iptables-legacy-save", "bridge")
    a, b, c = netns_factory(), netns_factory(), netns_factory()
    for end, port, ns in (("veth-a", "port-a", a), ("veth-c", "port-c", c)):
        subprocess.run(["ip", "link", "add", end, "netns", ns.name, "type", "veth", "peer", "name",
                        port, "netns", b.name], check=True, capture_output=True)
    b.run("ip", "link", "add", "br0", "type", "bridge", check=True)
    for port in ("port-a", "port-c"):
        b.run("ip", "link", "set", port, "master", "br0", check=True)
        b.run("ip", "link", "set", port, "up", check=True)
    b.run("ip", "addr", "add", "192.0.2.2/24", "dev", "br0", check=True)
    b.run("ip", "link", "set", "br0", "up", check=True)
    for ns, end, address in ((a, "veth-a", "192.0.2.1/24"), (c, "veth-c", "192.0.2.3/24")):
        ns.run("ip", "addr", "add", address, "dev", end, check=True)
        ns.run("ip", "link", "set", end, "up", check=True)
    b.run(sys.executable, "-c", "open('/proc/sys/net/bridge/bridge-nf-call-iptables', 'w').write('1')",
          check=True)
    loaded = b.run("iptables-legacy-restore", input=RULES)
    assert loaded.returncode == 0, loaded.stderr
    # the bridge forwards only once its ports are past the listening/learning states
    for _ in range(50):
        states = b.run("bridge", "link", "show").stdout
        if states.count("state forwarding") == 2:
            break
        time.sleep(0.1)
    # neighbour discovery first, so that no datagram waits in an ARP queue
    a.run(sys.executable, "-c", SEND, "192.0.2.3", "192.0.2.2", check=True)
    b.run(sys.executable, "-c", SEND, "192.0.2.3", check=True)
    time.sleep(0.5)
    before = packet_counts(b, "-t", "mangle")
    a.run(sys.executable, "-c", SEND, "192.0.2.3", "192.0.2.2", check=True)
    b.run(sys.executable, "-c", SEND, "192.0.2.3", check=True)
    after = packet_counts(b, "-t", "mangle")
    sent = {rule: after[rule] - before[rule] for rule in after}

    assert sent["-A PREROUTING -p udp -m physdev --physdev-in port-a"] == 6   # bridged and local
    assert sent["-A INPUT -p udp -m physdev --physdev-in port-a"] == 3
    assert sent["-A FORWARD -p udp -m physdev --physdev-out port-c"] == 3
    assert sent["-A POSTROUTING -p udp -m physdev --physdev-out port-c"] == 3
    assert sent["-A OUTPUT -d 192.0.2.3/32 -p udp"] == 3
    # before the bridge has decided, the outgoing port is never known
    assert sent["-A PREROUTING -p udp -m physdev --physdev-out port-c"] == 0
    assert sent["-A INPUT -p udp -m physdev --physdev-out port-c"] == 0
    assert sent["-A INPUT -p udp -m physdev --physdev-is-out"] == 0
    assert sent["-A OUTPUT -p udp -m physdev --physdev-out port-c --physdev-is-bridged"] == 0

    warned = sorted(d.span.line for d in run_rule("FW110", RULES) if str(d.severity) == "warning")
    assert warned == [8, 10, 11, 13]
    assert [d for d in run_rule("FW110", RULES) if str(d.severity) == "error"] == []
