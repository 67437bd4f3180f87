"""The comparison: the same probes into both namespaces, fate by fate.

:func:`compare` loads an iptables ruleset (one text per family) into one namespace and an
nftables ruleset into the other, sends every probe into both and compares what became of each
(the agent's observations, :mod:`fwlint.verify.agent`).  Probes are grouped in *rounds* (an
address is either local to the namespace or routed out of one device for a whole round) and,
within a round, in *batches* sent at once (no two probes of a batch share a connection; the
conntrack table is emptied between batches).  Each probe whose fate differs is then sent again
alone to find the rules that decided it on each side.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from fwlint.ast import Ruleset
from fwlint.verify.lab import Lab, LabError, is_deciding, missing_prerequisites, moved_rules
from fwlint.verify.probes import RESERVED_V4, RESERVED_V6, Probe, ProbeSet, rule_probes

BATCH_SIZE = 400
RECHECK = 40
"""At most this many differing probes are sent again alone, twice, to tell a difference from
a fate that varies from run to run."""


@dataclass
class Difference:
    """A probe whose fate differs.  ``iptables``/``nft``: what was observed on each side;
    ``iptables_rules``/``nft_rules``: the rules that decided it (from a run of the probe alone)."""

    probe: Probe
    iptables: tuple[str, ...]
    nft: tuple[str, ...]
    iptables_rules: list[str] = field(default_factory=list)
    nft_rules: list[str] = field(default_factory=list)
    explained: bool = False
    batch_only: bool = False  # sent alone, both sides agree
    varies: tuple | None = None  # two runs alone that differ on one side: (first, second)
    transient: bool = False  # batch_only, and its batch sent again: both sides agree there too
    chance: str = ""  # file:line of a -m statistic rule it may meet: its fate is chance's (not compared)


@dataclass
class Report:
    probes: int
    differences: list[Difference]
    rounds: int = 0
    batches: int = 0
    seconds: float = 0.0
    fates: Counter = field(default_factory=Counter)
    unattributed: int = 0
    rules_probed: int = 0
    rules_total: int = 0
    by_family: dict[int, int] = field(default_factory=dict)
    observed: dict[Probe, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    pruned: list[str] = field(default_factory=list)  # lines iptables-restore refused, left out
    unstable: list[Difference] = field(default_factory=list)  # fates that vary run to run
    unplaced: int = 0  # probes no round could take (source and destination the same address)

    @property
    def agree(self) -> bool:
        return not self.differences


@dataclass
class _Round:
    roles: dict[str, str] = field(default_factory=dict)
    probes: list[Probe] = field(default_factory=list)

    def fits(self, wants: list[tuple[str, str]]) -> bool:
        for address, role in wants:
            have = self.roles.get(address)
            if have is None or have == role:
                continue
            if role == "remote" and have.startswith("via:"):
                continue
            if have == "remote" and role.startswith("via:"):
                continue
            return False
        return True

    def take(self, probe: Probe, wants: list[tuple[str, str]], wishes: list[tuple[str, str]]) -> None:
        for address, role in wants:
            if self.roles.get(address) in (None, "remote"):
                self.roles[address] = role
        for address, role in wishes:
            if self.roles.get(address) in (None, "remote"):
                self.roles[address] = role
        self.probes.append(probe)

    def local(self) -> list[str]:
        return sorted(a for a, r in self.roles.items() if r == "local")

    def routes(self) -> list[list[str]]:
        return sorted([a, r[4:]] for a, r in self.roles.items() if r.startswith("via:"))


def _requirements(probe: Probe) -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
    """What the probe needs of the round's addresses (hard), and would like (soft)."""
    if probe.src == probe.dst:
        return None
    if probe.path == "input":
        return [(probe.dst, "local"), (probe.src, "remote")], [(probe.src, f"via:{probe.iif}")]
    if probe.path == "forward":
        return [(probe.dst, f"via:{probe.oif}"), (probe.src, "remote")], [(probe.src, f"via:{probe.iif}")]
    return [(probe.src, "local"), (probe.dst, f"via:{probe.oif}")], []


def plan_rounds(probes: Iterable[Probe]) -> tuple[list[_Round], list[Probe]]:
    """Group probes in rounds of compatible address roles; the probes no round can take.

    An address some probe wants routed out of a device is routed there in every round that
    leaves it free (so that a packet DNAT sends there leaves where the ruleset expects)."""
    probes = list(probes)
    rounds: list[_Round] = []
    impossible: list[Probe] = []
    preferred: dict[str, str] = {}
    for probe in probes:
        if probe.path in ("forward", "output"):
            preferred.setdefault(probe.dst, f"via:{probe.oif}")
    for probe in probes:
        needs = _requirements(probe)
        if needs is None:
            impossible.append(probe)
            continue
        wants, wishes = needs
        for r in rounds:
            if r.fits(wants):
                r.take(probe, wants, wishes)
                break
        else:
            r = _Round()
            if not r.fits(wants):
                impossible.append(probe)
                continue
            r.take(probe, wants, wishes)
            rounds.append(r)
    for r in rounds:
        for address, role in preferred.items():
            if r.roles.get(address) in (None, "remote"):
                r.roles[address] = role
    return rounds, impossible


def plan_batches(probes: Sequence[Probe], size: int = BATCH_SIZE, nat: bool = True) -> list[list[Probe]]:
    """Batches in which no two probes belong to one connection, and, with ``nat``, no two TCP
    or UDP probes have one source port: then no two connections of a batch can become one
    after NAT (which would make the kernel pick a port at random, differently on each side)."""
    batches: list[tuple[list[Probe], set[tuple]]] = []
    for probe in probes:
        keys_of_probe: set[tuple] = set()  # ICMP: each probe has an identifier of its own
        if probe.proto in (6, 17):
            keys_of_probe.add(probe.flow())
            if nat:
                keys_of_probe.add(("sport", probe.proto, probe.sport))
            if probe.state == "ESTABLISHED" and probe.proto == 6:
                keys_of_probe |= {("end", probe.src, probe.sport), ("end", probe.dst, probe.dport)}
        for batch, keys in batches:
            if len(batch) < size and not (keys_of_probe & keys):
                batch.append(probe)
                keys |= keys_of_probe
                break
        else:
            batches.append(([probe], set(keys_of_probe)))
    return [b for b, _ in batches]


def _listen(probes: Iterable[Probe]) -> dict[str, list[int]]:
    out: dict[str, set[int]] = {}
    for p in probes:
        if p.proto not in (6, 17):
            continue
        key = ("tcp" if p.proto == 6 else "udp") + str(p.family)
        if p.path == "input":
            out.setdefault(key, set()).add(p.dport)
        elif p.path == "output" and p.state == "ESTABLISHED":
            out.setdefault(key, set()).add(p.sport)
    return {k: sorted(v) for k, v in out.items()}


def _agent_probe(probe: Probe, index: int) -> dict[str, Any]:
    return {"index": index, "family": probe.family, "kind": probe.kind, "iif": probe.iif, "oif": probe.oif,
            "packet": probe.agent_packet(icmp_id=index + 1)}


def fate(events: Sequence[str]) -> str:
    """A short name for what became of a probe (for the summary counts)."""
    if not events:
        return "dropped"
    if any(e.startswith("send: ") for e in events):
        return "refused in OUTPUT"
    delivered = any(e.startswith("delivered: ") for e in events)
    rejected = any((" type 3/" in e or " type 1/" in e) and " about [" in e for e in events) or \
        any("flags RST" in e for e in events if not e.startswith("delivered"))
    out = [e for e in events if not e.startswith(("delivered: ", "step "))]
    if delivered:
        return "delivered"
    if rejected:
        return "rejected"
    if out:
        return "forwarded or answered"
    return "dropped"


def compare(iptables: dict[int, str], nft: str, probe_sets: Sequence[ProbeSet], *,
            wait: float = 0.2, settle: float = 0.08, explain: int = 10,
            rulesets: Sequence[Ruleset] = (), prune: int = 0, progress: Any = None,
            prefix: str = "fwlint-v", recheck: int = RECHECK) -> Report:
    """Load both rulesets, send every probe of ``probe_sets`` into both namespaces, compare.

    ``iptables``: family -> iptables-save text; ``nft``: the nftables ruleset.  ``explain``:
    how many differing probes to send again alone to find their deciding rules.  ``rulesets``
    (the parsed iptables side) lets the deciding rules be shown with their file and line.
    ``prune``: how many lines iptables-restore refuses may be left out of the iptables side
    (each is listed in ``Report.pruned``).  ``prefix``: how the namespaces' names start.

    A differing probe (the first ``recheck`` of them) is sent again alone, twice: when its fate
    then varies on either side (the kernel picked at random), it goes to ``Report.unstable``,
    not to the differences.  When alone both sides agree, its whole batch is sent again: when
    the two sides then agree on it too, the difference was the lab's (a side slower than its
    wait under load) and it goes to ``Report.unstable`` as well; a difference that comes back
    with its batch (probes that share a rate limit, say) stays a difference.  A probe a ``-m
    statistic`` rule may match (``ProbeSet.by_chance``) meets a fate chosen at random or by a
    count of packets on each side: when they differ it goes to ``Report.unstable`` with the
    rule (``Difference.chance``), not to the differences.  ``progress``:
    called with the report after each batch.  Raises
    :class:`~fwlint.verify.lab.LabError` (:class:`~fwlint.verify.lab.LoadError` when a ruleset
    does not load)."""
    why = missing_prerequisites()
    if why is not None:
        raise LabError(why)
    started = time.monotonic()
    interfaces: list[str] = []
    for ps in probe_sets:
        for name in ps.interfaces:
            if name not in interfaces:
                interfaces.append(name)
    if len(interfaces) > 31:
        raise LabError(f"the probes need {len(interfaces)} interfaces, more than the 31 a lab can have")
    addressed = [[name, str(RESERVED_V4.network_address + k + 1), str(RESERVED_V6.network_address + k + 1)]
                 for k, name in enumerate(interfaces)]
    default_out = probe_sets[0].default_out if probe_sets else "fwv-out"
    if default_out not in interfaces:
        addressed.append([default_out, str(RESERVED_V4.network_address + len(addressed) + 1),
                          str(RESERVED_V6.network_address + len(addressed) + 1)])
    report = Report(probes=0, differences=[])
    nat = any(re.search(r"^\s*\*nat\b", text, re.M) for text in iptables.values()) or \
        bool(re.search(r"\b(?:nat|masquerade|snat|dnat|redirect)\b", nft))
    with Lab(prefix) as lab:
        lab.both("setup", interfaces=addressed, default_out=default_out)
        report.pruned = lab.iptables.load_iptables(iptables, prune=prune)
        lab.nft.load_nft(nft)
        placed: list[tuple[_Round, Probe]] = []
        batch_of: dict[int, list[Probe]] = {}
        batch_number = 0
        by_chance = {probe: where for ps in probe_sets for probe, where in ps.by_chance.items()}
        for ps in probe_sets:
            report.rules_probed += ps.rules_probed
            report.rules_total += ps.rules_total
            rounds, impossible = plan_rounds(ps.probes)
            report.rounds += len(rounds)
            report.unplaced += len(impossible)
            for r in rounds:
                lab.both("configure", local=r.local(), routes=r.routes(), listen=_listen(r.probes))
                for batch in plan_batches(r.probes, nat=nat):
                    batch_number += 1
                    report.batches += 1
                    lab.both("flush")
                    sent = [_agent_probe(p, i) for i, p in enumerate(batch)]
                    left, right = lab.both("run", batch=batch_number, probes=sent, wait=wait, settle=settle)
                    report.unattributed += left.get("unattributed", 0) + right.get("unattributed", 0)
                    by_index_left = {d["index"]: tuple(d["events"]) for d in left["results"]}
                    by_index_right = {d["index"]: tuple(d["events"]) for d in right["results"]}
                    for i, probe in enumerate(batch):
                        a, b = by_index_left.get(i, ()), by_index_right.get(i, ())
                        report.probes += 1
                        report.by_family[probe.family] = report.by_family.get(probe.family, 0) + 1
                        report.fates[fate(a)] += 1
                        report.observed[probe] = (a, b)
                        if a != b and probe in by_chance:
                            report.unstable.append(Difference(probe, a, b, chance=by_chance[probe]))
                        elif a != b:
                            report.differences.append(Difference(probe, a, b))
                            placed.append((r, probe))
                            batch_of[id(probe)] = batch
                    if progress is not None:
                        progress(report)
        by_probe = {id(p): r for r, p in placed}
        suspects, report.differences = report.differences, []
        configured: _Round | None = None
        for n, difference in enumerate(suspects):
            r = by_probe[id(difference.probe)]
            if n < recheck and r is not configured:
                lab.both("configure", local=r.local(), routes=r.routes(), listen=_listen(r.probes))
                configured = r
            if n >= recheck:
                report.differences.append(difference)
            elif not _recheck(lab, difference, wait, settle):
                report.unstable.append(difference)
            elif difference.batch_only and _agree_in_batch_again(
                    lab, difference, batch_of[id(difference.probe)], wait, settle):
                difference.transient = True
                report.unstable.append(difference)
            else:
                report.differences.append(difference)
        for difference in report.differences[:explain]:
            r = by_probe[id(difference.probe)]
            if r is not configured:
                lab.both("configure", local=r.local(), routes=r.routes(), listen=_listen(r.probes))
                configured = r
            _explain(lab, difference, rulesets, wait, settle)
    report.seconds = time.monotonic() - started
    return report


def _alone(lab: Lab, probe: Probe, wait: float, settle: float) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Send one probe by itself (the conntrack tables emptied first): what each side saw."""
    lab.both("flush")
    left, right = lab.both("run", batch=0xFFFE, probes=[_agent_probe(probe, 0)], wait=wait, settle=settle)
    return tuple(left["results"][0]["events"]), tuple(right["results"][0]["events"])


def _recheck(lab: Lab, difference: Difference, wait: float, settle: float) -> bool:
    """Send the probe alone twice.  False when either side's own fate varies from run to run
    (the kernel chose at random: a NAT port from a range, a random statistic ...): then the
    difference says nothing about the translation.  True otherwise (``batch_only`` is set when
    sent alone both sides agree: the fates differ only among the other probes of its batch)."""
    first = _alone(lab, difference.probe, wait, settle)
    second = _alone(lab, difference.probe, wait, settle)
    if first[0] != second[0] or first[1] != second[1]:
        difference.varies = (first, second)
        return False
    difference.batch_only = first[0] == first[1]
    return True


def _agree_in_batch_again(lab: Lab, difference: Difference, batch: list[Probe], wait: float,
                          settle: float) -> bool:
    """Send the probe's batch again (its round configured): whether both sides agree on the
    probe this time."""
    lab.both("flush")
    index = next(i for i, p in enumerate(batch) if p is difference.probe)
    sent = [_agent_probe(p, i) for i, p in enumerate(batch)]
    left, right = lab.both("run", batch=0xFFFD, probes=sent, wait=wait, settle=settle)
    a = next((tuple(d["events"]) for d in left["results"] if d["index"] == index), ())
    b = next((tuple(d["events"]) for d in right["results"] if d["index"] == index), ())
    return a == b


def _explain(lab: Lab, difference: Difference, rulesets: Sequence[Ruleset], wait: float,
             settle: float) -> None:
    """Send the probe alone and read which rules decided it on each side."""
    probe = difference.probe
    families = sorted({rs.family for rs in rulesets} or {probe.family})
    lab.both("flush")
    before = lab.iptables.iptables_counters(families)
    monitor = lab.nft.start_trace()
    try:
        lab.both("run", batch=0xFFFF, probes=[_agent_probe(probe, 0)], wait=wait, settle=settle)
    finally:
        traced = lab.nft.stop_trace(monitor, "output" if probe.path == "output" else "prerouting")
    after = lab.iptables.iptables_counters(families)
    shown: list[str] = []
    passed = _PATH_CHAINS[probe.path]
    for counted in moved_rules(before, after):
        if counted.chain in BUILTIN_HOOK_CHAINS and counted.chain not in passed:
            continue  # the host's reply to the probe, not the probe
        where = _source_of(rulesets, probe.family, counted.table, counted.chain, counted.index)
        how = "decided by" if is_deciding(counted.text) else "went through"
        shown.append(f"{how} {where}*{counted.table} {counted.text}")
    difference.iptables_rules = shown or ["decided by the chain policies (no rule matched)"]
    difference.nft_rules = _nft_lines(traced) or ["nft traced no verdict for it"]
    difference.explained = True


BUILTIN_HOOK_CHAINS = frozenset({"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"})
_PATH_CHAINS = {"input": {"PREROUTING", "INPUT"}, "forward": {"PREROUTING", "FORWARD", "POSTROUTING"},
                "output": {"OUTPUT", "POSTROUTING"}}


def _nft_lines(traced: list[str]) -> list[str]:
    """The traced verdicts in the words of the report: jumps are gone through, accept, drop and
    return decide, a policy decides when it drops or when it is the last word."""
    out = []
    for n, line in enumerate(traced):
        if " rule " in f" {line.split(': ', 1)[-1]}":
            verdict = line.rsplit("(verdict ", 1)[-1].rstrip(")")
            how = "went through" if verdict.startswith(("jump", "goto")) else "decided by"
        elif ": policy drop" in line or n == len(traced) - 1:
            how = "decided by"
        else:
            continue
        out.append(f"{how} {line}")
    return out


def _source_of(rulesets: Sequence[Ruleset], family: int, table: str, chain: str, index: int) -> str:
    for rs in rulesets:
        if rs.family != family:
            continue
        t = rs.table(table)
        c = t.chain(chain) if t is not None else None
        if c is not None and index < len(c.rules):
            span = c.rules[index].span
            return f"{span.file}:{span.line}: "
    return ""


def probes_for(rulesets: Sequence[Ruleset], seed: int = 0, random_count: int | None = None,
               max_rules: int | None = None) -> list[ProbeSet]:
    """The probes of each ruleset (see :func:`fwlint.verify.probes.rule_probes`)."""
    return [rule_probes(rs, seed=seed, random_count=random_count, max_rules=max_rules) for rs in rulesets]
