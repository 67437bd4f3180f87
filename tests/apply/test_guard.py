"""The lockout guard of `fwlint apply` (fwlint.apply.guard): SSH_CONNECTION, and iptables rulesets
judged by the concrete evaluator for the session's packets, replies and a new connection."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest

from fwlint.apply import guard
from fwlint.apply.guard import (
    GuardError,
    Lockout,
    Session,
    lockouts_of_rulesets,
    lockouts_of_translation,
    parse_session,
    session_from_environment,
)
from fwlint.parse import parse_text

SESSION = Session(IPv4Address("203.0.113.7"), 50022, IPv4Address("192.0.2.1"), 22)
INBOUND = "this SSH session's packets from 203.0.113.7:50022 to 192.0.2.1:22"
REPLIES = "this SSH session's replies from 192.0.2.1:22 to 203.0.113.7:50022"
NEW = "a new SSH connection from 203.0.113.7 to 192.0.2.1:22"


def on(interface):
    return lambda address: interface


def lockouts(text: str, session: Session = SESSION, interface: str | None = "eth0", family: int = 4
             ) -> list[Lockout]:
    rulesets = parse_text(text, "rules.v4" if family == 4 else "rules.v6", family)
    return lockouts_of_rulesets(rulesets, session, route=on(interface))


def save(*lines: str, input_policy: str = "ACCEPT", output_policy: str = "ACCEPT") -> str:
    return "\n".join(["*filter", f":INPUT {input_policy} [0:0]", ":FORWARD DROP [0:0]",
                      f":OUTPUT {output_policy} [0:0]", *lines, "COMMIT"]) + "\n"


# --- SSH_CONNECTION ----------------------------------------------------------------------------

def test_session_from_environment():
    env = {"SSH_CONNECTION": "203.0.113.7 50022 192.0.2.1 22"}
    assert session_from_environment(env) == SESSION


@pytest.mark.parametrize("env", [{}, {"SSH_CONNECTION": ""}, {"SSH_CONNECTION": "   "}])
def test_no_session(env):
    assert session_from_environment(env) is None


def test_ipv6_session():
    session = parse_session("2001:db8::7 40000 2001:db8::1 2222")
    assert session == Session(IPv6Address("2001:db8::7"), 40000, IPv6Address("2001:db8::1"), 2222)
    assert session.family == 6


def test_ipv4_mapped_addresses_read_as_ipv4():
    assert parse_session("::ffff:203.0.113.7 50022 ::ffff:192.0.2.1 22") == SESSION


def test_link_local_zone_is_dropped():
    session = parse_session("fe80::1%eth0 40000 fe80::2%eth0 22")
    assert session.client == IPv6Address("fe80::1") and session.server == IPv6Address("fe80::2")


@pytest.mark.parametrize("value, message", [
    ("203.0.113.7 50022 192.0.2.1",
     "SSH_CONNECTION='203.0.113.7 50022 192.0.2.1': expected 4 words (client address and port, server "
     "address and port), found 3"),
    ("203.0.113.7 50022 192.0.2.1 22 x",
     "SSH_CONNECTION='203.0.113.7 50022 192.0.2.1 22 x': expected 4 words (client address and port, "
     "server address and port), found 5"),
    ("host.example 50022 192.0.2.1 22",
     "SSH_CONNECTION='host.example 50022 192.0.2.1 22': the client address 'host.example' is not an "
     "IPv4 or IPv6 address"),
    ("203.0.113.7 50022 192.0.2.300 22",
     "SSH_CONNECTION='203.0.113.7 50022 192.0.2.300 22': the server address '192.0.2.300' is not an "
     "IPv4 or IPv6 address"),
    ("203.0.113.7 port 192.0.2.1 22",
     "SSH_CONNECTION='203.0.113.7 port 192.0.2.1 22': the client port 'port' is not a port number "
     "(1-65535)"),
    ("203.0.113.7 50022 192.0.2.1 65536",
     "SSH_CONNECTION='203.0.113.7 50022 192.0.2.1 65536': the server port '65536' is not a port "
     "number (1-65535)"),
    ("203.0.113.7 0 192.0.2.1 22",
     "SSH_CONNECTION='203.0.113.7 0 192.0.2.1 22': the client port '0' is not a port number (1-65535)"),
    ("2001:db8::7 50022 192.0.2.1 22",
     "SSH_CONNECTION='2001:db8::7 50022 192.0.2.1 22': the client address is IPv6, the server "
     "address IPv4"),
])
def test_malformed_session(value, message):
    with pytest.raises(GuardError) as raised:
        session_from_environment({"SSH_CONNECTION": value})
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)
    assert "\n" not in message


def test_lockout_message():
    assert Lockout(INBOUND, "DROP", "rules.v4:6: -A INPUT -j DROP").message() == \
        f"{INBOUND} would be dropped by rules.v4:6: -A INPUT -j DROP"
    assert Lockout(NEW, "REJECT", "rules.v4:6: -A INPUT -j REJECT").message() == \
        f"{NEW} would be rejected by rules.v4:6: -A INPUT -j REJECT"


# --- iptables rulesets -------------------------------------------------------------------------

def test_policy_drop_without_established_accept_names_the_policy_line():
    found = lockouts(save("-A INPUT -i lo -j ACCEPT", "-A INPUT -p tcp --dport 80 -j ACCEPT",
                          input_policy="DROP"))
    policy = "the policy of filter INPUT (rules.v4:2: :INPUT DROP [0:0])"
    assert found == [Lockout(INBOUND, "DROP", policy), Lockout(NEW, "DROP", policy)]
    assert found[0].message() == f"{INBOUND} would be dropped by {policy}"


def test_a_drop_of_the_client_network_names_that_line():
    found = lockouts(save("-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
                          "-A INPUT -s 203.0.113.0/24 -j DROP"))
    assert found == [Lockout(NEW, "DROP", "rules.v4:6: -A INPUT -s 203.0.113.0/24 -j DROP")]
    found = lockouts(save("-A INPUT -s 203.0.113.0/24 -j DROP",
                          "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"))
    rule = "rules.v4:5: -A INPUT -s 203.0.113.0/24 -j DROP"
    assert found == [Lockout(INBOUND, "DROP", rule), Lockout(NEW, "DROP", rule)]


def test_a_drop_on_another_interface_is_nothing():
    assert lockouts(save("-A INPUT -i eth1 -s 203.0.113.0/24 -j DROP")) == []
    # ... but on the session's own interface it is
    assert lockouts(save("-A INPUT -i eth0 -s 203.0.113.0/24 -j DROP")) != []


def test_a_drop_of_another_network_is_nothing():
    assert lockouts(save("-A INPUT -s 198.51.100.0/24 -j DROP", input_policy="ACCEPT")) == []


def test_output_policy_drop_names_the_replies():
    found = lockouts(save("-A OUTPUT -o lo -j ACCEPT", output_policy="DROP"))
    assert found == [Lockout(REPLIES, "DROP", "the policy of filter OUTPUT (rules.v4:4: :OUTPUT DROP [0:0])")]


def test_established_allowed_new_ssh_dropped_gives_only_the_new_connection():
    found = lockouts(save("-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
                          "-A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset",
                          "-A INPUT -p tcp --dport 80 -j ACCEPT", input_policy="DROP"))
    assert found == [Lockout(NEW, "REJECT", "rules.v4:6: -A INPUT -p tcp --dport 22 -j REJECT --reject-with "
                                            "tcp-reset")]
    assert found[0].message().endswith("would be rejected by rules.v4:6: -A INPUT -p tcp --dport 22 -j "
                                       "REJECT --reject-with tcp-reset")


def test_a_ruleset_that_lets_the_session_through_gives_nothing():
    assert lockouts(save("-A INPUT -i lo -j ACCEPT",
                         "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
                         "-A INPUT -p tcp --dport 22 -s 203.0.113.0/24 -j ACCEPT", input_policy="DROP",
                         output_policy="DROP")) == [
        Lockout(REPLIES, "DROP", "the policy of filter OUTPUT (rules.v4:4: :OUTPUT DROP [0:0])")]
    assert lockouts(save("-A INPUT -i lo -j ACCEPT",
                         "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
                         "-A INPUT -p tcp --dport 22 -s 203.0.113.0/24 -j ACCEPT",
                         "-A OUTPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
                         input_policy="DROP", output_policy="DROP")) == []


def test_the_drop_in_a_user_chain_is_named():
    found = lockouts(save(":BLOCK - [0:0]", "-A INPUT -p tcp -j BLOCK", "-A BLOCK -s 203.0.113.7 -j DROP"))
    rule = "rules.v4:7: -A BLOCK -s 203.0.113.7 -j DROP"
    assert found == [Lockout(INBOUND, "DROP", rule), Lockout(NEW, "DROP", rule)]


def test_an_ipv6_session_against_an_ipv4_ruleset_is_nothing():
    session = parse_session("2001:db8::7 40000 2001:db8::1 22")
    assert lockouts(save("-A INPUT -j DROP", input_policy="DROP"), session) == []


def test_an_ipv6_session_against_an_ipv6_ruleset():
    session = parse_session("2001:db8::7 40000 2001:db8::1 22")
    found = lockouts(save("-A INPUT -s 2001:db8::/64 -p tcp --dport 22 -j DROP"), session, family=6)
    rule = "rules.v6:5: -A INPUT -s 2001:db8::/64 -p tcp --dport 22 -j DROP"
    inbound = "this SSH session's packets from [2001:db8::7]:40000 to [2001:db8::1]:22"
    assert found == [Lockout(inbound, "DROP", rule),
                     Lockout("a new SSH connection from 2001:db8::7 to [2001:db8::1]:22", "DROP", rule)]


def test_recent_guarded_drop_is_nothing():
    # the drop depends on -m recent, which fwlint cannot judge: some outcomes accept
    drop = "-A INPUT -p tcp --dport 22 -m recent --update --seconds 60 --hitcount 4 -j DROP"
    assert lockouts(save(drop)) == []


def test_unknown_before_an_unconditional_drop_still_drops():
    # whatever -m limit says, every outcome drops: reported, with the rule of the "no" answers
    found = lockouts(save("-A INPUT -p tcp -m limit --limit 3/min -j DROP", "-A INPUT -j DROP"))
    assert found == [Lockout(INBOUND, "DROP", "rules.v4:6: -A INPUT -j DROP"),
                     Lockout(NEW, "DROP", "rules.v4:6: -A INPUT -j DROP")]


def test_recent_guarded_accept_before_a_drop_is_nothing():
    # taken as not matching, -m recent lets the drop decide; taken as matching, it accepts
    assert lockouts(save("-A INPUT -p tcp --dport 22 -m recent --rcheck --name ok -j ACCEPT",
                         "-A INPUT -j DROP")) == []


def test_dnat_elsewhere_is_not_a_drop():
    # the new connection is sent to another host, where FORWARD drops it: not this host's lockout
    text = "\n".join([
        "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        "-A PREROUTING -p tcp --dport 22 -j DNAT --to-destination 198.51.100.9:22", "COMMIT",
        "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
        "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", "COMMIT"]) + "\n"
    assert lockouts(text) == []


def test_unknown_interface_reports_only_a_drop_on_every_interface():
    # the route to the client is unknown: eth1 (mentioned) and another name are both tried
    assert lockouts(save("-A INPUT -i eth1 -s 203.0.113.0/24 -j DROP"), interface=None) == []
    found = lockouts(save("-A INPUT -i lo -j ACCEPT", "-A INPUT -i eth+ -j ACCEPT",
                          "-A INPUT -s 203.0.113.0/24 -j DROP"), interface=None)
    assert found == []  # eth0 (for eth+) lets it through
    found = lockouts(save("-A INPUT -i lo -j ACCEPT", "-A INPUT -i eth1 -p udp -j ACCEPT",
                          "-A INPUT -s 203.0.113.0/24 -j DROP"), interface=None)
    rule = "rules.v4:7: -A INPUT -s 203.0.113.0/24 -j DROP"
    assert found == [Lockout(INBOUND, "DROP", rule), Lockout(NEW, "DROP", rule)]


def test_script_policy_names_its_line():
    script = "\n".join(["#!/bin/sh", "IPT=iptables", "$IPT -F", "$IPT -A INPUT -i lo -j ACCEPT",
                        "$IPT -P INPUT DROP"]) + "\n"
    rulesets = parse_text(script, "firewall.sh", None)
    found = lockouts_of_rulesets(rulesets, SESSION, route=on("eth0"))
    policy = "the policy of filter INPUT (firewall.sh:5: $IPT -P INPUT DROP)"
    assert found == [Lockout(INBOUND, "DROP", policy), Lockout(NEW, "DROP", policy)]


def test_too_many_unknowns_is_nothing():
    # every outcome drops, but nine unknowns are more combinations than the guard follows
    limits = [f"-A INPUT -p tcp -m limit --limit {n}/sec -j DROP" for n in range(1, 10)]
    assert lockouts(save(*limits, "-A INPUT -j DROP")) == []
    rule = "rules.v4:13: -A INPUT -j DROP"
    assert lockouts(save(*limits[:8], "-A INPUT -j DROP")) == [Lockout(INBOUND, "DROP", rule),
                                                               Lockout(NEW, "DROP", rule)]


def test_a_client_on_this_host_comes_in_on_lo():
    session = parse_session("192.0.2.1 50022 192.0.2.1 22")
    text = save("-A INPUT -i lo -j ACCEPT", "-A INPUT -s 192.0.2.1 -j DROP")
    assert lockouts(text, session, interface="lo") == []
    # the replies loop back through lo into INPUT too
    rule = "rules.v4:6: -A INPUT -s 192.0.2.1 -j DROP"
    assert lockouts(save("-A INPUT -i eth0 -j ACCEPT", "-A INPUT -s 192.0.2.1 -j DROP"), session,
                    interface="lo") == [
        Lockout("this SSH session's packets from 192.0.2.1:50022 to 192.0.2.1:22", "DROP", rule),
        Lockout("this SSH session's replies from 192.0.2.1:22 to 192.0.2.1:50022", "DROP", rule),
        Lockout("a new SSH connection from 192.0.2.1 to 192.0.2.1:22", "DROP", rule)]


# --- iptables input: the evaluator, and the kernel on the translation where it cannot tell -------

class FakeKernel:
    """Stands in for lockouts_of_nft (the kernel path has tests of its own in tests/kernel)."""

    def __init__(self, answer: list[Lockout]) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, str, str | None]] = []

    def __call__(self, nft_text, session, lines=None, *, route, policies=None, **_):
        self.calls.append((nft_text, str(session.client), lines(7), route(session.client)))
        return self.answer


def translation(text: str, kernel: FakeKernel, monkeypatch, interface: str | None = "eth0") -> list[Lockout]:
    monkeypatch.setattr(guard, "lockouts_of_nft", kernel)
    rulesets = parse_text(text, "rules.v4", 4)
    return lockouts_of_translation(rulesets, "THE TRANSLATION", SESSION, lambda n: f"origin of {n}",
                                   route=on(interface))


MACS = [f"-A INPUT -p tcp --dport 22 -m mac --mac-source 02:00:00:00:00:{n:02x} -j ACCEPT" for n in range(12)]


def test_translation_asks_the_kernel_only_for_what_the_evaluator_cannot_tell(monkeypatch):
    # established accepted (decided: no lockout); a new connection meets 12 -m mac matches
    # (the interface's link layer is unknown) before the policy: the kernel's answer is taken
    text = save("-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", *MACS, input_policy="DROP")
    assert lockouts(text) == []  # the evaluator alone says nothing
    by_kernel = Lockout(NEW, "DROP", "the policy of filter INPUT (rules.v4:2: :INPUT DROP [0:0])")
    kernel = FakeKernel([Lockout(INBOUND, "DROP", "not asked for"), by_kernel])
    assert translation(text, kernel, monkeypatch) == [by_kernel]
    assert kernel.calls == [("THE TRANSLATION", "203.0.113.7", "origin of 7", "eth0")]


def test_translation_nothing_from_the_kernel_is_nothing(monkeypatch):
    text = save("-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", *MACS, input_policy="DROP")
    kernel = FakeKernel([])
    assert translation(text, kernel, monkeypatch) == []
    assert len(kernel.calls) == 1


def test_translation_decided_by_the_evaluator_does_not_ask_the_kernel(monkeypatch):
    kernel = FakeKernel([Lockout(REPLIES, "DROP", "never used")])
    policy = "the policy of filter INPUT (rules.v4:2: :INPUT DROP [0:0])"
    assert translation(save("-A INPUT -i lo -j ACCEPT", input_policy="DROP"), kernel, monkeypatch) == [
        Lockout(INBOUND, "DROP", policy), Lockout(NEW, "DROP", policy)]
    assert kernel.calls == []


def test_translation_asks_the_kernel_when_the_evaluators_runs_disagree(monkeypatch):
    # `-m recent --rcheck -j ACCEPT` as the only way in: let through if the address is on the list,
    # dropped if not; the translated list starts empty, and the kernel says so
    by_kernel = [Lockout(INBOUND, "DROP", "the kernel's"), Lockout(NEW, "DROP", "the kernel's")]
    kernel = FakeKernel(by_kernel)
    assert translation(save("-A INPUT -m recent --rcheck --name ok -j ACCEPT", input_policy="DROP"),
                       kernel, monkeypatch) == by_kernel
    assert len(kernel.calls) == 1


def test_translation_keeps_the_evaluators_drops_beside_the_kernels(monkeypatch):
    # replies: dropped by OUTPUT's policy (decided); a new connection: the kernel's answer
    text = save("-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", *MACS, input_policy="DROP",
                output_policy="DROP")
    by_kernel = Lockout(NEW, "DROP", "the kernel's")
    found = translation(text, FakeKernel([by_kernel]), monkeypatch)
    assert found == [Lockout(REPLIES, "DROP", "the policy of filter OUTPUT (rules.v4:4: :OUTPUT DROP [0:0])"),
                     by_kernel]


def test_translation_of_the_other_family_is_nothing(monkeypatch):
    kernel = FakeKernel([Lockout(NEW, "DROP", "never used")])
    monkeypatch.setattr(guard, "lockouts_of_nft", kernel)
    rulesets = parse_text(save(*MACS, input_policy="DROP"), "rules.v6", 6)
    assert lockouts_of_translation(rulesets, "TEXT", SESSION, str, route=on("eth0")) == []
    assert kernel.calls == []
