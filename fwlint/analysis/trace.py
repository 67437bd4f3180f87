"""``fwlint trace FILE --packet "..."``: one packet through a ruleset, hook by hook.

The evaluation is :mod:`fwlint.analysis.evaluate`'s; this module runs it (every combination of
what it cannot tell, up to :data:`RUN_LIMIT` runs), and writes the result as text or JSON.

The text shows the packet, its path, then for each table the packet passes: the chains it
enters, each rule it meets (``file:line`` and the rule as written), each match's result (yes,
no, unknown: with why, and which way the trace went), what the rule did (a verdict, a jump, a
header change, a NAT rewrite), and the table's verdict; then the final verdict with the NAT
rewrites, and, when matches fwlint cannot judge were met, the other outcomes they make possible.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import IO, Any, Sequence

from fwlint.analysis.evaluate import (PATHS, ChainEntry, ChainExit, Choices, Outcome, PathEvaluator, Rewrite,
                                      RuleStep, TableRun, Unknown, all_runs, describe_rewrite, shown_truth)
from fwlint.analysis.packet import (FIELD_DESCRIPTIONS, IPAddress, Packet, PacketError, PacketText,
                                    parse_packet)
from fwlint.ast import Ruleset

RUN_LIMIT = 64
"""At most this many runs (combinations of answers to what the evaluator cannot tell)."""

FULL_ENUMERATION = 6
"""Up to this many unknowns on the first run, every combination of answers is followed; past
that, each unknown is answered "yes" on its own (the others as on the first run)."""

STEP_BUDGET = 50_000
"""The other outcomes stop being followed once the runs have met this many rules."""


class TraceError(ValueError):
    """The trace cannot be made (bad packet text, a family the file has no rules for ...)."""


@dataclass
class Trace:
    """A packet's trace: the run that takes every unknown as "no", and the others."""

    packet_text: PacketText
    ruleset: Ruleset
    local: tuple[IPAddress, ...]
    primary: Outcome
    others: list[Outcome]
    complete: bool  # every combination was run


def parse_local(values: Sequence[str]) -> tuple[IPAddress, ...]:
    """``--local`` values: addresses, each option possibly a comma-separated list."""
    out: list[IPAddress] = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            try:
                out.append(ipaddress.ip_address(item))
            except ValueError:
                raise TraceError(f"--local: {item!r} is not an IPv4 or IPv6 address") from None
    return tuple(out)


def choose_ruleset(rulesets: Sequence[Ruleset], packet_text: str) -> tuple[Ruleset, PacketText]:
    """The ruleset of the packet's family (the file's own when the packet does not say)."""
    if not rulesets:
        raise TraceError("the file holds no ruleset")
    default = rulesets[0].family if len(rulesets) == 1 else None
    try:
        parsed = parse_packet(packet_text, default)
    except PacketError as err:
        raise TraceError(f"--packet: {err}") from None
    family = parsed.packet.family
    for rs in rulesets:
        if rs.family == family:
            return rs, parsed
    families = " and ".join(f"IPv{rs.family}" for rs in rulesets)
    raise TraceError(f"--packet: the packet is IPv{family}, but the file has {families} rules only")


def trace(ruleset: Ruleset, packet_text: PacketText, local: Sequence[IPAddress] = (),
          evaluator: PathEvaluator | None = None) -> Trace:
    evaluator = evaluator or PathEvaluator(ruleset)
    local = tuple(local)
    for address in local:
        if address.version != ruleset.family:
            raise TraceError(f"--local: {address} is not an IPv{ruleset.family} address")
    def follow(choices: Choices) -> Outcome:
        return evaluator.follow(packet_text.packet, packet_text.forward, local, choices)

    first = Choices()
    primary = follow(first)
    others: list[Outcome] = []
    unknowns = len(first.made)
    budget = evaluator.steps + STEP_BUDGET
    complete = True
    if unknowns <= FULL_ENUMERATION:
        runs = all_runs(follow, RUN_LIMIT + 1)
        next(runs)  # the first run again
        for outcome, choices in runs:
            others.append(outcome)
            if evaluator.steps > budget or len(others) >= RUN_LIMIT:
                complete = all(answer for answer, _ in choices.made)
                break
    else:
        complete = False
        for i in range(unknowns):
            if evaluator.steps > budget or len(others) >= RUN_LIMIT:
                break
            others.append(follow(Choices([False] * i + [True])))
    return Trace(packet_text, ruleset, local, primary, others, complete)


# --- words -----------------------------------------------------------------------------------

def _where(step: RuleStep) -> str:
    return f"{step.rule.span.file}:{step.rule.span.line}"


def _decided(outcome: Outcome) -> str:
    """``DROP by rules.v4:9 (filter INPUT)`` / ``DROP by the policy of filter INPUT``."""
    run = outcome.table
    if run is None:
        return f"ACCEPT: {_delivered(outcome)}"
    if run.decided_by is not None:
        chain = run.decided_by.chain
        inside = f", chain {chain}" if chain != run.hook else ""
        return f"{run.verdict} by {_where(run.decided_by)} ({run.table} {run.hook}{inside})"
    return f"{run.verdict} by the policy of {run.table} {run.hook}"


def _delivered(outcome: Outcome) -> str:
    path = _final_path(outcome)
    if path in ("input", "local"):
        return "delivered to this host"
    oif = outcome.packet.oif
    where = f" out of {oif}" if oif else ""
    if path == "forward":
        return f"forwarded{where}"
    return f"sent{where}" if where else "sent out"


def _final_path(outcome: Outcome) -> str:
    hooks = tuple(leg.hook for leg in outcome.legs)
    for name, path_hooks in PATHS.items():
        if hooks == path_hooks:
            return name
    return outcome.route.path


def _denied(question: str) -> str:
    """``rules.v4:7 matches`` -> ``rules.v4:7 does not match``."""
    if question.endswith(" matches"):
        return question.removesuffix(" matches") + " does not match"
    if question.endswith(" decides"):
        return question.removesuffix(" decides") + " does not decide"
    return f"not: {question}"


def _conditions(outcome: Outcome) -> list[str]:
    return [question for answer, question in outcome.choices if answer]


def _nat_words(run: TableRun, rewrite: Rewrite) -> str:
    where = f"{_where(run.decided_by)}, " if run.decided_by is not None else ""
    return f"{rewrite.target}: {describe_rewrite(rewrite, run.packet_in)} ({where}{run.table} {run.hook})"


def _match_line(text: str, result: Any) -> str:
    line = f"{text}: {shown_truth(result)}"
    if isinstance(result, Unknown):
        line += f" ({result.reason})"
    return line


def _taken_words(step: RuleStep) -> str:
    return "taken as matching" if step.taken else "taken as not matching"


# --- text ------------------------------------------------------------------------------------

def write_text(t: Trace, out: IO[str]) -> None:
    w = out.write
    o = t.primary
    w(f"Packet: {t.packet_text.packet.describe()}\n")
    hooks = " -> ".join(leg.hook for leg in o.legs)
    why = o.route.why
    if o.rerouted and tuple(leg.hook for leg in o.legs) != PATHS.get(o.route.path):
        why += f" at first; the route changes after {o.rerouted_after} (see Route below)"
    w(f"Path: {why}: {hooks}\n")
    if t.local:
        w(f"Local addresses: {', '.join(str(a) for a in t.local)}\n")
    absent = sorted({run.table for leg in o.legs for run in leg.tables if run.status == "absent"},
                    key=("raw", "mangle", "nat", "filter", "security").index)
    if absent:
        w(f"Not in the ruleset (they let every packet through): {', '.join(absent)}\n")
    for leg in o.legs:
        for run in leg.tables:
            if run.status == "absent":
                continue
            w("\n")
            if run.status == "skipped":
                w(f"{leg.hook} {run.table}: skipped: {run.note}\n")
                continue
            w(f"{leg.hook} {run.table}\n")
            _write_events(run, w)
            if run.decided_by is not None:
                shown = run.rewrite.target if run.rewrite is not None else run.verdict
                w(f"  => {shown} ({_where(run.decided_by)})\n")
            else:
                w(f"  => {run.verdict} (the policy of {run.hook})\n")
        if o.rerouted and o.rerouted_after == leg.hook:
            w(f"\nRoute: {o.rerouted}\n")
    w("\n")
    w(f"Verdict: {_decided(o)}\n")
    for run, rewrite in o.rewrites:
        w(f"  NAT {_nat_words(run, rewrite)}\n")
    if o.packet != t.packet_text.packet and (o.rewrites or _changed_fields(t.packet_text.packet, o.packet)):
        changes = _changed_fields(t.packet_text.packet, o.packet)
        if changes:
            w(f"  Packet as it left: {o.packet.describe()}\n")
    unknown = [_denied(q) for _, q in o.choices]
    if unknown:
        w(f"  Assumed (fwlint cannot tell): {'; '.join(unknown)}\n")
    others = _other_outcomes(t)
    if others:
        w("Other possible outcomes:\n")
        for words, conditions in others:
            w(f"  {words}, if {' and '.join(conditions)}\n")
        if not t.complete:
            w("  (not every combination of what fwlint cannot tell was followed)\n")


def _changed_fields(before: Packet, after: Packet) -> list[str]:
    return [name for name in ("src", "dst", "sport", "dport", "mark", "ctmark", "tos", "ttl", "ctstate")
            if getattr(before, name) != getattr(after, name)]


def _other_outcomes(t: Trace) -> list[tuple[str, list[str]]]:
    seen = {_decided(t.primary)}
    out = []
    for o in t.others:
        words = _decided(o)
        if o.rewrites:
            rewrites = "; ".join(f"{r.target}: {describe_rewrite(r, run.packet_in)}" for run, r in o.rewrites)
            words += f" ({rewrites})"
        if words in seen:
            continue
        seen.add(words)
        out.append((words, _conditions(o)))
    return out


def _write_events(run: TableRun, w: Any) -> None:
    for event in run.events:
        if isinstance(event, ChainEntry):
            indent = "  " * (1 + 2 * event.depth)
            if event.via is None:
                w(f"{indent}{event.chain} (policy {event.policy})\n")
            else:
                w(f"{indent}{event.chain}\n")
        elif isinstance(event, RuleStep):
            indent = "  " * (2 + 2 * event.depth)
            detail = indent + "  "
            w(f"{indent}{_where(event)}  {event.rule.text}\n")
            if event.left_out:
                w(f"{detail}left out: the kernel would refuse it ({event.left_out})\n")
                continue
            for m in event.matches:
                w(f"{detail}{_match_line(m.text, m.result)}\n")
            if isinstance(event.matched, Unknown):
                w(f"{detail}{_taken_words(event)}\n")
            if event.taken:
                if event.maybe_decided is not None:
                    how = "decides" if event.maybe_decided else "lets it go on"
                    w(f"{detail}-j {event.rule.target.name} may decide or let the packet go on "
                      f"(not modelled): taken as it {how}\n")
                w(f"{detail}{event.action}\n")
        elif isinstance(event, ChainExit):
            if event.how == "return":
                continue
            indent = "  " * (2 + 2 * event.depth)
            if event.to is not None:
                w(f"{indent}end of {event.chain}: back to {event.to}\n")
            else:
                w(f"{indent}end of {event.chain}: policy {event.policy}\n")


# --- JSON ------------------------------------------------------------------------------------

def _packet_json(p: Packet) -> dict[str, Any]:
    out: dict[str, Any] = {"family": p.family}
    for name in FIELD_DESCRIPTIONS:
        value = getattr(p, name)
        if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
            value = str(value)
        elif isinstance(value, frozenset):
            value = sorted(value)
        out[name] = value
    return out


def _rule_json(step: RuleStep) -> dict[str, Any]:
    span = step.rule.span
    return {"file": span.file, "line": span.line, "column": span.column, "text": step.rule.text,
            "table": step.table, "chain": step.chain}


def _event_json(event: Any) -> dict[str, Any]:
    if isinstance(event, ChainEntry):
        return {"event": "enter", "chain": event.chain, "depth": event.depth, "policy": event.policy}
    if isinstance(event, ChainExit):
        return {"event": "exit", "chain": event.chain, "depth": event.depth, "to": event.to,
                "how": event.how, "policy": event.policy}
    out = {"event": "rule", "depth": event.depth, **_rule_json(event),
           "left_out": event.left_out,
           "matches": [{"match": m.text, "result": shown_truth(m.result),
                        "why": m.result.reason if isinstance(m.result, Unknown) else None}
                       for m in event.matches],
           "matched": shown_truth(event.matched), "taken": event.taken,
           "action": event.action if event.taken else None}
    return out


def _outcome_json(o: Outcome) -> dict[str, Any]:
    run = o.table
    return {
        "verdict": o.verdict,
        "final": run is not None,
        "delivered": None if run is not None else _delivered(o),
        "table": run.table if run is not None else None,
        "hook": run.hook if run is not None else None,
        "rule": _rule_json(run.decided_by) if run is not None and run.decided_by is not None else None,
        "policy": bool(run is not None and run.decided_by is None),
        "nat": [{"target": r.target, "side": r.side, "change": describe_rewrite(r, nat_run.packet_in),
                 "table": nat_run.table, "hook": nat_run.hook,
                 "rule": _rule_json(nat_run.decided_by) if nat_run.decided_by is not None else None}
                for nat_run, r in o.rewrites],
        "conditions": _conditions(o),
    }


def to_json(t: Trace) -> dict[str, Any]:
    o = t.primary
    return {
        "packet": {"text": t.packet_text.text, "described": t.packet_text.packet.describe(),
                   **_packet_json(t.packet_text.packet)},
        "local": [str(a) for a in t.local],
        "route": {"path": _final_path(o), "why": o.route.why, "hooks": [leg.hook for leg in o.legs],
                  "rerouted": o.rerouted or None},
        "tables": [{"hook": leg.hook, "table": run.table, "status": run.status, "note": run.note or None,
                    "verdict": run.verdict,
                    "rule": _rule_json(run.decided_by) if run.decided_by is not None else None,
                    "events": [_event_json(e) for e in run.events]}
                   for leg in o.legs for run in leg.tables],
        "outcome": _outcome_json(o),
        "assumed_not_matching": [q for _, q in o.choices],
        "packet_out": _packet_json(o.packet),
        "other_outcomes": [_outcome_json(other) for other in t.others],
        "complete": t.complete,
    }


def write_json(t: Trace, out: IO[str]) -> None:
    json.dump(to_json(t), out, indent=2)
    out.write("\n")
