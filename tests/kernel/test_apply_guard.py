"""The lockout guard's nftables path (fwlint.apply.guard.lockouts_of_nft): the kernel is the oracle.

Each check makes a throwaway network namespace of its own (TUN devices only, the verification
agent in it), opens the session's connection there, loads the text and sends the session's
packets; the rule or policy that drops them is named from ``nft monitor trace``, by its line.
Then the guard run as `fwlint apply` runs it: inside a namespace (from ``netns_factory``) whose
route to the client is a veth, with ``SSH_CONNECTION`` set to addresses of that namespace.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fwlint.apply.guard import (
    UNTRACED,
    GuardUnavailable,
    Lockout,
    lockouts_of_nft,
    lockouts_of_rulesets,
    lockouts_of_translation,
    nft_interfaces,
    parse_session,
    rule_lines,
    scan_nft,
)
from tests.kernel.conftest import linked_pair, require, require_root_and

ROOT = Path(__file__).resolve().parents[2]
SESSION = parse_session("203.0.113.7 50022 192.0.2.1 22")
INBOUND = "this SSH session's packets from 203.0.113.7:50022 to 192.0.2.1:22"
REPLIES = "this SSH session's replies from 192.0.2.1:22 to 203.0.113.7:50022"
NEW = "a new SSH connection from 203.0.113.7 to 192.0.2.1:22"


@pytest.fixture(autouse=True)
def _kernel():
    require_root_and("nft")
    require(os.path.exists("/dev/net/tun"), "/dev/net/tun is missing")


def guard(text: str, session=SESSION, interface: str | None = "eth0", lines=None) -> list[Lockout]:
    return lockouts_of_nft(text, session, lines, route=lambda address: interface)


def nft(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_policy_drop_without_established_accept_names_the_policy():
    text = nft("table ip filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy drop;",
               '    iifname "lo" accept',
               "    tcp dport 80 accept",
               "  }",
               "}")
    policy = "the policy of ip filter input (line 3: type filter hook input priority 0; policy drop;)"
    assert guard(text) == [Lockout(INBOUND, "DROP", policy), Lockout(NEW, "DROP", policy)]


def test_a_drop_of_the_client_names_its_line():
    text = nft("table inet filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy accept;",
               "    ct state established,related accept",
               "    ip saddr 203.0.113.7 drop",
               "  }",
               "}")
    assert guard(text) == [Lockout(NEW, "DROP", "line 5: ip saddr 203.0.113.7 drop")]


def test_a_ruleset_that_lets_the_session_through_gives_nothing():
    text = nft("table inet filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy drop;",
               "    ct state established,related accept",
               '    iifname "lo" accept',
               "    tcp dport 22 accept",
               "  }",
               "  chain output {",
               "    type filter hook output priority 0; policy drop;",
               "    ct state established accept",
               "  }",
               "}")
    assert guard(text) == []


def test_output_policy_drop_names_the_replies_and_lines_maps_the_line():
    text = nft("flush ruleset",
               "table inet filter {",
               "  chain output {",
               "    type filter hook output priority 0",
               "    policy drop",
               '    oifname "lo" accept',
               "  }",
               "}")
    found = guard(text, lines=lambda n: f"host.nft:{n}: {text.splitlines()[n - 1].strip()}")
    assert found == [Lockout(REPLIES, "DROP", "the policy of inet filter output (host.nft:5: policy drop)")]


def test_replies_rejected_in_output_are_named_not_the_reset_the_reject_sends():
    # the reset the reject sends back to this host starts at the output hook too: the trace must
    # be the reply's own
    text = nft("table inet filter {",
               "  chain output {",
               "    type filter hook output priority 0; policy accept;",
               '    oifname "lo" accept',
               "    tcp sport 22 reject with tcp reset",
               "  }",
               "}")
    assert guard(text) == [Lockout(REPLIES, "REJECT", "line 5: tcp sport 22 reject with tcp reset")]


def test_established_allowed_new_ssh_rejected_in_a_user_chain():
    text = nft("define admin = 198.51.100.0/24",
               "table ip filter {",
               "  set blocked {",
               "    type ipv4_addr",
               "    elements = { 198.51.100.1,",
               "                 198.51.100.2 }",
               "  }",
               "  chain input {",
               "    type filter hook input priority 0; policy accept;",
               "    ct state established,related accept",
               "    tcp dport { 22,",
               "                2222 } jump ssh",
               "  }",
               "  chain ssh {",
               "    ip saddr $admin accept",
               "    ip saddr @blocked drop",
               "    reject with tcp reset",
               "  }",
               "}")
    assert guard(text) == [Lockout(NEW, "REJECT", "line 17: reject with tcp reset")]


def test_rules_added_by_commands_are_named_too():
    text = nft("add table ip filter",
               "add chain ip filter input { type filter hook input priority 0; policy accept; }",
               "add rule ip filter input tcp dport 80 accept",
               "insert rule ip filter input ip saddr 203.0.113.0/24 tcp dport 22 drop")
    rule = "line 4: insert rule ip filter input ip saddr 203.0.113.0/24 tcp dport 22 drop"
    assert guard(text) == [Lockout(INBOUND, "DROP", rule), Lockout(NEW, "DROP", rule)]


def test_dnat_elsewhere_is_not_a_drop():
    text = nft("table ip nat {",
               "  chain prerouting {",
               "    type nat hook prerouting priority -100; policy accept;",
               "    tcp dport 22 dnat to 198.51.100.9",
               "  }",
               "}",
               "table ip filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy drop;",
               "    ct state established accept",
               "  }",
               "  chain forward {",
               "    type filter hook forward priority 0; policy drop;",
               "  }",
               "}")
    assert guard(text) == []


def test_ipv6_session():
    session = parse_session("2001:db8::7 40000 2001:db8::1 22")
    text = nft("table inet filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy accept;",
               "    ip saddr 203.0.113.7 drop",
               "    ip6 saddr 2001:db8::/64 tcp dport 22 drop",
               "  }",
               "}")
    rule = "line 5: ip6 saddr 2001:db8::/64 tcp dport 22 drop"
    assert guard(text, session) == [
        Lockout("this SSH session's packets from [2001:db8::7]:40000 to [2001:db8::1]:22", "DROP", rule),
        Lockout("a new SSH connection from 2001:db8::7 to [2001:db8::1]:22", "DROP", rule)]
    # an IPv4-only ruleset cannot lock out an IPv6 session
    assert guard(nft("table ip filter {", "  chain input {",
                     "    type filter hook input priority 0; policy drop;", "  }", "}"), session) == []


def test_unknown_route_reports_only_a_drop_on_every_interface():
    on_eth1 = nft("table inet filter {",
                  "  chain input {",
                  "    type filter hook input priority 0; policy accept;",
                  '    iifname "eth1" ip saddr 203.0.113.7 drop',
                  "  }",
                  "}")
    assert guard(on_eth1, interface=None) == []
    everywhere = nft("table inet filter {",
                     "  chain input {",
                     "    type filter hook input priority 0; policy accept;",
                     '    iifname "lo" accept',
                     '    iifname "eth1" udp dport 53 accept',
                     "    ip saddr 203.0.113.7 drop",
                     "  }",
                     "}")
    rule = "line 6: ip saddr 203.0.113.7 drop"
    assert guard(everywhere, interface=None) == [Lockout(INBOUND, "DROP", rule), Lockout(NEW, "DROP", rule)]


def test_devices_the_text_names_exist_in_the_namespace():
    # iif and a netdev chain need their devices when the text is loaded; the client is on eth0
    text = nft("table netdev edge {",
               "  chain ingress {",
               '    type filter hook ingress devices = { "eth0", "eth9" } priority 0; policy accept;',
               "  }",
               "}",
               "table inet filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy accept;",
               "    iif eth9 accept",
               "    ip saddr 203.0.113.7 drop",
               "  }",
               "}")
    rule = "line 10: ip saddr 203.0.113.7 drop"
    assert guard(text) == [Lockout(INBOUND, "DROP", rule), Lockout(NEW, "DROP", rule)]


def test_a_text_the_kernel_refuses_is_unavailable():
    with pytest.raises(GuardUnavailable) as raised:
        guard(nft("table ip filter {", "  chain input {",
                  "    type filter hook input priority 0; policy drop;",
                  "    tcp dport 22 jump nowhere", "  }", "}"))
    assert str(raised.value).startswith("the ruleset does not load in a throwaway namespace: ")


def test_no_namespace_is_left_behind(monkeypatch):
    import uuid

    from fwlint.apply import guard as module

    fixed = uuid.uuid4()
    name = f"fwlint-g-{fixed.hex[:8]}"
    monkeypatch.setattr(module.uuid, "uuid4", lambda: fixed)
    made = []
    real_run = subprocess.run

    def run(argv, *args, **kwargs):
        if argv[:3] == ["ip", "netns", "add"]:
            made.append(argv[3])
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(module.subprocess, "run", run)
    assert guard(nft("table ip filter {", "  chain input {",
                     "    type filter hook input priority 0; policy accept;", "  }", "}")) == []
    assert made == [name]
    listed = real_run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert name not in listed


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])  # a hangup: the SSH session is gone
def test_a_sigterm_or_a_hangup_still_deletes_the_namespace(number):
    import time
    import uuid

    fixed = uuid.uuid4()
    name = f"fwlint-g-{fixed.hex[:8]}"
    script = ("import signal, sys, uuid\n"
              "from fwlint.apply import guard\n"
              f"guard.uuid.uuid4 = lambda: uuid.UUID({str(fixed)!r})\n"
              "session = guard.parse_session('203.0.113.7 50022 192.0.2.1 22')\n"
              "try:\n"
              "    guard.lockouts_of_nft(sys.stdin.read(), session, route=lambda a: 'eth0', wait=5,\n"
              "                          settle=5)\n"
              "except KeyboardInterrupt:\n"
              "    sys.exit(3)\n")
    text = nft("table ip filter {", "  chain input {", "    type filter hook input priority 0; policy drop;",
               "  }", "}")
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    child.stdin.write(text)
    child.stdin.close()
    try:
        deadline = time.monotonic() + 30
        while name not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout:
            assert time.monotonic() < deadline and child.poll() is None, "the namespace never appeared"
            time.sleep(0.05)
        time.sleep(0.5)
        child.send_signal(number)
        assert child.wait(timeout=30) == 3
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert name not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout


def test_in_a_namespace_with_ssh_connection_set(netns_factory):
    # `fwlint apply` runs in namespace a; the client 192.0.2.2 (namespace b) is reached by veth-a
    a, _ = linked_pair(netns_factory)
    text = nft("table ip filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy accept;",
               '    iifname "veth-a" ip saddr 192.0.2.0/24 tcp dport 22 drop',
               "  }",
               "}")
    script = ("import json, sys\n"
              "from fwlint.apply.guard import lockouts_of_nft, route_interface, session_from_environment\n"
              "session = session_from_environment()\n"
              "found = lockouts_of_nft(sys.stdin.read(), session)\n"
              "print(json.dumps([route_interface(session.client), [l.message() for l in found]]))\n")
    env = {**os.environ, "SSH_CONNECTION": "192.0.2.2 50022 192.0.2.1 22", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["ip", "netns", "exec", a.name, sys.executable, "-c", script], input=text,
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    rule = 'line 4: iifname "veth-a" ip saddr 192.0.2.0/24 tcp dport 22 drop'
    assert json.loads(done.stdout) == ["veth-a", [
        f"this SSH session's packets from 192.0.2.2:50022 to 192.0.2.1:22 would be dropped by {rule}",
        f"a new SSH connection from 192.0.2.2 to 192.0.2.1:22 would be dropped by {rule}"]]


# --- a packet that does not pass is dropped, traced or not (the audit of issue 7) ---------------

POLICY_DROP = nft("table ip filter {",
                  "  chain input {",
                  "    type filter hook input priority 0; policy drop;",
                  "    tcp dport 80 accept",
                  "  }",
                  "}")


def test_a_monitor_that_subscribes_late_still_sees_the_drop(monkeypatch):
    # nft monitor trace reads the whole ruleset before it subscribes (more than a second with the
    # 50k-rule translation): the guard waits for it instead of sending into an unwatched kernel
    from fwlint.verify import lab

    def slow_start_trace(side, handles=False):
        side.load_nft(lab.TRACE_RULESET)
        late = "sleep 2; exec nft -a monitor trace"
        return subprocess.Popen(["ip", "netns", "exec", side.name, "sh", "-c", late],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    monkeypatch.setattr(lab.Side, "start_trace", slow_start_trace)
    policy = "the policy of ip filter input (line 3: type filter hook input priority 0; policy drop;)"
    assert guard(POLICY_DROP) == [Lockout(INBOUND, "DROP", policy), Lockout(NEW, "DROP", policy)]


def test_a_packet_that_never_passes_is_dropped_even_when_the_trace_names_no_rule(monkeypatch):
    import fwlint.apply.guard as module

    monkeypatch.setattr(module, "probe_verdicts", lambda output, packet, start_hook: [])
    assert guard(POLICY_DROP) == [Lockout(INBOUND, "DROP", UNTRACED), Lockout(NEW, "DROP", UNTRACED)]
    assert UNTRACED == "the ruleset (the kernel did not let the packets through; the trace named no rule)"


def test_replies_rejected_in_output_to_the_clients_network():
    # the audit's file: replies rejected (a drop was refused, this reject was not)
    session = parse_session("192.0.2.2 50022 192.0.2.1 22")
    text = nft("table inet filter {",
               "  chain output {",
               "    type filter hook output priority 0; policy accept;",
               "    tcp sport 22 ip daddr 192.0.2.0/24 reject",
               "  }",
               "}")
    assert guard(text, session) == [Lockout("this SSH session's replies from 192.0.2.1:22 to 192.0.2.2:50022",
                                            "REJECT", "line 4: tcp sport 22 ip daddr 192.0.2.0/24 reject")]


MACS = [f"-A INPUT -p tcp --dport 22 -m mac --mac-source 02:00:00:00:00:{n:02x} -j ACCEPT"
        for n in range(12)]
HEADER = ["*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]"]


def test_iptables_input_the_evaluator_cannot_judge_is_judged_by_the_kernel_on_its_translation(tmp_path):
    # twelve -m mac matches before the policy: more unknowns than the evaluator follows; the
    # kernel (no link-layer address on the namespace's devices) drops a new connection
    from fwlint.apply.source import prepare

    macs = MACS
    path = tmp_path / "rules.v4"
    path.write_text("\n".join([*HEADER, "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", *macs,
                               "COMMIT"]) + "\n")
    prepared = prepare([str(path)], force=True)

    def origin(line: int) -> str:
        where, text = prepared.where(line)
        return f"{where}: {text}" if text else where

    def route(address):
        return "eth0"
    assert lockouts_of_rulesets(prepared.rulesets, SESSION, route=route) == []
    found = lockouts_of_translation(prepared.rulesets, prepared.text, SESSION, origin, route=route)
    assert found == [Lockout(NEW, "DROP", f"the policy of filter INPUT ({path}:2: :INPUT DROP [0:0])")]


def test_iptables_input_a_translated_rule_is_named_by_its_iptables_line(tmp_path):
    from fwlint.apply.source import prepare

    macs = MACS
    path = tmp_path / "rules.v4"
    reject = "-A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset"
    path.write_text("\n".join([*HEADER, "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", *macs,
                               reject, "-A INPUT -j ACCEPT", "COMMIT"]) + "\n")
    prepared = prepare([str(path)], force=True)

    def origin(line: int) -> str:
        where, text = prepared.where(line)
        return f"{where}: {text}" if text else where

    found = lockouts_of_translation(prepared.rulesets, prepared.text, SESSION, origin, route=lambda a: "eth0")
    assert found == [Lockout(NEW, "REJECT", f"{path}:18:1: {reject}")]


# --- devices the text names, and libnftables without the nft program --------------------------

def test_devices_named_in_a_verdict_map_and_a_concatenation_are_made():
    # neither is found by reading the text ("Interface does not exist" names them): each is made
    # and the text loaded again
    text = nft("table inet filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy accept;",
               "    ct state established accept",
               '    iif . ip saddr { "dummy7" . 198.51.100.1 } drop',
               '    iif vmap { "dummy8" : drop, "eth0" : drop }',
               "  }",
               "}")
    assert guard(text) == [Lockout(NEW, "DROP", 'line 6: iif vmap { "dummy8" : drop, "eth0" : drop }')]
    assert guard(text.replace('"eth0" : drop', '"dummy9" : drop')) == []


NO_NFT_SCRIPT = """\
import json, sys
from fwlint.apply.guard import lockouts_of_nft, parse_session
session = parse_session("203.0.113.7 50022 192.0.2.1 22")
found = lockouts_of_nft(sys.stdin.read(), session, route=lambda address: "eth0")
print(json.dumps([[l.packets, l.verdict, l.rule] for l in found]))
"""


def test_without_the_nft_program_libnftables_loads_and_traces_in_the_namespace(tmp_path):
    # a host with libnftables but not the nftables package: PATH holds ip and sh only
    import shutil as sh

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("ip", "sh"):
        (bin_dir / tool).symlink_to(sh.which(tool))
    text = nft("table inet filter {",
               "  chain input {",
               "    type filter hook input priority 0; policy drop;",
               "    ct state established accept",
               "  }",
               "  chain output {",
               "    type filter hook output priority 0; policy accept;",
               "    tcp sport 22 ip daddr 203.0.113.0/24 reject",
               "  }",
               "}")
    env = {**os.environ, "PATH": str(bin_dir), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", NO_NFT_SCRIPT], input=text, capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        [REPLIES, "REJECT", "line 8: tcp sport 22 ip daddr 203.0.113.0/24 reject"],
        [NEW, "DROP", "the policy of inet filter input (line 3: type filter hook input priority 0; "
                      "policy drop;)"]]


# --- the text's rules and lines (no kernel needed, but they belong with the path) ---------------

def test_scan_and_echo_map_handles_to_lines():
    text = nft("table inet t {",
               "  chain c { type filter hook input priority 0; policy drop; tcp dport 22 accept; }",
               "  chain d {",
               "    udp dport { 53,",
               "      123 } accept   # comment { not a brace",
               '    meta l4proto tcp comment "a ; b" counter',
               "  }",
               "}",
               "add rule inet t d drop")
    source = scan_nft(text)
    assert source.rules == [(2, "t", "c"), (4, "t", "d"), (6, "t", "d"), (9, "t", "d")]
    assert source.policies == {("t", "c"): 2}
    echoed = "\n".join(["add table inet t # handle 1",
                        "add chain inet t c { type filter hook input priority filter; policy drop; }"
                        " # handle 1",
                        "add chain inet t d # handle 2",
                        "add rule inet t c tcp dport 22 accept # handle 3",
                        "add rule inet t d udp dport { 53, 123 } accept # handle 4",
                        'add rule inet t d meta l4proto tcp comment "a ; b" counter packets 0 bytes 0'
                        " # handle 5",
                        "add rule inet t d drop # handle 6"])
    assert rule_lines(source, echoed) == {("inet", "t", "c", 3): 2, ("inet", "t", "d", 4): 4,
                                          ("inet", "t", "d", 5): 6, ("inet", "t", "d", 6): 9}
    # a disagreement (one rule fewer echoed) maps nothing rather than something wrong
    assert rule_lines(source, "\n".join(echoed.splitlines()[:-1])) == {}


def test_interfaces_of_a_text():
    text = ('iifname "eth0" accept\noifname { "wg0", "ppp*" } accept\niif lo accept\niifname $wan drop\n'
            'meta iiftype ether accept\ntype filter hook ingress devices = { "eth2", eth3 } priority 0;\n')
    assert nft_interfaces(text) == ["eth0", "wg0", "ppp*", "lo", "eth2", "eth3"]


CORPUS = ROOT / "corpus"


@pytest.mark.parametrize("name", sorted(p.name.removesuffix(".nft") for p in CORPUS.glob("*.nft")))
def test_the_evaluator_and_the_kernel_agree_on_the_corpus(name):
    # the iptables path (fwlint's evaluator) and the nft path (the kernel, on fwlint's translation)
    # find the same lockouts with the same verdicts
    from fwlint.apply.guard import lockouts_of_rulesets
    from fwlint.parse import parse_text

    path = CORPUS / name
    rulesets = parse_text(path.read_text(), str(path), None)
    session = SESSION if rulesets[0].family == 4 else parse_session("2001:db8::7 50022 2001:db8::1 22")
    evaluated = lockouts_of_rulesets(rulesets, session, route=lambda address: "eth0")
    kernel = guard((CORPUS / f"{name}.nft").read_text(), session)
    assert [(lockout.packets, lockout.verdict) for lockout in kernel] == \
        [(lockout.packets, lockout.verdict) for lockout in evaluated]
