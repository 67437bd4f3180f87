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

Three ways of deciding:

* :func:`lockouts_of_rulesets`, for iptables input: fwlint's concrete evaluator
  (:mod:`fwlint.analysis.evaluate`, as ``fwlint trace`` runs it).  Where it cannot tell (a
  match it does not model: ``-m recent``, ``-m limit`` ...), every combination of answers is
  followed and a lockout is reported only when every one of them drops: never a false refusal
  for the evaluator's own verdicts.  When there are too many combinations to follow
  (:data:`FULL_ENUMERATION`, :data:`STEP_BUDGET`), it cannot tell and says nothing.
* :func:`lockouts_of_translation`, for iptables input as ``fwlint apply`` loads it: the evaluator
  where it decides, and the kernel on the translation (:func:`lockouts_of_nft`) for the checks it
  cannot tell (the 50,000-rule benchmark's ``-m mac`` rules), named by the iptables lines.
* :func:`lockouts_of_nft`, for nftables text: fwlint has no nft evaluator, so the kernel is the
  oracle.  In a throwaway network namespace (:mod:`fwlint.verify.lab`'s agent, TUN devices) a
  TCP connection from the client to a listener on the server's port is opened with no ruleset
  but a conntrack table, the text is loaded, and the session's packets are sent with ``nft
  monitor trace`` watching.  The monitor reads the whole ruleset before it subscribes (over a
  second for 50,000 rules), so marker packets are sent until it shows one, and only then the
  session's.  A packet that is not delivered (or refused leaving) is sent again up to
  :data:`ATTEMPTS` times; one that never passes is dropped (the kernel's verdict: a lockout,
  whatever the trace shows), named by the rule or the chain policy the trace shows dropping it,
  mapped back to its line of the text (``nft -e -a`` echoes each rule's handle as it adds
  them, in the order of the text), else as :data:`UNTRACED`.  Every device the text names is
  made (a TUN device), so ``iif``, verdict maps on ``iif`` and netdev chains load; without the
  nft program (libnftables only), the text is loaded and traced through libnftables by this
  module run inside the namespace (``python -m fwlint.apply.guard load|monitor``).

A DNAT or REDIRECT that sends the packets elsewhere is not a drop; nor is a queue to user space.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING

from fwlint.ast import Rule, Ruleset

if TYPE_CHECKING:  # the evaluator is imported when an iptables ruleset is judged
    from fwlint.analysis.evaluate import Outcome, PathEvaluator
    from fwlint.analysis.packet import Packet

IPAddress = IPv4Address | IPv6Address

DROPPING = frozenset({"DROP", "REJECT"})
"""Final verdicts that are a lockout."""

RUN_LIMIT = 256
"""At most this many combinations of answers to what the evaluator cannot tell; past that the
guard cannot tell, and says nothing."""

FULL_ENUMERATION = 8
"""A packet whose first run meets more unknowns than this cannot have every combination followed
(2**n runs): the guard cannot tell, and says nothing."""

STEP_BUDGET = 400_000
"""The runs of one packet stop (the guard cannot tell) once they have met this many rules."""


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


def _dropped_by(outcome: Outcome, ruleset: Ruleset) -> tuple[str, str] | None:
    """(verdict, who) when the outcome is a drop or a reject, else None."""
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


UNDECIDED = "undecided"
"""What :func:`_judged` answers when the evaluator cannot tell (too many unknowns to follow)."""


def _judged(evaluator: PathEvaluator, ruleset: Ruleset, packet: Packet, local: Sequence[IPAddress]
            ) -> tuple[str, str] | str | None:
    """(verdict, who) when every run of the packet (every answer to what the evaluator cannot
    tell) is dropped; None when every run passes (or the first passes with nothing unknown met);
    :data:`UNDECIDED` when some runs pass and others drop (``-m recent --rcheck -j ACCEPT`` as the
    only way in: the answer depends on what the kernel holds, and a translated recent list starts
    empty), or when the runs could not all be followed (:data:`FULL_ENUMERATION`,
    :data:`STEP_BUDGET`, :data:`RUN_LIMIT`).  who: the rule of the first run that drops."""
    from fwlint.analysis.evaluate import Choices, all_runs

    def follow(choices: Choices) -> Outcome:
        return evaluator.follow(packet, False, local, choices)

    first: tuple[str, str] | None = None
    passed = False
    complete = False
    budget = evaluator.steps + STEP_BUDGET
    for outcome, choices in all_runs(follow, RUN_LIMIT):
        dropped = _dropped_by(outcome, ruleset)
        if dropped is None:
            if first is not None:
                return UNDECIDED  # dropped one way, let through another
            if not choices.made:
                return None  # nothing unknown on the way: it passes
            passed = True
        else:
            if passed:
                return UNDECIDED
            if first is None:
                first = dropped
                if len(choices.made) > FULL_ENUMERATION:
                    return UNDECIDED
        if all(answer for answer, _ in choices.made):
            complete = True  # the last combination (every answer "yes") has been run
        elif evaluator.steps > budget:
            return None if passed else UNDECIDED
    if passed:
        return None
    return first if complete else UNDECIDED


_ESTABLISHED_STATUS = frozenset({"SEEN_REPLY", "ASSURED", "CONFIRMED"})


def _session_packets(session: Session, interface: str | None) -> list[tuple[str, Packet]]:
    """(what, packet) of the three checks, for the evaluator."""
    from fwlint.analysis.fields import TCP_FLAG_BITS
    from fwlint.analysis.packet import Packet

    ack, syn = TCP_FLAG_BITS["ACK"], TCP_FLAG_BITS["SYN"]
    # no link layer on lo; elsewhere one is not known (a tunnel, wg0, ppp0 has none)
    unknown = {"length": None, "ttl": None, "tos": None, "mac": None,
               "hasmac": False if interface == "lo" else None}
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


def _judge_rulesets(rulesets: Sequence[Ruleset], session: Session, interface: str | None
                    ) -> dict[str, list[tuple[str, str]] | str | None]:
    """Per check (its description, in order: inbound, replies, new connection): the drops of
    every interface tried (a lockout), None (no lockout) or :data:`UNDECIDED`."""
    from fwlint.analysis.evaluate import PathEvaluator

    checks = (describe_inbound(session), describe_replies(session), describe_new(session))
    verdicts: dict[str, list[tuple[str, str]] | str | None] = {what: None for what in checks}
    chosen = [rs for rs in rulesets if rs.family == session.family]
    for ruleset in chosen:
        evaluator = PathEvaluator(ruleset)
        interfaces = [interface] if interface else _candidates(_mentioned_interfaces(ruleset), session)
        for what in checks:
            if verdicts[what] is not None:
                continue  # an earlier ruleset of the family drops it already (or cannot tell)
            drops: list[tuple[str, str]] = []
            undecided = False
            for name in interfaces:
                packet = dict(_session_packets(session, name))[what]
                judged = _judged(evaluator, ruleset, packet, (session.server,))
                if judged is None:
                    drops, undecided = [], False
                    break  # passes on this interface: no lockout
                if judged == UNDECIDED:
                    undecided = True
                else:
                    drops.append(judged)  # type: ignore[arg-type]
            if undecided:
                verdicts[what] = UNDECIDED
            elif drops:
                verdicts[what] = drops
    return verdicts


def lockouts_of_rulesets(rulesets: Sequence[Ruleset], session: Session, *,
                         route: Callable[[IPAddress], str | None] = route_interface) -> list[Lockout]:
    """The session's packets the iptables rulesets drop (those of the session's family), one
    :class:`Lockout` per check (inbound, replies, new connection), in that order.  ``route``:
    the interface the client is reached through (None: unknown, every name is tried).  What the
    evaluator cannot tell is not reported (see :func:`lockouts_of_translation`)."""
    if not any(rs.family == session.family for rs in rulesets):
        return []
    judged = _judge_rulesets(rulesets, session, route(session.client))
    return [_lockout(what, drops) for what, drops in judged.items() if isinstance(drops, list)]


_TRANSLATED_BASE_CHAIN = re.compile(r"(raw|mangle|nat|filter|security)_"
                                    r"(prerouting|input|forward|output|postrouting)")
"""The name fwlint's translation gives the base chain of an iptables table's built-in chain."""


def lockouts_of_translation(rulesets: Sequence[Ruleset], nft_text: str, session: Session,
                            origin: Callable[[int], str] | None = None, *,
                            route: Callable[[IPAddress], str | None] = route_interface) -> list[Lockout]:
    """For iptables input: :func:`lockouts_of_rulesets` where the evaluator decides, and the
    kernel (:func:`lockouts_of_nft` on ``nft_text``, the translation that will be loaded) for
    the checks it cannot tell (more unknown matches than can be followed: ``-m mac`` on a
    50,000-rule ruleset).  ``origin`` maps a line of ``nft_text`` to the iptables line it came
    from, as shown to the user (``rules.v4:12: -A INPUT ...``).  The kernel is asked only when
    needed; :class:`GuardUnavailable` when it is and cannot be."""
    if not any(rs.family == session.family for rs in rulesets):
        return []
    interface = route(session.client)
    judged = _judge_rulesets(rulesets, session, interface)
    if any(drops == UNDECIDED for drops in judged.values()):
        def policy(family: str, table: str, chain: str) -> str | None:
            """The iptables chain a base chain of fwlint's translation (``filter_input``) stands for."""
            found = _TRANSLATED_BASE_CHAIN.fullmatch(chain)
            if found is None:
                return None
            for ruleset in rulesets:
                if ruleset.family == session.family and ruleset.table(found.group(1)) is not None:
                    return _policy_words(ruleset, found.group(1), found.group(2).upper())
            return None

        by_kernel = {lockout.packets: lockout
                     for lockout in lockouts_of_nft(nft_text, session, origin, route=lambda _: interface,
                                                    policies=policy)}
    else:
        by_kernel = {}
    out: list[Lockout] = []
    for what, drops in judged.items():
        if isinstance(drops, list):
            out.append(_lockout(what, drops))
        elif drops == UNDECIDED and what in by_kernel:
            out.append(by_kernel[what])
    return out


def _lockout(what: str, results: list[tuple[str, str]]) -> Lockout:
    verdict = results[0][0] if all(v == results[0][0] for v, _ in results) else "DROP"
    whom: list[str] = []
    for _, who in results:
        if who not in whom:
            whom.append(who)
    return Lockout(what, verdict, " and ".join(whom))


# --- nftables text: the kernel as the oracle -------------------------------------------------------

NFT_FAMILIES = frozenset({"ip", "ip6", "inet", "arp", "bridge", "netdev"})
_TABLE_OBJECTS = frozenset({"set", "map", "flowtable", "counter", "quota", "ct", "limit", "secmark",
                            "synproxy", "tunnel"})
_CHAIN_PROPERTIES = frozenset({"type", "policy", "comment", "devices", "device"})

KEEPER_TABLE = "fwlint_guard_ct"
KEEPER_RULESET = f"""table inet {KEEPER_TABLE} {{
  chain prerouting {{
    type filter hook prerouting priority -300; policy accept;
    ct state new
  }}
  chain output {{
    type filter hook output priority -300; policy accept;
    ct state new
  }}
}}
"""
"""Keeps conntrack running in the namespace (a ``ct`` expression registers it) while the session's
connection is opened, before the ruleset is loaded."""

ATTEMPTS = 3
"""How often a packet that did not pass, with no drop traced, is sent (it is a drop all the same
when it never passes)."""

MARKER_PORT = 9
"""The UDP port (discard) of the packets that show the trace monitor has subscribed."""

MONITOR_DEADLINE = 60.0
"""Seconds the trace monitor is given to show its first packet."""

UNTRACED = "the ruleset (the kernel did not let the packets through; the trace named no rule)"
"""Who dropped a packet that never passed when the trace named no rule or policy."""

LIBERAL = "/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal"
"""Set in the namespace: the segments the guard makes do not carry the sequence numbers the
listener chose, and conntrack must not take them for out-of-window (INVALID) packets."""


@dataclass
class NftSource:
    """Where the rules of an nftables text stand: each rule's line in the order nft adds them,
    with its table and chain; each chain's ``policy`` line.  ``mappable``: the text can be mapped
    (it includes no other file)."""

    rules: list[tuple[int, str, str]]
    policies: dict[tuple[str, str], int]
    mappable: bool = True


def _nft_tokens(text: str) -> Iterable[tuple[str, int]]:
    """Words, strings (with their quotes), ``{ } ;`` and newlines (``"\\n"``), with their line;
    comments and line continuations left out."""
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            yield "\n", line
            line += 1
            i += 1
        elif c == "\\" and text.startswith("\n", i + 1):
            line += 1
            i += 2
        elif c.isspace():
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end == -1 else end
        elif c in "{};":
            yield c, line
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end + 1
            yield text[i:end], line
            line += text.count("\n", i, end)
            i = end
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '{};"#':
                i += 1
            if i == start:
                i += 1
                continue
            yield text[start:i], line


def _unquoted(word: str) -> str:
    return word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word


def _table_of(words: Sequence[str]) -> str:
    """The table's name from ``[FAMILY] NAME ...``."""
    if len(words) >= 2 and words[0] in NFT_FAMILIES:
        return _unquoted(words[1])
    return _unquoted(words[0]) if words else ""


def _table_chain(words: Sequence[str]) -> tuple[str, str]:
    """(table, chain) from ``[FAMILY] TABLE CHAIN ...``."""
    rest = list(words[1:]) if words and words[0] in NFT_FAMILIES else list(words)
    table = _unquoted(rest[0]) if rest else ""
    chain = _unquoted(rest[1]) if len(rest) > 1 else ""
    return table, chain


def scan_nft(text: str) -> NftSource:
    """The rules of an nftables text, in the order ``nft -f`` adds them (see :class:`NftSource`)."""
    out = NftSource([], {})
    stack: list[tuple[str, ...]] = [("top",)]
    words: list[str] = []
    first_line = 0
    depth = 0  # braces inside the statement (an anonymous set, a verdict map)

    def finish() -> None:
        nonlocal words
        if words:
            _statement(stack[-1], words, first_line, out)
        words = []

    for token, line in _nft_tokens(text):
        if depth > 0:
            words.append(token)
            depth += 1 if token == "{" else -1 if token == "}" else 0
            continue
        if token in ("\n", ";"):
            finish()
        elif token == "}":
            finish()
            if len(stack) > 1:
                stack.pop()
        elif token == "{":
            block = _block(stack[-1], words)
            if block is not None:
                words = []
                stack.append(block)
            else:
                words.append(token)
                depth = 1
        else:
            if not words:
                first_line = line
            words.append(token)
    finish()
    return out


def _block(context: tuple[str, ...], words: Sequence[str]) -> tuple[str, ...] | None:
    """The block a ``{`` after ``words`` opens, or None when the brace is the statement's."""
    if not words:
        return None
    kind = context[0]
    if kind == "top":
        if words[0] == "table":
            return ("table", _table_of(words[1:]))
        if words[0] in ("add", "create") and len(words) > 1:
            if words[1] == "table":
                return ("table", _table_of(words[2:]))
            if words[1] == "chain":
                return ("chain", *_table_chain(words[2:]))
            if words[1] in _TABLE_OBJECTS:
                return ("other",)
        return None
    if kind == "table":
        if words[0] == "chain" and len(words) > 1:
            return ("chain", context[1], _unquoted(words[1]))
        if words[0] in _TABLE_OBJECTS:
            return ("other",)
    return None


def _statement(context: tuple[str, ...], words: Sequence[str], line: int, out: NftSource) -> None:
    kind = context[0]
    if words[0] == "include":
        out.mappable = False
        return
    if kind == "chain":
        if words[0] == "policy":
            out.policies[(context[1], context[2])] = line
        elif words[0] not in _CHAIN_PROPERTIES:
            out.rules.append((line, context[1], context[2]))
        return
    if kind == "top" and len(words) > 2 and words[0] in ("add", "insert", "replace") and words[1] == "rule":
        table, chain = _table_chain(words[2:])
        out.rules.append((line, table, chain))


_ECHOED_RULE = re.compile(r"^(?:add|insert|replace) rule (\S+) (\S+) (\S+) .*# handle (\d+)\s*$")


def rule_lines(source: NftSource, echoed: str) -> dict[tuple[str, str, str, int], int]:
    """(family, table, chain, handle) -> line of the text, from what ``nft -e -a -f`` echoed when
    it loaded the text; empty when the two do not agree rule for rule."""
    added = []
    for text in echoed.splitlines():
        found = _ECHOED_RULE.match(text.strip())
        if found:
            added.append((found.group(1), _unquoted(found.group(2)), _unquoted(found.group(3)),
                          int(found.group(4))))
    if not source.mappable or len(added) != len(source.rules):
        return {}
    out: dict[tuple[str, str, str, int], int] = {}
    for (family, table, chain, handle), (line, scanned_table, scanned_chain) in zip(added, source.rules):
        if (table, chain) != (scanned_table, scanned_chain):
            return {}
        out[(family, table, chain, handle)] = line
    return out


_NFT_INTERFACE = re.compile(r'\b(?:(?:iifname|oifname|iif|oif|device)\b|devices\s*=)\s*(?:!=\s*|==\s*)?'
                            r'(\{[^}]*\}|"[^"]*"|[^\s;{}]+)')


def nft_interfaces(text: str) -> list[str]:
    """The interface names an nftables text matches on (``eth*`` as written)."""
    out: list[str] = []
    for found in _NFT_INTERFACE.finditer(text):
        value = found.group(1)
        items = value.strip("{}").split(",") if value.startswith("{") else [value]
        for item in items:
            name = _unquoted(item.strip())
            if name and re.fullmatch(r"\w[\w.*+-]{0,14}", name) and name not in ("vmap", "map") \
                    and name not in out:
                out.append(name)
    return out


def missing_kernel_prerequisites() -> str | None:
    """Why the kernel check cannot run here (one line), or None."""
    if os.geteuid() != 0:
        return "root is needed (the check runs in a throwaway network namespace)"
    if shutil.which("ip") is None:
        return "ip is not installed"
    if _nft_program() is None:
        why = _libnftables_missing()
        if why is not None:
            return f"neither the nft program nor libnftables can be used ({why})"
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing (the kernel has no TUN driver)"
    return None


_TRACED_RULE = re.compile(r"^(\S+) (\S+) (\S+): rule (.*?)(?: # handle (\d+))? \(verdict (\S+)\)$")
_SENT_ELSEWHERE = re.compile(r"(?:^|\s)(?:dnat|redirect|tproxy)(?:\s|$)")
_TRACED_POLICY = re.compile(r"^(\S+) (\S+) (\S+): policy (\S+)$")


class _Namespace:
    """A throwaway network namespace with the verification agent in it."""

    def __init__(self) -> None:
        from fwlint.verify.lab import Side

        self.side = Side("guard", f"fwlint-g-{uuid.uuid4().hex[:8]}")
        self.made = False
        self.previous_handlers: dict[int, object] = {}

    def __enter__(self) -> _Namespace:
        from fwlint.verify.lab import _terminated

        if threading.current_thread() is threading.main_thread():
            # a SIGTERM, or a hangup (the SSH session is gone), unwinds the stack as Ctrl-C does, so
            # the namespace still goes
            self.previous_handlers = {s: signal.signal(s, _terminated) for s in (signal.SIGTERM, signal.SIGHUP)}
        try:
            done = subprocess.run(["ip", "netns", "add", self.side.name], capture_output=True, text=True)
            if done.returncode != 0:
                raise GuardUnavailable(f"ip netns add: {done.stderr.strip()}")
            self.made = True
            up = self.side.run("ip", "link", "set", "lo", "up")
            if up.returncode != 0:
                raise GuardUnavailable(f"ip link set lo up: {up.stderr.strip()}")
            self.side.start_agent()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.side.stop()
            if self.made:
                subprocess.run(["ip", "netns", "delete", self.side.name], capture_output=True)
                self.made = False
        finally:
            for number, handler in self.previous_handlers.items():
                signal.signal(number, handler)  # type: ignore[arg-type]
            self.previous_handlers = {}

    def call(self, op: str, **arguments: object) -> dict:
        from fwlint.verify.lab import LabError

        try:
            return self.side.call(op, **arguments)
        except LabError as err:
            raise GuardUnavailable(str(err)) from None

    def nft(self, text: str, echo: bool = False) -> subprocess.CompletedProcess:
        """``nft -f -`` of ``text`` in the namespace (``echo``: ``-e -a``, each rule added echoed
        with its handle); through libnftables in a process started in the namespace when the
        nft program is not installed."""
        if _nft_program() is not None:
            return self.side.run("nft", *(("-e", "-a") if echo else ()), "-f", "-", input=text)
        return subprocess.run(_runner_argv(self.side.name, "load", *(("--echo",) if echo else ())),
                              input=text, capture_output=True, text=True, env=_runner_environment(),
                              timeout=300)

    def start_monitor(self) -> subprocess.Popen:
        """``nft -a monitor trace`` in the namespace, after loading the table that traces every
        packet (:data:`fwlint.verify.lab.TRACE_RULESET`)."""
        from fwlint.verify.lab import TRACE_RULESET, LabError

        if _nft_program() is not None:
            try:
                return self.side.start_trace(handles=True)
            except LabError as err:
                raise GuardUnavailable(str(err)) from None
        _must(self.nft(TRACE_RULESET), "the table that traces packets")
        return subprocess.Popen(_runner_argv(self.side.name, "monitor"), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=_runner_environment())


@dataclass
class _Kernel:
    """One run of the session's packets through the ruleset in the namespace."""

    ns: _Namespace
    session: Session
    wait: float
    settle: float
    batch: int = 0

    def probe(self, kind: str, interface: str, flags: int, inbound: bool, pad: int = 16) -> dict:
        from fwlint.verify.packets import ACK, SYN

        s = self.session
        if inbound:
            packet = {"src": str(s.client), "dst": str(s.server), "sport": s.client_port,
                      "dport": s.server_port}
        else:
            packet = {"src": str(s.server), "dst": str(s.client), "sport": s.server_port,
                      "dport": s.client_port}
        packet.update(proto=6, flags=flags, seq=1 if flags & SYN else 5001, ack=1001 if flags & ACK else 0,
                      tos=0, ttl=64, pad=pad)
        return {"index": 0, "family": s.family, "kind": kind, "iif": interface if inbound else "",
                "oif": "" if inbound else interface, "packet": packet}

    def send(self, probe: dict) -> list[str]:
        self.batch += 1
        reply = self.ns.call("run", batch=self.batch, probes=[probe], wait=self.wait, settle=self.settle)
        return list(reply["results"][0]["events"])

    def marker(self, interface: str) -> dict:
        """A UDP packet this host sends (not one of the session's): its trace shows that the
        monitor has subscribed."""
        s = self.session
        packet = {"src": str(s.server), "dst": str(s.client), "sport": MARKER_PORT, "dport": MARKER_PORT,
                  "proto": 17, "tos": 0, "ttl": 64, "pad": 8}
        return {"index": 0, "family": s.family, "kind": "send", "iif": "", "oif": interface, "packet": packet}


class _Trace:
    """``nft -a monitor trace`` running in the namespace, its output read as it comes.

    The monitor reads the whole ruleset before it subscribes to trace events (a second and more
    with 50,000 rules): :meth:`ready` sends marker packets until one shows in its output, so no
    probe is sent before the monitor can see it."""

    def __init__(self, kernel: _Kernel) -> None:
        self.kernel = kernel
        self.monitor = kernel.ns.start_monitor()
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.monitor.stdout is not None
        for line in self.monitor.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def count(self) -> int:
        with self.lock:
            return len(self.lines)

    def since(self, start: int) -> list[str]:
        with self.lock:
            return self.lines[start:]

    def ready(self, interface: str, deadline: float = MONITOR_DEADLINE) -> None:
        """Wait until the monitor shows a marker packet's trace (:class:`GuardUnavailable` when
        it shows none within ``deadline`` seconds)."""
        until = time.monotonic() + deadline
        while True:
            self.kernel.send(self.kernel.marker(interface))
            quiet = time.monotonic() + 0.5
            while time.monotonic() < quiet:
                marker = f" udp sport {MARKER_PORT} udp dport {MARKER_PORT} "
                if any(marker in line for line in self.since(0)):
                    return
                time.sleep(0.02)
            if time.monotonic() > until:
                raise GuardUnavailable(f"nft monitor trace showed no packet within {deadline:g} s")

    def traced(self, probe: dict, start_hook: str) -> tuple[list[str], list[str]]:
        """The probe sent: (what was observed, the verdicts traced for it)."""
        start = self.count()
        events = self.kernel.send(probe)
        # the monitor prints what the kernel traced a moment later: wait until it is quiet
        last, quiet_since, until = self.count(), time.monotonic(), time.monotonic() + 5
        while time.monotonic() < until and time.monotonic() - quiet_since < 0.15:
            time.sleep(0.02)
            now = self.count()
            if now != last:
                last, quiet_since = now, time.monotonic()
        return events, probe_verdicts("\n".join(self.since(start)), probe["packet"], start_hook)

    def close(self) -> None:
        from fwlint.verify.lab import TRACE_TABLE

        self.monitor.terminate()
        try:
            self.monitor.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.monitor.kill()
            self.monitor.wait()
        self.reader.join(timeout=5)
        if self.monitor.stdout is not None:
            self.monitor.stdout.close()
        self.kernel.ns.nft(f"delete table inet {TRACE_TABLE}\n")


def probe_verdicts(output: str, packet: Mapping[str, object], start_hook: str) -> list[str]:
    """The verdicts ``nft monitor trace`` (``output``) gives the probe's own packet: the first
    traced at ``start_hook`` with its addresses and ports (not a reset or an error the kernel
    sent in answer, which may start at the same hook)."""
    from fwlint.verify.lab import TRACE_TABLE, traced_verdicts

    wanted = [f"saddr {packet['src']} ", f"daddr {packet['dst']} ", f"sport {packet['sport']} ",
              f"dport {packet['dport']} "]
    chosen = None
    for line in output.splitlines():
        found = re.match(r"trace id (\S+) \S+ (\S+) (\S+) packet: (.*)$", line.strip())
        if found and found.group(2) == TRACE_TABLE and found.group(3) == start_hook and \
                all(w in found.group(4) + " " for w in wanted):
            chosen = found.group(1)
            break
    if chosen is None:
        return []
    own = [line for line in output.splitlines() if line.strip().startswith(f"trace id {chosen} ")]
    return traced_verdicts("\n".join(own))


ELSEWHERE = "elsewhere"


def _traced_fate(verdicts: Sequence[str], place: Callable[[str, str, str, int | None, str], str]
                 ) -> tuple[str, str] | str | None:
    """(verdict, who) of the traced drop; :data:`ELSEWHERE` when the trace shows the packet sent
    elsewhere (DNAT, REDIRECT, TPROXY) or to user space (a queue); None when it shows neither."""
    for text in verdicts:
        found = _TRACED_RULE.match(text)
        if found:
            family, table, chain, rule, handle, verdict = found.groups()
            if table == KEEPER_TABLE:
                continue
            if _SENT_ELSEWHERE.search(rule) or verdict == "queue":
                return ELSEWHERE  # the packet goes elsewhere, it is not dropped here
            if verdict != "drop":
                continue
            shown = "REJECT" if re.search(r"(?:^|\s)reject(?:\s|$)", rule) else "DROP"
            return shown, place(family, table, chain, int(handle) if handle else None, rule)
        found = _TRACED_POLICY.match(text)
        if found and found.group(4) == "drop" and found.group(2) != KEEPER_TABLE:
            family, table, chain, _ = found.groups()
            return "DROP", place(family, table, chain, None, "")
    return None


def lockouts_of_nft(nft_text: str, session: Session, lines: Callable[[int], str] | None = None, *,
                    route: Callable[[IPAddress], str | None] = route_interface, wait: float = 0.3,
                    settle: float = 0.15, policies: Callable[[str, str, str], str | None] | None = None
                    ) -> list[Lockout]:
    """The session's packets an nftables text drops, found by the kernel in a throwaway network
    namespace (see the module docstring), one :class:`Lockout` per check.  ``lines`` maps a line
    of ``nft_text`` to what to show for it (default: ``line N: TEXT``).  A session from this host
    itself (a loopback client, or one routed through ``lo``) is not checked.  ``policies``
    names a chain's policy (family, table, chain) when it can (None: its line of the text).
    Raises :class:`GuardUnavailable` when the check cannot be made."""
    why = missing_kernel_prerequisites()
    if why is not None:
        raise GuardUnavailable(why)
    interface = route(session.client)
    if session.client.is_loopback or session.client == session.server or interface == "lo":
        return []
    from fwlint.verify.probes import RESERVED_V4, RESERVED_V6

    text_lines = nft_text.splitlines()
    show = lines or (lambda n: f"line {n}: {text_lines[n - 1].strip()}" if 0 < n <= len(text_lines)
                     else f"line {n}")
    source = scan_nft(nft_text)
    interfaces = [interface] if interface else _candidates(nft_interfaces(nft_text), session)
    if len(interfaces) > 31:
        raise GuardUnavailable(f"the route to {session.client} is unknown and the ruleset names "
                               f"{len(interfaces) - 1} interfaces: more than a namespace is given")
    # every device the text names exists (``iif``, a netdev chain's ``devices`` need it to load)
    devices = interfaces + [name for name in nft_interfaces(nft_text)
                            if name not in interfaces and name != "lo" and not name.endswith(("*", "+"))]
    addressed = [[name, str(RESERVED_V4.network_address + k + 1), str(RESERVED_V6.network_address + k + 1)]
                 for k, name in enumerate(devices[:31])]
    checks = (describe_inbound(session), describe_replies(session), describe_new(session))
    results: dict[str, list[tuple[str, str] | None]] = {what: [] for what in checks}
    with _Namespace() as ns:
        ns.call("setup", interfaces=addressed, default_out=interfaces[0])
        kernel = _Kernel(ns, session, wait, settle)
        for name in interfaces:
            found = _kernel_run(kernel, name, nft_text, source, show, policies)
            for what, result in zip(checks, found):
                results[what].append(result)
    out = []
    for what in checks:
        found = results[what]
        if found and all(r is not None for r in found):
            out.append(_lockout(what, [r for r in found if r is not None]))
    return out


def _kernel_run(kernel: _Kernel, interface: str, nft_text: str, source: NftSource,
                show: Callable[[int], str], policies: Callable[[str, str, str], str | None] | None = None
                ) -> list[tuple[str, str] | None]:
    """The three checks with the client behind ``interface``: (verdict, who) of each drop."""
    from fwlint.verify.packets import ACK, PSH, SYN

    ns, session = kernel.ns, kernel.session
    _must(ns.nft(f"flush ruleset\n{KEEPER_RULESET}"), "the conntrack table")
    liberal = ns.side.run("sh", "-c", f"echo 1 > {LIBERAL}")
    if liberal.returncode != 0:
        raise GuardUnavailable(f"cannot set {LIBERAL} in the namespace: {liberal.stderr.strip()}")
    listen = {f"tcp{session.family}": [session.server_port]}
    ns.call("configure", local=[str(session.server)], routes=[[str(session.client), interface]],
            listen=listen)
    ns.call("flush")
    # the session's connection, opened before the ruleset is loaded (a listener answers the SYN)
    opened = kernel.send(kernel.probe("peer-open", interface, 0, inbound=False, pad=0))
    if not any(e.startswith(f"{interface}: tcp ") and "SYN,ACK" in e for e in opened):
        raise GuardUnavailable("the session's connection could not be opened in the namespace "
                               f"({'; '.join(opened) or 'no answer'})")
    loaded = _load_naming_devices(ns, nft_text)
    if loaded.returncode != 0:
        first = (loaded.stderr.strip().splitlines() or [f"exit status {loaded.returncode}"])[0]
        raise GuardUnavailable(f"the ruleset does not load in a throwaway namespace: {first}")
    if ns.nft(f"list table inet {KEEPER_TABLE}\n").returncode != 0:
        _must(ns.nft(KEEPER_RULESET), "the conntrack table")  # the text flushed the ruleset
    handles = rule_lines(source, loaded.stdout)

    def place(family: str, table: str, chain: str, handle: int | None, rule: str) -> str:
        if handle is None:
            named = policies(family, table, chain) if policies is not None else None
            if named is not None:
                return named
            line = source.policies.get((table, chain))
            where = f"the policy of {family} {table} {chain}"
            return f"{where} ({show(line)})" if line is not None else where
        line = handles.get((family, table, chain, handle))
        return show(line) if line is not None else f"{family} {table} {chain}: {rule}"

    def check(trace: _Trace, probe: dict, start_hook: str, passed: str) -> tuple[str, str] | None:
        """(verdict, who) when the probe does not pass.  One that did not pass with no drop
        traced is sent again (an answer seen late, a busy machine); one that never passes is
        dropped, named by the trace when it shows who dropped it."""
        for _ in range(ATTEMPTS):
            events, verdicts = trace.traced(probe, start_hook)
            if any(e.startswith(passed) for e in events):
                return None
            fate = _traced_fate(verdicts, place)
            if fate == ELSEWHERE:
                return None
            if fate is not None:
                return fate  # type: ignore[return-value]
        return "DROP", UNTRACED

    trace = _Trace(kernel)
    try:
        trace.ready(interface)
        # the replies first: the session's next segment from the client completes its handshake
        replies = check(trace, kernel.probe("send", interface, ACK | PSH, inbound=False), "output",
                        f"{interface}: tcp ")
        delivered = "delivered: tcp "
        inbound = check(trace, kernel.probe("inject", interface, ACK | PSH, inbound=True), "prerouting",
                        delivered)
        ns.call("flush")  # a new connection: conntrack forgets the session's
        new = check(trace, kernel.probe("inject", interface, SYN, inbound=True, pad=0), "prerouting",
                    delivered)
    finally:
        trace.close()
    return [inbound, replies, new]


def _must(done: subprocess.CompletedProcess, what: str) -> None:
    if done.returncode != 0:
        raise GuardUnavailable(f"{what} does not load in the namespace: {done.stderr.strip()}")


# --- loading: the devices the text names, libnftables without the nft program ---------------------

_MISSING_DEVICE = re.compile(r"^[^:\n]*:(\d+):(\d+)-(\d+): Error: Interface does not exist", re.MULTILINE)

DEVICE_ROUNDS = 32
"""At most this many devices the text names are made one by one as the kernel asks for them."""


def _load_naming_devices(ns: _Namespace, nft_text: str) -> subprocess.CompletedProcess:
    """Load the text (echoing its rules' handles).  A device the text names that
    :func:`nft_interfaces` did not find (in a verdict map, a set, a concatenation) is refused as
    "Interface does not exist" at its place in the text: it is made (a TUN device, up) and the
    text loaded again (the load is one transaction: nothing of a refused load remains)."""
    text_lines = nft_text.splitlines()
    made: list[str] = []
    for _ in range(DEVICE_ROUNDS):
        loaded = ns.nft(nft_text, echo=True)
        found = _MISSING_DEVICE.search(loaded.stderr) if loaded.returncode != 0 else None
        if found is None:
            return loaded
        line, first, last = (int(g) for g in found.groups())
        written = text_lines[line - 1][first - 1:last] if 0 < line <= len(text_lines) else ""
        name = _unquoted(written.strip())
        if not re.fullmatch(r"[\w.+-]{1,15}", name) or name in made:
            return loaded
        made.append(name)
        added = ns.side.run("ip", "tuntap", "add", "dev", name, "mode", "tun")
        if added.returncode != 0:
            raise GuardUnavailable(f"the device {name} the ruleset names cannot be made in a throwaway "
                                   f"namespace: {added.stderr.strip()}")
        ns.side.run("ip", "link", "set", name, "up")
    return loaded


def _nft_program() -> str | None:
    """The nft program, None when it is not installed (libnftables is used instead)."""
    return shutil.which("nft")


def _libnftables_missing() -> str | None:
    """Why libnftables cannot be reached here, or None."""
    from fwlint.nft.libnft import NftUnavailable, open_nftables

    try:
        open_nftables()
    except NftUnavailable as err:
        return str(err)
    return None


def _runner_argv(namespace: str, *arguments: str) -> list[str]:
    """This module run in ``namespace`` (see :func:`_run_in_namespace`)."""
    return ["ip", "netns", "exec", namespace, sys.executable, "-m", "fwlint.apply.guard", *arguments]


def _runner_environment() -> dict[str, str]:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _run_in_namespace(arguments: Sequence[str]) -> int:
    """What ``nft`` does for the guard, through libnftables (fwlint.nft.libnft), for a host with
    libnftables but not the nft program; run inside the namespace by ``ip netns exec``:

    * ``load [--echo]``: the commands on standard input (as ``nft [-e -a] -f -``): output and
      errors written out, the status libnftables returned;
    * ``monitor``: ``monitor trace`` with rule handles, written unbuffered to standard output
      until the process is terminated.
    """
    import tempfile

    from fwlint.nft.libnft import CtypesNftables, open_nftables

    if arguments and arguments[0] == "monitor":
        return CtypesNftables().stream("monitor trace", sys.stdout.fileno(), handles=True)
    echo = "--echo" in arguments
    # from a file, as ``nft -f``: the errors say where (``FILE:LINE:COLUMNS: Error: ...``)
    with tempfile.NamedTemporaryFile("w", suffix=".nft", prefix="fwlint-guard-") as commands:
        commands.write(sys.stdin.read())
        commands.flush()
        result = open_nftables().run_file(commands.name, echo=echo, handles=echo)
    sys.stdout.write(result.output)
    sys.stderr.write(result.error)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(_run_in_namespace(sys.argv[1:]))
