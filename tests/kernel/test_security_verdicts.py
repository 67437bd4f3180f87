"""What the security rules (FW401-FW406) claim about a ruleset, checked with real connections.

Two namespaces joined by a veth pair: A (198.51.100.2, 2001:db8::2) connects to B
(198.51.100.1, 2001:db8::1), whose INPUT holds the ruleset under test and where a server
listens on every port the cases use.  Each case is chosen so that the finding and the
connection answer the same question: FW404 reports exactly when A cannot open a new SSH
connection, FW402 exactly when A (a source no rule names) reaches the database port, and so on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fwlint.check import check_paths
from fwlint.lint.engine import catalogue
from fwlint.testing import run_rule
from tests.kernel.conftest import require_root_and

A4, B4, A6, B6 = "198.51.100.2", "198.51.100.1", "2001:db8::2", "2001:db8::1"
PORTS = (22, 5432, 8080)

SERVER = """
import selectors, socket, sys
ports = [int(p) for p in sys.argv[1:]]
sel = selectors.DefaultSelector()
for family, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for port in ports:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, port))
        s.listen(16)
        sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        conn, _ = key.fileobj.accept()
        conn.close()
"""

CLIENT = """
import json, socket, sys
out = []
for target in sys.argv[1:]:
    host, port = target.rsplit(",", 1)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        s.connect((host, int(port)))
        out.append(True)
    except OSError:
        out.append(False)
    finally:
        s.close()
print(json.dumps(out))
"""

OPEN_V6 = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"


class Host:
    """B behind its firewall, A in front of it."""

    def __init__(self, a, b) -> None:
        self.a, self.b = a, b

    def load(self, v4: str, v6: str = OPEN_V6) -> None:
        for tool, text in (("iptables-legacy-restore", v4), ("ip6tables-legacy-restore", v6)):
            loaded = self.b.run(tool, input=text)
            assert loaded.returncode == 0, f"{tool}: {loaded.stderr}\n{text}"

    def connects(self, ns, *targets: tuple[str, int]) -> list[bool]:
        done = ns.run(sys.executable, "-c", CLIENT, *(f"{h},{p}" for h, p in targets), timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def from_a(self, port: int, address: str = B4) -> bool:
        return self.connects(self.a, (address, port))[0]

    def from_b_itself(self, port: int) -> bool:
        return self.connects(self.b, ("127.0.0.1", port))[0]


@pytest.fixture
def host(netns_factory):
    require_root_and("iptables-legacy-restore", "ip6tables-legacy-restore")
    a, b = netns_factory(), netns_factory()
    subprocess.run(["ip", "link", "add", "veth-a", "netns", a.name, "type", "veth", "peer", "name",
                    "veth-b", "netns", b.name], check=True, capture_output=True)
    for ns, dev, v4, v6 in ((a, "veth-a", A4, A6), (b, "veth-b", B4, B6)):
        ns.run(sys.executable, "-c", f"open('/proc/sys/net/ipv6/conf/{dev}/accept_dad', 'w').write('0')",
               check=True)
        ns.run("ip", "addr", "add", f"{v4}/24", "dev", dev, check=True)
        ns.run("ip", "-6", "addr", "add", f"{v6}/64", "dev", dev, "nodad", check=True)
        ns.run("ip", "link", "set", dev, "up", check=True)
    server = subprocess.Popen(["ip", "netns", "exec", b.name, sys.executable, "-c", SERVER,
                               *map(str, PORTS)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        ready = Host(a, b)
        # Neighbour discovery first: with everything open, both families must connect.
        for _ in range(20):
            if ready.connects(a, (B4, 8080), (B6, 8080)) == [True, True]:
                break
            time.sleep(0.25)
        else:
            pytest.fail("the two namespaces never reached each other over IPv4 and IPv6")
        yield ready
    finally:
        server.kill()
        server.wait(timeout=10)


def src(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


def rules(*lines: str, policy: str = "DROP") -> str:
    return src("*filter", f":INPUT {policy} [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
               *lines, "COMMIT")


ESTABLISHED = "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
LO = "-A INPUT -i lo -j ACCEPT"


def codes(code: str, text: str, path: str = "rules.v4") -> list[int]:
    return [d.span.line for d in run_rule(code, text, path) if d.code == code]


def disagreements(host: Host, code: str, cases: dict[str, str], probe) -> list[str]:
    """Cases where "fwlint reports ``code``" and "``probe`` says the kernel does what the
    finding claims" differ."""
    out = []
    for name, text in cases.items():
        host.load(text)
        reported = bool(codes(code, text))
        claimed = probe()
        if reported != claimed:
            out.append(f"{name}: {code} {'reported' if reported else 'silent'}, kernel "
                       f"{'agrees with the claim' if claimed else 'disagrees'}\n{text}")
    return out


def test_ssh_lockout_agrees_with_the_kernel(host):
    cases = {
        "drop policy, web ports only": rules(LO, ESTABLISHED, "-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT"),
        "drop by service name before the accept": rules(
            "-A INPUT -p tcp --dport ssh -j DROP",
            "-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j ACCEPT", policy="ACCEPT"),
        "established and loopback only, ! --syn": rules(
            LO, "-A INPUT -m state --state ESTABLISHED -j ACCEPT", "-A INPUT -p tcp --dport 22 ! --syn -j ACCEPT"),
        "reject in a user chain": src(
            "*filter", ":INPUT ACCEPT [0:0]", ":reject-rest - [0:0]",
            "-A INPUT -p tcp --dport 443 -j ACCEPT", "-A INPUT -j reject-rest", "-A reject-rest -j LOG",
            "-A reject-rest -p tcp -j REJECT --reject-with tcp-reset", "COMMIT"),
        "a range rejected before the accept": rules(
            "-A INPUT -p tcp -m multiport --dports 21:23 -j REJECT", "-A INPUT -p tcp --dport 22 -j ACCEPT",
            policy="ACCEPT"),
        "accepted from the network": rules(LO, ESTABLISHED, "-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j ACCEPT"),
        "by name in a multiport list": rules(ESTABLISHED, "-A INPUT -p tcp -m multiport --dports 80,ssh,443 -j ACCEPT"),
        "a range on an interface": rules(ESTABLISHED, "-A INPUT -i veth-b -p tcp --dport 20:25 -j ACCEPT"),
        "everything from one address": rules("-A INPUT -s 198.51.100.2 -j ACCEPT"),
        "brute-force limit": rules(
            ESTABLISHED,
            "-A INPUT -p tcp --dport 22 -m recent --name ssh --update --seconds 60 --hitcount 4 -j DROP",
            "-A INPUT -p tcp --dport 22 -m recent --name ssh --set -j ACCEPT"),
        "a SYN-flood chain returns connections under its limit": src(
            "*filter", ":INPUT DROP [0:0]", ":syn-flood - [0:0]", "-A INPUT -p tcp --syn -j syn-flood",
            "-A INPUT -p tcp --dport 22 -j ACCEPT",
            "-A syn-flood -m limit --limit 12/s --limit-burst 24 -j RETURN", "-A syn-flood -j DROP", "COMMIT"),
        "SYN by its flags, conntrack NEW": rules(
            ESTABLISHED, "-A INPUT -p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN "
                         "-m conntrack --ctstate NEW -j ACCEPT"),
        "rejected for every source but A": rules("-A INPUT ! -s 198.51.100.2 -p tcp --dport 22 -j REJECT",
                                                 policy="ACCEPT"),
    }
    assert disagreements(host, "FW404", cases, lambda: not host.from_a(22)) == []


def test_wide_open_port_agrees_with_the_kernel(host):
    cases = {
        "open to all": rules(ESTABLISHED, "-A INPUT -p tcp -m tcp --dport 5432 -m conntrack --ctstate NEW -j ACCEPT"),
        "rate-limited, in a multiport list": rules(
            "-A INPUT -p tcp -m multiport --dports 80,5432 -m connlimit --connlimit-upto 20 -j ACCEPT"),
        "to one address of the host": rules("-A INPUT -d 198.51.100.1 -p tcp --dport 5432 -j ACCEPT"),
        "in a user chain": src(
            "*filter", ":INPUT DROP [0:0]", ":services - [0:0]", "-A INPUT -p tcp -j services",
            "-A services -p tcp --dport 5432 -j ACCEPT", "COMMIT"),
        "from the application servers only": rules("-A INPUT -s 192.0.2.0/24 -p tcp --dport 5432 -j ACCEPT"),
        "loopback only": rules("-A INPUT -i lo -p tcp --dport 5432 -j ACCEPT",
                               "-A INPUT -s 127.0.0.1 -p tcp --dport 5432 -j ACCEPT"),
        "a drop over a rate leaves it open": rules(
            "-A INPUT -p tcp --dport 5432 -m hashlimit --hashlimit-above 10/sec --hashlimit-name pg -j DROP",
            "-A INPUT -p tcp --dport 5432 -j ACCEPT"),
        "closed first": rules("-A INPUT -p tcp --dport 5432 -j DROP", "-A INPUT -p tcp --dport 5432 -j ACCEPT"),
        "after a catch-all": rules("-A INPUT -j REJECT", "-A INPUT -p tcp --dport 5432 -j ACCEPT",
                                   policy="ACCEPT"),
        "through a jump that narrows the source": src(
            "*filter", ":INPUT DROP [0:0]", ":trusted - [0:0]", "-A INPUT -s 203.0.113.0/24 -j trusted",
            "-A trusted -p tcp --dport 5432 -j ACCEPT", "COMMIT"),
    }
    assert disagreements(host, "FW402", cases, lambda: host.from_a(5432)) == []


def test_missing_loopback_accept_agrees_with_the_kernel(host):
    cases = {
        "drop policy, no loopback accept": rules(ESTABLISHED, "-A INPUT -p tcp --dport 22 -j ACCEPT"),
        "catch-all reject, loopback only dropped": rules(
            "-A INPUT ! -i lo -d 127.0.0.0/8 -j DROP", "-A INPUT -i lo -p tcp --dport 25 -j DROP",
            "-A INPUT -j REJECT", policy="ACCEPT"),
        "loopback accepted": rules(LO, ESTABLISHED),
        "loopback addresses accepted": rules("-A INPUT -s 127.0.0.0/8 -j ACCEPT", "-A INPUT -j DROP",
                                             policy="ACCEPT"),
        "in a user chain": src(
            "*filter", ":INPUT DROP [0:0]", ":before-input - [0:0]", "-A INPUT -j before-input",
            "-A before-input -i lo -j ACCEPT", "COMMIT"),
        "accept policy": rules("-A INPUT -p tcp --dport 23 -j DROP", policy="ACCEPT"),
    }
    assert disagreements(host, "FW403", cases, lambda: not host.from_b_itself(8080)) == []


def test_default_accept_and_accept_all_agree_with_the_kernel(host):
    # FW401 and FW406 both say: a port no rule names (8080) is open.
    fw401 = {
        "blacklist under accept": rules("-A INPUT -p tcp --dport 23 -j DROP", policy="ACCEPT"),
        "drop policy": rules(LO, ESTABLISHED, "-A INPUT -p tcp --dport 22 -j ACCEPT"),
        "catch-all reject": rules("-A INPUT -p tcp --dport 22 -j ACCEPT", "-A INPUT -j REJECT", policy="ACCEPT"),
        "jump to log-and-drop": src(
            "*filter", ":INPUT ACCEPT [0:0]", ":log-drop - [0:0]", "-A INPUT -j log-drop",
            "-A log-drop -j LOG", "-A log-drop -j DROP", "COMMIT"),
        "jump to a chain that may return": src(
            "*filter", ":INPUT ACCEPT [0:0]", ":blocklist - [0:0]", "-A INPUT -j blocklist",
            "-A blocklist -s 203.0.113.0/24 -j DROP", "-A blocklist -s 192.0.2.7 -j RETURN", "COMMIT"),
    }
    assert disagreements(host, "FW401", fw401, lambda: host.from_a(8080)) == []
    fw406 = {
        "accept-all before the drops": rules("-A INPUT -j ACCEPT", "-A INPUT -m conntrack --ctstate INVALID -j DROP"),
        "accept-all in a user chain": src(
            "*filter", ":INPUT DROP [0:0]", ":open - [0:0]", "-A INPUT -j open", "-A open -j ACCEPT", "COMMIT"),
        "a typical host": rules(LO, ESTABLISHED, "-A INPUT -p tcp --dport 22 -j ACCEPT"),
    }
    assert disagreements(host, "FW406", fw406, lambda: host.from_a(8080)) == []


V4_FILTERED = rules(LO, ESTABLISHED, "-A INPUT -p tcp --dport 22 -j ACCEPT")


@pytest.mark.parametrize(("v6_text", "gap"), [
    (OPEN_V6, True),
    ("", True),  # an empty rules.v6: ip6tables keeps its boot policy
    (rules(LO, ESTABLISHED, "-A INPUT -p ipv6-icmp -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT"), False),
    (rules("-A INPUT -p ipv6-icmp -j ACCEPT", "-A INPUT -j REJECT", policy="ACCEPT"), False),
], ids=["accept", "empty", "filtered", "catch-all"])
def test_ipv6_gap_agrees_with_the_kernel(host, tmp_path: Path, v6_text: str, gap: bool):
    (tmp_path / "rules.v4").write_text(V4_FILTERED)
    (tmp_path / "rules.v6").write_text(v6_text)
    host.load(V4_FILTERED, v6_text or OPEN_V6)
    result = check_paths([str(tmp_path)], [catalogue().get("FW405")()])
    assert bool(result.diagnostics) == gap
    # IPv4 is closed on 8080; IPv6 is open exactly when FW405 says so
    assert host.connects(host.a, (B4, 8080), (B6, 8080)) == [False, gap]


def test_ipv6_gap_in_one_file_for_both_families(host):
    text = src("*filter", ":INPUT ACCEPT [0:0]", "-A INPUT -i lo -j ACCEPT",
               "-A INPUT -p tcp --dport 22 -j ACCEPT", "-4 -A INPUT -j DROP", "COMMIT")
    host.load(text, text)  # each restore skips the other family's lines
    assert codes("FW405", text, "iptables.rules") == [2]
    assert host.connects(host.a, (B4, 8080), (B6, 8080), (B4, 22), (B6, 22)) == [False, True, True, True]
