"""The lockout guard of ``fwlint apply``: would the new ruleset cut off the SSH session it runs in?

Run over SSH, ``SSH_CONNECTION`` says ``CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT``.  Three
things are checked, each in the family of the session's addresses (a ruleset of the other family
cannot lock this session out):

* the session's packets: TCP client:port -> server:port, state ESTABLISHED, arriving on the
  interface the kernel routes the client through;
* its replies: server:port -> client:port, ESTABLISHED, leaving by that interface;
* a new SSH connection from the client: a SYN client:port -> server:port, state NEW.

The interface is what ``ip -j route get CLIENT`` says in the current network namespace.  When it
cannot be found, every interface name the ruleset mentions is tried, plus one it does not (``lo``
only for a client on this host), and a lockout is reported only when the packets are dropped on
all of them.

Two ways of deciding:

* :func:`lockouts_of_rulesets`, for iptables input: fwlint's concrete evaluator
  (:mod:`fwlint.analysis.evaluate`, as ``fwlint trace`` runs it).  Where it cannot tell (a
  match it does not model: ``-m recent``, ``-m limit`` ...), every combination of answers is
  followed and a lockout is reported only when every one of them drops: never a false refusal.
* :func:`lockouts_of_nft`, for nftables text: fwlint has no nft evaluator, so the kernel is the
  oracle.  In a throwaway network namespace (:mod:`fwlint.verify.lab`'s agent, TUN devices) a
  TCP connection from the client to a listener on the server's port is opened with no ruleset
  but a conntrack table, the text is loaded, and the session's packets are sent: what is not
  delivered (or refused leaving) was dropped, and ``nft monitor trace`` names the rule or the
  chain policy that dropped it, mapped back to its line of the text.

A DNAT or REDIRECT that sends the packets elsewhere is not a drop; nor is a queue to user space.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from typing import Callable, Iterable, Mapping, Sequence

from fwlint.ast import Rule, Ruleset

IPAddress = IPv4Address | IPv6Address

DROPPING = frozenset({"DROP", "REJECT"})
"""Final verdicts that are a lockout."""

RUN_LIMIT = 256
"""At most this many combinations of answers to what the evaluator cannot tell; past that the
guard cannot tell, and says nothing."""


class GuardError(ValueError):
    """``SSH_CONNECTION`` is malformed; the message is one line for the user."""


class GuardUnavailable(RuntimeError):
    """The kernel check of an nftables text could not be made (not root, no TUN device, the text
    does not load in a namespace ...): the guard cannot tell."""


@dataclass(frozen=True)
class Session:
    """The SSH session ``fwlint apply`` runs in (``SSH_CONNECTION``)."""

    client: IPAddress
    client_port: int
    server: IPAddress
    server_port: int

    @property
    def family(self) -> int:
        return self.client.version


@dataclass(frozen=True)
class Lockout:
    """Packets of the session the ruleset drops, and who drops them."""

    packets: str  # "this SSH session's packets from 203.0.113.7:50022 to 192.0.2.1:22"
    verdict: str  # "DROP" / "REJECT"
    rule: str  # "rules.v4:12: -A INPUT -s 203.0.113.0/24 -j DROP", or "the policy of filter INPUT (...)"

    def message(self) -> str:
        done = "rejected" if self.verdict == "REJECT" else "dropped"
        return f"{self.packets} would be {done} by {self.rule}"


# --- SSH_CONNECTION ----------------------------------------------------------------------------

def _address(text: str, what: str, raw: str) -> IPAddress:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        raise GuardError(f"SSH_CONNECTION={raw!r}: the {what} address {text!r} is not an IPv4 or IPv6 "
                         "address") from None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _port(text: str, what: str, raw: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise GuardError(f"SSH_CONNECTION={raw!r}: the {what} port {text!r} is not a port number "
                         "(1-65535)")
    return int(text)


def parse_session(value: str) -> Session:
    """``CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT``, as sshd sets it; raises :class:`GuardError`."""
    words = value.split()
    if len(words) != 4:
        raise GuardError(f"SSH_CONNECTION={value!r}: expected 4 words (client address and port, server "
                         f"address and port), found {len(words)}")
    client = _address(words[0], "client", value)
    client_port = _port(words[1], "client", value)
    server = _address(words[2], "server", value)
    server_port = _port(words[3], "server", value)
    if client.version != server.version:
        raise GuardError(f"SSH_CONNECTION={value!r}: the client address is IPv{client.version}, the "
                         f"server address IPv{server.version}")
    return Session(client, client_port, server, server_port)


def session_from_environment(environ: Mapping[str, str] = os.environ) -> Session | None:
    """The SSH session of the environment; None when ``SSH_CONNECTION`` is unset or empty."""
    value = environ.get("SSH_CONNECTION", "")
    if not value.strip():
        return None
    return parse_session(value)


# --- the packets --------------------------------------------------------------------------------

def _endpoint(address: IPAddress, port: int | None = None) -> str:
    if port is None:
        return str(address)
    return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"


def describe_inbound(session: Session) -> str:
    return (f"this SSH session's packets from {_endpoint(session.client, session.client_port)} to "
            f"{_endpoint(session.server, session.server_port)}")


def describe_replies(session: Session) -> str:
    return (f"this SSH session's replies from {_endpoint(session.server, session.server_port)} to "
            f"{_endpoint(session.client, session.client_port)}")


def describe_new(session: Session) -> str:
    return (f"a new SSH connection from {session.client} to "
            f"{_endpoint(session.server, session.server_port)}")


# --- the interface --------------------------------------------------------------------------------

def route_interface(address: IPAddress) -> str | None:
    """The interface the kernel routes ``address`` through (``ip -j route get``), None when it
    cannot be found."""
    if shutil.which("ip") is None:
        return None
    try:
        done = subprocess.run(["ip", "-j", "route", "get", str(address)], capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        routes = json.loads(done.stdout)
    except ValueError:
        return None
    for found in routes if isinstance(routes, list) else ():
        if isinstance(found, dict) and isinstance(found.get("dev"), str) and found["dev"]:
            return found["dev"]
    return None


def _concrete_name(pattern: str) -> str:
    """An interface name a pattern matches (``eth+`` / ``eth*``: ``eth0``)."""
    if pattern.endswith(("+", "*")):
        return (pattern[:-1] + "0")[:15]
    return pattern


def _candidates(mentioned: Iterable[str], session: Session) -> list[str]:
    """The names to try when the route is unknown: the ruleset's, plus one it does not mention."""
    local_client = session.client.is_loopback
    names: list[str] = []
    for pattern in mentioned:
        name = _concrete_name(pattern)
        if not name or name in names or (name == "lo" and not local_client):
            continue
        names.append(name)
    if local_client and "lo" not in names:
        names.append("lo")
    other = "fwguard0"
    n = 0
    while other in names or any(_wildcard_covers(p, other) for p in mentioned):
        n += 1
        other = f"fwguard{n}"
    names.append(other)
    return names


def _wildcard_covers(pattern: str, name: str) -> bool:
    if pattern.endswith(("+", "*")):
        return name.startswith(pattern[:-1])
    return pattern == name


# --- iptables rulesets: the concrete evaluator ---------------------------------------------------

def _mentioned_interfaces(ruleset: Ruleset) -> list[str]:
    out: list[str] = []
    for rule in ruleset.rules():
        for name in ("in-interface", "out-interface"):
            opt = rule.option(name)
            if opt is not None and opt.values and opt.values[0] not in out and opt.values[0] != "+":
                out.append(opt.values[0])
    return out


def _source_line(ruleset: Ruleset, line: int) -> str:
    if not ruleset.source:
        return ""
    lines = ruleset.source.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _rule_words(rule: Rule) -> str:
    return f"{rule.span.file}:{rule.span.line}: {rule.text}"


def _policy_words(ruleset: Ruleset, table: str, hook: str) -> str:
    words = f"the policy of {table} {hook}"
    t = ruleset.table(table)
    chain = t.chain(hook) if t is not None else None
    if chain is not None and chain.span is not None:
        written = _source_line(ruleset, chain.span.line)
        where = f"{chain.span.file}:{chain.span.line}"
        words += f" ({where}: {written})" if written else f" ({where})"
    return words


def _dropped_by(outcome: object, ruleset: Ruleset) -> tuple[str, str] | None:
    """(verdict, who) when the outcome is a drop or a reject, else None."""
    from fwlint.analysis.evaluate import Outcome

    assert isinstance(outcome, Outcome)
    if any(rewrite.side == "destination" for _, rewrite in outcome.rewrites):
        return None  # sent elsewhere (DNAT, REDIRECT): not a drop
    run = outcome.table
    if run is None or run.verdict is None:
        return None
    verdict = run.verdict.split()[0].upper()
    if verdict not in DROPPING:
        return None
    if run.decided_by is not None:
        return verdict, _rule_words(run.decided_by.rule)
    return verdict, _policy_words(ruleset, run.table, run.hook)


def _always_dropped(evaluator: object, ruleset: Ruleset, packet: object, local: Sequence[IPAddress]
                    ) -> tuple[str, str] | None:
    """(verdict, who) when every run of the packet (every answer to what the evaluator cannot
    tell) is dropped; who: the rule of the run that takes every unknown as "no"."""
    from fwlint.analysis.evaluate import Choices, PathEvaluator, all_runs

    assert isinstance(evaluator, PathEvaluator)

    def follow(choices: Choices) -> object:
        return evaluator.follow(packet, False, local, choices)  # type: ignore[arg-type]

    first: tuple[str, str] | None = None
    runs = 0
    complete = False
    for outcome, choices in all_runs(follow, RUN_LIMIT):
        runs += 1
        dropped = _dropped_by(outcome, ruleset)
        if dropped is None:
            return None
        if first is None:
            first = dropped
        if all(answer for answer, _ in choices.made):
            complete = True  # the last combination (every answer "yes") has been run
    return first if complete else None


_ESTABLISHED_STATUS = frozenset({"SEEN_REPLY", "ASSURED", "CONFIRMED"})


def _session_packets(session: Session, interface: str | None) -> list[tuple[str, object]]:
    """(what, packet) of the three checks, for the evaluator."""
    from fwlint.analysis.fields import TCP_FLAG_BITS
    from fwlint.analysis.packet import Packet

    ack, syn = TCP_FLAG_BITS["ACK"], TCP_FLAG_BITS["SYN"]
    on_wire = interface != "lo"
    unknown = {"length": None, "ttl": None, "tos": None, "mac": None, "hasmac": on_wire or None}
    family = session.family
    inbound = Packet(family, proto=6, src=session.client, dst=session.server, sport=session.client_port,
                     dport=session.server_port, iif=interface, ctstate="ESTABLISHED", snat=None, dnat=None,
                     ctstatus=_ESTABLISHED_STATUS, tcpflags=ack, ctmark=None, **unknown)
    replies = Packet(family, proto=6, src=session.server, dst=session.client, sport=session.server_port,
                     dport=session.client_port, oif=interface, ctstate="ESTABLISHED", snat=None, dnat=None,
                     ctstatus=_ESTABLISHED_STATUS, tcpflags=ack, ctmark=None,
                     **{**unknown, "hasmac": None})
    new = Packet(family, proto=6, src=session.client, dst=session.server, sport=session.client_port,
                 dport=session.server_port, iif=interface, ctstate="NEW", ctstatus=frozenset(), tcpflags=syn,
                 **unknown)
    return [(describe_inbound(session), inbound), (describe_replies(session), replies),
            (describe_new(session), new)]


def lockouts_of_rulesets(rulesets: Sequence[Ruleset], session: Session, *,
                         route: Callable[[IPAddress], str | None] = route_interface) -> list[Lockout]:
    """The session's packets the iptables rulesets drop (those of the session's family), one
    :class:`Lockout` per check (inbound, replies, new connection), in that order.  ``route``:
    the interface the client is reached through (None: unknown, every name is tried)."""
    from fwlint.analysis.evaluate import PathEvaluator

    chosen = [rs for rs in rulesets if rs.family == session.family]
    if not chosen:
        return []
    interface = route(session.client)
    out: list[Lockout] = []
    for ruleset in chosen:
        evaluator = PathEvaluator(ruleset)
        interfaces = [interface] if interface else _candidates(_mentioned_interfaces(ruleset), session)
        by_check: dict[str, list[tuple[str, str] | None]] = {}
        for name in interfaces:
            for what, packet in _session_packets(session, name):
                seen = by_check.setdefault(what, [])
                if seen and seen[-1] is None:
                    continue  # passes on some interface: no lockout
                seen.append(_always_dropped(evaluator, ruleset, packet, (session.server,)))
        for what, results in by_check.items():
            if len(results) != len(interfaces) or any(r is None for r in results):
                continue
            out.append(_lockout(what, [r for r in results if r is not None]))
    return out


def _lockout(what: str, results: list[tuple[str, str]]) -> Lockout:
    verdict = results[0][0] if all(v == results[0][0] for v, _ in results) else "DROP"
    whom: list[str] = []
    for _, who in results:
        if who not in whom:
            whom.append(who)
    return Lockout(what, verdict, " and ".join(whom))
