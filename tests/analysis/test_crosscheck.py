"""The BDD model (fwlint.analysis.model) and the concrete evaluator (fwlint.analysis.evaluate)
held against each other.

Random rulesets over the modelled matches (addresses and prefixes, ports and ranges, protocols,
interfaces with wildcards, conntrack states and status, multiport, marks, TCP flags, ICMP types,
lengths, TTLs, TOS, negations; user chains with RETURN, jumps and gotos; MARK/CONNMARK changing
the packet) and random packets (every header field known):

* each rule the evaluator meets is in the model's "may reach" set of its chain, as the packet
  stands there, and each match result agrees with the rule's BDDs;
* before any header change (segment 0 of a built-in chain) the model is exact: the packet is in
  a rule's reach set exactly when the evaluator meets the rule, and it leaves the chain by the
  rule the evaluator says, with the outcome the evaluator gives;
* the backward pass: the rules after a deciding rule surely decide the packet with that rule's
  outcome (``sure_after``) only when the evaluator, starting there, does (and exactly so when
  nothing changes the packet);
* with matches the model does not understand (-m limit, -m statistic ...), every way the
  evaluator can go stays within the model's bounds.

And every FW201/FW202 finding, on generated rulesets and on the corpus files, is confirmed by
the evaluator on packets sampled from the finding's BDD: a shadowed rule never decides them, a
redundant one can be removed without changing their outcome.

More examples: FWLINT_CROSSCHECK_EXAMPLES=2000; fresh random ones each run:
FWLINT_CROSSCHECK_RANDOM=1.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fwlint.analysis import build_model
from fwlint.analysis.evaluate import (ChainResult, Choices, RuleStep, TableEvaluator, Unknown, all_runs,
                                      evaluate_chain)
from fwlint.analysis.fields import ADDRESS_TYPES
from fwlint.analysis.findings import compute_findings
from fwlint.analysis.model import Model, rule_outcome
from fwlint.analysis.packet import Packet
from fwlint.ast import BUILTIN_CHAINS, Ruleset
from fwlint.parse import parse_text

ROOT = Path(__file__).resolve().parents[2]
REAL_CORPUS = ROOT.parent / "shared" / "corpus" / "real"

EXAMPLES = int(os.environ.get("FWLINT_CROSSCHECK_EXAMPLES", "150"))
CHECKS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                  derandomize=os.environ.get("FWLINT_CROSSCHECK_RANDOM") is None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- rulesets ----------------------------------------------------------------------------------

NETS = {4: ["192.0.2.0/24", "192.0.2.128/25", "192.0.2.7", "198.51.100.0/24", "10.0.0.0/8",
            "10.1.0.0/16", "0.0.0.0/0", "203.0.113.0/24", "192.0.2.0/255.255.255.0"],
        6: ["2001:db8::/32", "2001:db8:1::/48", "2001:db8::7", "2001:db8:1::1/128", "::/0",
            "fe80::/10", "2001:db8:1:2::/64"]}
IFACES = ["eth0", "eth1", "eth+", "ppp+", "lo", "+", "e+", "ethx0"]
PORTS = [0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65535]
STATES = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", "SNAT", "DNAT"]
STATUSES = ["EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "NONE"]
FLAGS = ["SYN", "ACK", "FIN", "RST", "PSH", "URG", "ALL", "NONE"]
MARKS = ["0", "1", "0x2", "0x10", "0xffffffff", "1/1", "0x2/0x3", "0x10/0xf0", "0x3/0x1"]
ICMP = {4: ["any", "echo-request", "echo-reply", "3/3", "destination-unreachable", "8", "11/0", "255"],
        6: ["echo-request", "128", "1/4", "destination-unreachable", "255", "133"]}
ADDRTYPES = ["LOCAL", "UNICAST", "BROADCAST", "MULTICAST", "UNSPEC", "ANYCAST", "BLACKHOLE"]
OPAQUE = ["-m limit --limit 5/min", "-m statistic --mode random --probability 0.5",
          "-m recent --rcheck --name x", "-m string --string foo --algo bm", "-m u32 --u32 0x0=0x0",
          "-m tcp --tcp-option 2"]


def _bang(draw, p: float = 0.25) -> str:
    return "! " if draw(st.floats(0, 1)) < p else ""


def _ports(draw) -> str:
    a = draw(st.sampled_from(PORTS))
    if draw(st.booleans()):
        b = draw(st.sampled_from(PORTS))
        return f"{min(a, b)}:{max(a, b)}"
    return str(a)


KINDS = ["proto", "proto", "proto", "src", "src", "dst", "dst", "iif", "oif", "frag", "l4", "l4", "l4",
         "multiport", "conntrack", "conntrack", "state", "mark", "connmark", "iprange", "length", "ttl",
         "tos", "dscp", "ecn", "pkttype", "addrtype", "comment", "mac", "opaque"]


@st.composite
def rule_matches(draw, family: int, opaque: bool) -> str:
    """A few conditions (most rules have none to two, so that packets match them)."""
    kinds = draw(st.lists(st.sampled_from(KINDS), max_size=draw(st.sampled_from([0, 1, 1, 2, 2, 3, 4]))))
    builtin: list[str] = []
    words: list[str] = []
    proto = None
    if "proto" in kinds or {"l4", "multiport"} & set(kinds):
        icmp = "icmp" if family == 4 else "ipv6-icmp"
        proto = draw(st.sampled_from(["tcp", "tcp", "udp", icmp, "all", "47"]))
        bang = _bang(draw, 0.1) if "proto" in kinds and proto != "all" else ""
        builtin.append(f"{bang}-p {proto}")
        if bang:
            proto = None
    for kind in kinds:
        if kind in ("src", "dst"):
            nets = draw(st.lists(st.sampled_from(NETS[family]), min_size=1, max_size=2, unique=True))
            builtin.append(f"{_bang(draw)}{'-s' if kind == 'src' else '-d'} {','.join(nets)}")
        elif kind in ("iif", "oif"):
            builtin.append(f"{_bang(draw)}{'-i' if kind == 'iif' else '-o'} {draw(st.sampled_from(IFACES))}")
        elif kind == "frag" and family == 4:
            builtin.append(f"{_bang(draw)}-f")
        elif kind == "l4" and proto in ("tcp", "udp"):
            opt = draw(st.sampled_from(["--dport", "--sport"]))
            words.append(f"{_bang(draw)}{opt} {_ports(draw)}")
            if proto == "tcp" and draw(st.booleans()):
                if draw(st.booleans()):
                    words.append(f"{_bang(draw)}--syn")
                else:
                    flags = st.lists(st.sampled_from(FLAGS), min_size=1, max_size=3, unique=True)
                    mask, comp = ",".join(draw(flags)), ",".join(draw(flags))
                    words.append(f"{_bang(draw)}--tcp-flags {mask} {comp}")
        elif kind == "l4" and proto in ("icmp", "ipv6-icmp"):
            opt = "--icmp-type" if family == 4 else "--icmpv6-type"
            words.append(f"{_bang(draw)}{opt} {draw(st.sampled_from(ICMP[family]))}")
        elif kind == "multiport" and proto in ("tcp", "udp"):
            opt = draw(st.sampled_from(["--dports", "--sports", "--ports"]))
            items = [_ports(draw) for _ in range(draw(st.integers(1, 3)))]
            words.append(f"-m multiport {_bang(draw)}{opt} {','.join(items)}")
        elif kind == "conntrack":
            parts = []
            if draw(st.floats(0, 1)) < 0.85:
                states = draw(st.lists(st.sampled_from(STATES), min_size=1, max_size=3, unique=True))
                parts.append(f"{_bang(draw)}--ctstate {','.join(states)}")
            if not parts or draw(st.floats(0, 1)) < 0.3:
                status = draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=2, unique=True))
                parts.insert(draw(st.integers(0, len(parts))), f"{_bang(draw)}--ctstatus {','.join(status)}")
            words.append("-m conntrack " + " ".join(parts))
        elif kind == "state":
            states = draw(st.lists(st.sampled_from(STATES[:5]), min_size=1, max_size=3, unique=True))
            words.append(f"-m state {_bang(draw)}--state {','.join(states)}")
        elif kind in ("mark", "connmark"):
            words.append(f"-m {kind} {_bang(draw)}--mark {draw(st.sampled_from(MARKS))}")
        elif kind == "iprange":
            if family == 4:
                lo, hi = sorted(draw(st.lists(st.integers(0, 20), min_size=2, max_size=2)))
                words.append(f"-m iprange {_bang(draw)}--src-range 192.0.2.{lo}-192.0.2.{hi}")
            else:
                words.append(f"-m iprange {_bang(draw)}--dst-range 2001:db8::1-2001:db8::ff")
        elif kind == "length":
            a, b = sorted(draw(st.lists(st.sampled_from([0, 40, 60, 100, 576, 1500, 65535]), min_size=2,
                                        max_size=2)))
            words.append(f"-m length {_bang(draw)}--length {a}:{b}")
        elif kind == "ttl":
            op = draw(st.sampled_from(["eq", "lt", "gt"]))
            name = "ttl" if family == 4 else "hl"
            bang = _bang(draw) if op == "eq" else ""
            words.append(f"-m {name} {bang}--{name}-{op} {draw(st.sampled_from([0, 1, 64, 128, 255]))}")
        elif kind == "tos":
            value = draw(st.sampled_from(["0x10", "0x10/0x3f", "0/0xfc", "0x08/0x08"]))
            words.append(f"-m tos {_bang(draw)}--tos {value}")
        elif kind == "dscp":
            words.append(f"-m dscp {_bang(draw)}--dscp {draw(st.sampled_from([0, 10, 46, 63]))}")
        elif kind == "ecn":
            words.append(f"-m ecn {_bang(draw)}--ecn-ip-ect {draw(st.integers(0, 3))}")
        elif kind == "pkttype":
            kind_ = draw(st.sampled_from(["unicast", "broadcast", "multicast"]))
            words.append(f"-m pkttype {_bang(draw)}--pkt-type {kind_}")
        elif kind == "addrtype":
            opt = draw(st.sampled_from(["--src-type", "--dst-type"]))
            if family == 4:
                types = draw(st.lists(st.sampled_from(ADDRTYPES), min_size=1, max_size=2, unique=True))
            else:
                names = ["LOCAL", "UNICAST", "MULTICAST", "ANYCAST", "UNREACHABLE", "UNSPEC", "BROADCAST"]
                types = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
            words.append(f"-m addrtype {_bang(draw)}{opt} {','.join(types)}")
        elif kind == "comment":
            words.append('-m comment --comment "a note"')
        elif kind == "mac":
            last = draw(st.sampled_from(["55", "66"]))
            words.append(f"-m mac {_bang(draw)}--mac-source 00:11:22:33:44:{last}")
        elif kind == "opaque" and opaque:
            text = draw(st.sampled_from(OPAQUE))
            if "tcp-option" in text and proto != "tcp":
                continue
            words.append(text)
    return " ".join(builtin + words)


@st.composite
def rule_target(draw, family: int, table: str, callees: list[str]) -> str:
    options = ["-j ACCEPT", "-j DROP", "-j RETURN", "-j RETURN", "-j LOG --log-prefix x", "",
               "-j MARK --set-mark 0x1", "-j MARK --set-xmark 0x2/0x3", "-j MARK --xor-mark 0x1",
               "-j MARK --or-mark 0x10", "-j MARK --and-mark 0x2", "-j CONNMARK --set-mark 0x1",
               "-j REJECT",
               f"-j REJECT --reject-with {'icmp-host-prohibited' if family == 4 else 'icmp6-adm-prohibited'}"]
    if table == "nat":
        options = ["-j ACCEPT", "-j RETURN", "-j DNAT --to-destination 192.0.2.1" if family == 4
                   else "-j DNAT --to-destination 2001:db8::1", "-j MASQUERADE", "-j REDIRECT", "-j DROP",
                   "-j MARK --set-mark 0x1", "-j LOG"]
    for callee in callees:
        options += [f"-j {callee}", f"-j {callee}", f"-g {callee}"]
    return draw(st.sampled_from(options))


TABLE_CHAINS = {"filter": BUILTIN_CHAINS["filter"], "nat": BUILTIN_CHAINS["nat"]}


@st.composite
def rulesets(draw, opaque: bool = False) -> tuple[int, str]:
    family = draw(st.sampled_from([4, 4, 4, 6]))
    table = draw(st.sampled_from(["filter", "filter", "filter", "nat"]))
    builtin = list(TABLE_CHAINS[table])
    users = [f"U{i}" for i in range(draw(st.integers(0, 3)))]
    lines = [f"*{table}"]
    for name in builtin:
        policy = draw(st.sampled_from(["ACCEPT", "DROP"])) if table == "filter" else "ACCEPT"
        lines.append(f":{name} {policy} [0:0]")
    for name in users:
        lines.append(f":{name} - [0:0]")
    chains = builtin + users
    for name in chains:
        position = users.index(name) if name in users else -1
        callees = users[position + 1:]
        if draw(st.floats(0, 1)) < 0.05 and name in users:
            callees = callees + users[:position + 1]  # a loop: the kernel refuses it, both leave it out
        earlier: list[str] = []
        for _ in range(draw(st.integers(0, 5 if name in builtin else 4))):
            matches = draw(rule_matches(family, opaque))
            if earlier and draw(st.floats(0, 1)) < 0.3:
                # an earlier rule's conditions and maybe more: shadowed and redundant rules
                extra = matches if "-p" not in matches else ""
                matches = " ".join(w for w in (draw(st.sampled_from(earlier)), extra) if w)
            earlier.append(matches)
            target = draw(rule_target(family, table, callees))
            lines.append(" ".join(w for w in (f"-A {name}", matches, target) if w))
    lines.append("COMMIT")
    return family, "\n".join(lines) + "\n"


# --- packets -----------------------------------------------------------------------------------

def _address(draw, family: int) -> str:
    net = ipaddress.ip_network(draw(st.sampled_from(NETS[family] + ["0.0.0.0/0" if family == 4 else "::/0"]))
                               .split("/255")[0], strict=False)
    offset = draw(st.sampled_from([0, 1, 7, 10, 15, 20, 129, -1, -2, None]))
    if offset is None:
        offset = draw(st.integers(0, net.num_addresses - 1))
    return str(net[offset % net.num_addresses])


@st.composite
def packets(draw, family: int) -> Packet:
    proto = draw(st.sampled_from([6, 6, 17, 17, 1 if family == 4 else 58, 47, 0, 132]))
    if family == 4:
        types = [frozenset({draw(st.sampled_from(ADDRESS_TYPES[:6]))}) for _ in range(2)]
    else:
        types = [frozenset(draw(st.lists(st.sampled_from(ADDRESS_TYPES[:6]), max_size=2, unique=True)))
                 for _ in range(2)]
    port = st.one_of(st.sampled_from(PORTS), st.integers(0, 65535),
                     st.sampled_from([21, 23, 1025, 8079, 8081]))
    fields: dict[str, Any] = {
        "family": family, "proto": proto,
        "src": _address(draw, family), "dst": _address(draw, family),
        "sport": draw(port), "dport": draw(port),
        "iif": draw(st.sampled_from(["eth0", "eth1", "eth2", "ethx0", "ppp0", "lo", "", "e", "wlan0"])),
        "oif": draw(st.sampled_from(["eth0", "eth1", "eth2", "ethx0", "ppp0", "lo", "", "e", "wlan0"])),
        "ctstate": draw(st.sampled_from(["NEW", "NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"])),
        "snat": draw(st.booleans()), "dnat": draw(st.booleans()),
        "ctstatus": set(draw(st.lists(st.sampled_from(STATUSES[:4]), max_size=3, unique=True))),
        "tcpflags": draw(st.one_of(st.sampled_from([0x02, 0x10, 0x12, 0x01, 0x04, 0x00, 0x3F, 0x42, 0xC2]),
                                   st.integers(0, 255))),
        "icmptype": draw(st.sampled_from([0, 3, 8, 11, 128, 133, 255, 1])),
        "icmpcode": draw(st.sampled_from([0, 1, 3, 4, 255])),
        "frag": draw(st.floats(0, 1)) < 0.1,
        "mark": draw(st.sampled_from([0, 1, 2, 3, 0x10, 0x12, 0xFFFFFFFF, 0xFFFFFFFE])),
        "ctmark": draw(st.sampled_from([0, 1, 2, 3, 0x10, 0xFFFFFFFF])),
        "length": draw(st.sampled_from([0, 40, 60, 99, 100, 576, 1500, 65535])),
        "ttl": draw(st.sampled_from([0, 1, 2, 63, 64, 65, 128, 255])),
        "tos": draw(st.sampled_from([0, 0x10, 0x28, 0xB8, 0xFC, 0x01, 0x03, 0x08, 0xFF])),
        "pkttype": draw(st.sampled_from(["unicast", "broadcast", "multicast", "otherhost", "outgoing"])),
        "srctype": types[0], "dsttype": types[1],
        "hasmac": draw(st.booleans()),
        "mac": draw(st.sampled_from(["00:11:22:33:44:55", "00:11:22:33:44:66", "aa:bb:cc:dd:ee:ff"])),
    }
    return Packet.from_fields(fields)


# --- comparing ---------------------------------------------------------------------------------

def build(family: int, text: str) -> tuple[Ruleset, Model, TableEvaluator]:
    rulesets_ = parse_text(text, "gen.v6" if family == 6 else "gen.v4")
    assert len(rulesets_) == 1
    ruleset = rulesets_[0]
    assert not ruleset.problems, (ruleset.problems, text)
    model = build_model(ruleset)
    table = ruleset.tables[0]
    return ruleset, model, TableEvaluator(ruleset, table)


def holds(model: Model, u: Any, packet: Packet) -> bool:
    answer = model.encoding.holds(u, packet.fields())
    assert answer is not None, f"the packet leaves fields out: {packet}"
    return answer


def reach_of(analysis: Any, i: int) -> Any:
    """The packets that may reach rule ``i`` (ChainAnalysis.reach_at, or .reach[i])."""
    at = getattr(analysis, "reach_at", None)
    return at(i) if at is not None else analysis.reach[i]


def sure_after_of(analysis: Any, i: int) -> Any:
    """What the rules after rule ``i`` surely decide with its outcome (a method or a list)."""
    sure = analysis.sure_after
    return sure(i) if callable(sure) else sure[i]


def chain_rules(model: Model, table: str, chain: str) -> list[Any]:
    analysis = model.chain(table, chain)
    assert analysis is not None
    return analysis.rules


def outcome_of(result: ChainResult, model: Model) -> str:
    """The evaluator's outcome in the model's words: the deciding rule's label (a RETURN in a
    built-in chain: its policy), or the policy."""
    step = result.decided_by
    if step is None:
        return result.verdict
    rm = model.rule_model(step.rule)
    analysis = model.chain(step.table, step.chain)
    assert rm is not None and analysis is not None
    label = rule_outcome(rm, analysis.chain)
    assert label == result.verdict, (label, result.verdict, step.rule.text)
    return label


def modifies(evaluator: TableEvaluator) -> bool:
    """A rule of the table may change the packet (MARK, CONNMARK)."""
    return any(r.rule.target is not None and r.rule.target.name in ("MARK", "CONNMARK") and not r.left_out
               for rules in evaluator.rules.values() for r in rules)


def check_steps_within_bounds(model: Model, steps: list[RuleStep], text: str) -> None:
    """Each rule met is in its chain's reach set (as the packet stands there); each definite
    match result agrees with the rule's BDDs, an unknown one lies between them."""
    for step in steps:
        analysis = model.chain(step.table, step.chain)
        rm = model.rule_model(step.rule)
        assert analysis is not None and rm is not None
        where = f"line {step.rule.span.line} ({step.rule.text}) for {step.packet}\n{text}"
        assert holds(model, reach_of(analysis, step.index), step.packet), \
            f"met but not in the reach set: {where}"
        assert (step.left_out is not None) == (rm.excluded is not None), \
            f"left out {step.left_out!r} / excluded {rm.excluded!r}: {where}"
        if step.left_out:
            continue
        upper, lower = holds(model, rm.upper, step.packet), holds(model, rm.lower, step.packet)
        if step.matched is True:
            assert lower and upper, f"the evaluator matches, the model's lower bound does not: {where}"
        elif step.matched is False:
            assert not upper, f"the evaluator does not match, the model's upper bound does: {where}"
        else:
            assert isinstance(step.matched, Unknown)
            assert upper, f"unknown to the evaluator, outside the model's upper bound: {where}"
            assert not lower or rm.exact, where


def check_exact_chain(model: Model, evaluator: TableEvaluator, chain: str, packet: Packet, text: str) -> None:
    table = evaluator.table.name
    runs = [r for r, _ in all_runs(lambda c: evaluate_chain(evaluator, chain, packet, c))]
    assert len(runs) == 1, f"unknowns with a fully known packet and modelled matches only:\n{text}"
    result = runs[0]
    check_steps_within_bounds(model, result.steps, text)
    analysis = model.chain(table, chain)
    assert analysis is not None
    met = {s.index for s in result.steps if s.depth == 0}
    exit_step = result.run.exit_step
    for i, rm in enumerate(analysis.rules):
        if analysis.segment[i] != 0:
            break
        where = f"{chain} rule {i} line {rm.rule.span.line} ({rm.rule.text}) for {packet}\n{text}"
        assert holds(model, reach_of(analysis, i), packet) == (i in met), f"reach differs: {where}"
        killed = holds(model, analysis.kill[i], packet) and i in met
        assert killed == (exit_step is not None and exit_step.index == i), \
            f"the model says the packet leaves by rule {i} ({killed}), the evaluator by " \
            f"{exit_step.index if exit_step else 'the end'}: {where}"
    outcome_of(result, model)


def check_backward(model: Model, evaluator: TableEvaluator, chain: str, packet: Packet, text: str,
                   exact: bool) -> None:
    analysis = model.chain(evaluator.table.name, chain)
    assert analysis is not None
    for i, rm in enumerate(analysis.rules):
        label = rule_outcome(rm, analysis.chain)
        if label is None or sure_after_of(analysis, i) is None:
            continue
        after = evaluate_chain(evaluator, chain, packet, Choices(), start=i + 1)
        same = outcome_of(after, model) == label
        sure = holds(model, sure_after_of(analysis, i), packet)
        where = f"{chain} rule {i} line {rm.rule.span.line} ({rm.rule.text}, {label}) for {packet}: " \
                f"from there the evaluator gives {after.verdict}\n{text}"
        if sure:
            assert same, f"the model says the later rules surely give {label}: {where}"
        if exact:
            assert sure == same, f"the model misses that the later rules give {label}: {where}"


def some_packets(data: st.DataObject, family: int, model: Model, count: int) -> list[Packet]:
    """Random packets, and packets the model says reach and match a rule picked at random
    (random packets alone seldom match a rule with several conditions)."""
    out = [data.draw(packets(family)) for _ in range(count)]
    rules = [(a, i) for tm in model.tables for a in tm.analyses.values() for i in range(len(a.rules))]
    for _ in range(count):
        if not rules:
            break
        analysis, i = rules[data.draw(st.integers(0, len(rules) - 1))]  # no BDD inside a strategy
        target = reach_of(analysis, i) & analysis.rules[i].upper
        seed = data.draw(st.integers(0, 2 ** 16))
        out.extend(Packet.from_fields(f) for f in model.encoding.sample(target, count=1, seed=seed))
    return out


@CHECKS
@given(st.data())
def test_evaluator_and_model_agree(data: st.DataObject) -> None:
    family, text = data.draw(rulesets())
    ruleset, model, evaluator = build(family, text)
    exact = not modifies(evaluator)
    for packet in some_packets(data, family, model, 3):
        for chain in BUILTIN_CHAINS[evaluator.table.name]:
            check_exact_chain(model, evaluator, chain, packet, text)
            check_backward(model, evaluator, chain, packet, text, exact)


@CHECKS
@given(st.data())
def test_every_way_the_evaluator_goes_stays_within_the_model(data: st.DataObject) -> None:
    family, text = data.draw(rulesets(opaque=True))
    ruleset, model, evaluator = build(family, text)
    for packet in some_packets(data, family, model, 2):
        for chain in BUILTIN_CHAINS[evaluator.table.name]:
            for result, _ in all_runs(lambda c: evaluate_chain(evaluator, chain, packet, c), limit=64):
                check_steps_within_bounds(model, result.steps, text)


# --- findings ----------------------------------------------------------------------------------

def confirm_findings(ruleset: Ruleset, model: Model, samples: int = 4) -> int:
    """Check each FW201/FW202 finding on packets sampled from it; the number checked."""
    evaluators: dict[int, TableEvaluator] = {}
    checked = 0
    for finding in compute_findings(model):
        if finding.code not in ("FW201", "FW202"):
            continue
        analysis, rm = finding.analysis, finding.rule
        ev = evaluators.get(id(analysis.table))
        if ev is None:
            ev = evaluators[id(analysis.table)] = TableEvaluator(ruleset, analysis.table)
        where = f"{finding.code} {finding.kind} at {rm.rule.span} ({rm.rule.text}): {finding.message}"
        for fields in model.encoding.sample(finding.packets, count=samples, seed=checked):
            packet = Packet.from_fields(fields)
            checked += 1
            if finding.kind in ("shadowed-by-callers", "redundant-by-callers"):
                confirm_never_matched(ev, analysis.table.name, rm, packet, where)
                continue
            assert finding.kind in ("shadowed", "redundant-earlier", "redundant-later"), \
                f"no check for the finding kind {finding.kind!r} yet: {where}"
            start = analysis.segment[rm.index] if finding.kind != "redundant-later" else rm.index
            chain = analysis.chain.name
            runs = [r for r, _ in all_runs(lambda c: evaluate_chain(ev, chain, packet, c, start), limit=128)]
            for result in runs:
                decided = result.decided_by
                if finding.kind in ("shadowed", "redundant-earlier"):
                    met = [s for s in result.steps
                           if s.chain == rm.chain and s.index == rm.index and s.depth == 0]
                    assert not met, f"{where}: the evaluator meets the rule with {packet}"
                    if finding.kind == "redundant-earlier":
                        assert outcome_of(result, model) == finding.outcome, \
                            f"{where}: {packet} gets {result.verdict}, not {finding.outcome}"
                else:  # redundant-later: without the rule, the same outcome
                    without = [r for r, _ in all_runs(
                        lambda c: evaluate_chain(ev, chain, packet, c, rm.index + 1), limit=128)]
                    for other in without:
                        assert outcome_of(other, model) == finding.outcome, \
                            f"{where}: without the rule {packet} gets {other.verdict}"
                    assert decided is None or decided.rule is not rm.rule or result.verdict == finding.outcome
    return checked


def confirm_never_matched(ev: TableEvaluator, table: str, rm: Any, packet: Packet, where: str) -> None:
    for chain in BUILTIN_CHAINS[table]:
        if chain not in ev.chains:
            continue
        for result, _ in all_runs(lambda c: evaluate_chain(ev, chain, packet, c), limit=64):
            for step in result.steps:
                if step.rule is rm.rule:
                    assert step.matched is not True, f"{where}: matched by {step.packet} from {chain}"


@CHECKS
@given(st.data())
def test_findings_on_generated_rulesets_are_confirmed(data: st.DataObject) -> None:
    family, text = data.draw(rulesets(opaque=data.draw(st.booleans())))
    ruleset, model, _ = build(family, text)
    confirm_findings(ruleset, model)


def _corpus_files() -> list[Path]:
    files = sorted(p for p in (ROOT / "corpus").iterdir()
                   if p.suffix not in (".expected", ".md") and p.is_file())
    if REAL_CORPUS.is_dir():
        files += sorted(p for p in REAL_CORPUS.iterdir() if p.name != "SOURCES.tsv" and p.is_file())
    return files


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_findings_on_corpus_files_are_confirmed(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    for ruleset in parse_text(text, str(path)):
        model = build_model(ruleset)
        confirm_findings(ruleset, model, samples=3)


def test_the_real_corpus_is_there() -> None:
    if not REAL_CORPUS.is_dir():
        pytest.skip("../shared/corpus/real is absent (a user's clone): the corpus cross-checks ran on "
                    "corpus/ only")
    assert len(_corpus_files()) > 20


# --- disagreements the checks found, kept as plain cases ---------------------------------------

def _full_packet(family: int, **fields: Any) -> Packet:
    base: dict[str, Any] = {
        "family": family, "proto": 6, "src": "192.0.2.9" if family == 4 else "2001:db8::9",
        "dst": "192.0.2.1" if family == 4 else "2001:db8::1", "sport": 40000, "dport": 22, "iif": "eth0",
        "oif": "", "ctstate": "NEW", "snat": False, "dnat": False, "ctstatus": set(), "tcpflags": 0x02,
        "icmptype": 0, "icmpcode": 0, "frag": False, "mark": 0, "ctmark": 0, "length": 60, "ttl": 64,
        "tos": 0, "pkttype": "unicast", "srctype": {"UNICAST"},
        "dsttype": {"LOCAL"} if family == 4 else {"LOCAL", "UNICAST"}, "hasmac": False, "mac": 0}
    base.update(fields)
    return Packet.from_fields(base)


@pytest.mark.parametrize("family, rules, packet", [
    # RETURN in a user chain goes back to the caller (the model took it for a verdict "RETURN")
    (4, "-A INPUT -j X\n-A INPUT -p tcp --dport 22 -j ACCEPT\n"
        "-A X -s 10.0.0.0/8 -j RETURN\n-A X -p tcp -j DROP\n", _full_packet(4, src="10.1.1.1")),
    # --tcp-flags compares with the compare flags as given: SYN SYN,ACK never matches
    (4, "-A INPUT -p tcp --tcp-flags SYN SYN,ACK -j DROP\n", _full_packet(4, tcpflags=0x02)),
    # ALL is FIN,SYN,RST,PSH,ACK,URG: a SYN,ECE,CWR segment is "ALL SYN"
    (4, "-A INPUT -p tcp --tcp-flags ALL SYN -j DROP\n", _full_packet(4, tcpflags=0xC2)),
    (4, "-A INPUT -p tcp --tcp-flags SYN,ACK,ALL SYN -j DROP\n", _full_packet(4, tcpflags=0xC2)),
    # ICMPv6 has no "any": type 255 is the type 255
    (6, "-A INPUT -p ipv6-icmp --icmpv6-type 255 -j DROP\n", _full_packet(6, proto=58, icmptype=128)),
    # IPv6 addrtype: MULTICAST in the list is required, LOCAL,MULTICAST takes no unicast address
    (6, "-A INPUT -m addrtype --dst-type LOCAL,MULTICAST -j DROP\n", _full_packet(6)),
])
def test_disagreements_found_stay_fixed(family: int, rules: str, packet: Packet) -> None:
    text = (f"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n"
            f"{rules}COMMIT\n")
    ruleset, model, evaluator = build(family, text)
    check_exact_chain(model, evaluator, "INPUT", packet, text)
    check_backward(model, evaluator, "INPUT", packet, text, exact=True)
