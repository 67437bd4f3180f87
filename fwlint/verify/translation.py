"""fwlint's translation checked on the kernel: ``fwlint translate --verify``.

:func:`prepare` translates the rulesets (as ``fwlint translate`` does) and makes the two texts
to load: the iptables side is the source itself (a save file's own lines; a script's ruleset as
``fwlint convert`` writes it) without the rules iptables refuses, which no kernel would hold and
which the translation leaves out too; the nft side is the translation in block syntax.
:func:`verify_rulesets` then runs the comparison (:func:`fwlint.verify.comparison.compare`) with
probes made from the rulesets, and :func:`format_report` writes what it found.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Sequence, TextIO

from fwlint.ast import Rule, Ruleset
from fwlint.verify.comparison import Difference, Report, compare, probes_for

MAX_RULES = 2000
"""At most this many rules get probes of their own (chosen at random beyond that)."""


@dataclass
class Prepared:
    """What is loaded on each side, and what is left out of the comparison and why."""

    iptables: dict[int, str]
    nft: str
    rulesets: list[Ruleset]
    left_out: list[str] = field(default_factory=list)  # "file:line: why": refused, or naming hosts
    untranslated: list[str] = field(default_factory=list)  # FW601 findings for rules iptables takes
    omitted: int = 0  # untranslated rules left out of both sides (leave_out_untranslated)
    approximate: list[str] = field(default_factory=list)  # FW602: "file:line: what differs"


def prepare(rulesets: Sequence[Ruleset], options: Any = None, family: str | None = None,
            leave_out_untranslated: bool = False) -> Prepared:
    """Translate ``rulesets`` (``family="inet"``: one inet table) and make the texts to load.

    Rules iptables refuses, and rules naming hosts (which fwlint does not look up, and which
    iptables-restore would look up in a namespace without a network), are left out of both
    sides and listed in ``left_out``.  The other rules fwlint cannot translate stay on the
    iptables side (so their absence on the nft side shows), unless ``leave_out_untranslated``:
    then they are left out of both, and what is compared is the rest."""
    from fwlint.nft.emitter import Options, translate_table
    from fwlint.nft.render import to_text

    options = dataclasses.replace(options or Options(), output_format="nft", allow_partial=True,
                                  counters=False)
    by_family = {rs.family: rs for rs in rulesets}
    failures: list[tuple[Rule | None, Any]] = []
    notes: list[tuple[Rule, Any]] = []
    if family == "inet":
        from fwlint.nft.inet import translate_inet

        table, translator = translate_inet(by_family, options)
        tables = [table]
        failures.extend(translator.failures)
        notes.extend(translator.notes)
    else:
        tables = []
        for fam in sorted(by_family):
            table, translator = translate_table(by_family[fam], options)
            tables.append(table)
            failures.extend(translator.failures)
            notes.extend(translator.notes)
    refused: dict[int, dict[int, str]] = {fam: {} for fam in by_family}
    out = Prepared({}, to_text(tables, "fwlint translate --verify"), list(rulesets))
    family_of: dict[int, int] = {}  # id(rule) -> the family of the ruleset that holds it
    for rs in rulesets:
        for table in rs.tables:
            for rule in (*table.rules(), *table.undeclared_rules):
                family_of[id(rule)] = rs.family
    for rule, err in failures:
        span = err.span or (rule.span if rule is not None else None)
        line = rule.span.line if rule is not None else (span.line if span is not None else 0)
        where = f"{span.file}:{span.line}" if span is not None else "?"
        hosts = rule is not None and names_hosts(rule)
        if err.refused or hosts or leave_out_untranslated:
            if rule is not None and id(rule) in family_of:
                families = [family_of[id(rule)]]
            else:  # a line that does not parse: out of each ruleset read from that file
                families = [rs.family for rs in rulesets if span is None or rs.path == span.file]
            for f in families:
                refused[f][line] = err.message
            out.left_out.append(f"{where}: {err.message}")
            if not err.refused and not hosts:
                out.omitted += 1
        else:
            out.untranslated.append(f"{where}: {err.message}")
    for rule, note in notes:
        span = note.span or rule.span
        out.approximate.append(f"{span.file}:{span.line}: {note.message}")
    for fam, rs in sorted(by_family.items()):
        out.iptables[fam] = _iptables_text(rs, refused[fam])
    return out


def names_hosts(rule: Rule) -> bool:
    """The rule's -s or -d names a host: iptables-restore would look it up (DNS, from inside the
    namespace, where it fails slowly); such a rule is left out of both sides."""
    import ipaddress

    builtin = rule.match("builtin")
    for opt in builtin.options if builtin is not None else ():
        if opt.name not in ("source", "destination"):
            continue
        for value in opt.values:
            for item in value.split(","):
                try:
                    ipaddress.ip_network(item.strip(), strict=False)
                except ValueError:
                    try:
                        ipaddress.ip_address(item.strip().split("/")[0])
                    except ValueError:
                        return True
    return False


def _iptables_text(ruleset: Ruleset, refused_lines: dict[int, str]) -> str:
    """The ruleset as iptables-restore should load it, without the refused rules."""
    if ruleset.script is None and ruleset.source:
        lines = ruleset.source.splitlines(keepends=True)
        # a table without COMMIT runs to the end of the file: iptables-restore applies nothing of
        # it (and refuses the file), the translation leaves it out: so does this side
        cut = min((t.span.line for t in ruleset.tables if t.commit_span is None), default=len(lines) + 1)
        kept = [text for number, text in enumerate(lines, 1) if number not in refused_lines and number < cut]
        return "".join(kept)
    from fwlint.emit.save import emit_ruleset

    def keep(rule: Rule) -> bool:
        return rule.span.line not in refused_lines

    tables = tuple(dataclasses.replace(t, chains=tuple(
        dataclasses.replace(c, rules=tuple(r for r in c.rules if keep(r))) for c in t.chains))
        for t in ruleset.tables)
    return emit_ruleset(ruleset, tables=tables)


def verify_rulesets(rulesets: Sequence[Ruleset], options: Any = None, family: str | None = None, *,
                    seed: int = 0, max_rules: int | None = MAX_RULES, random_count: int | None = None,
                    explain: int = 10, leave_out_untranslated: bool = False,
                    progress: Any = None) -> tuple[Prepared, Report]:
    """Translate, load both sides, send the probes, compare (root needed; raises
    :class:`~fwlint.verify.lab.LabError`, :class:`~fwlint.verify.lab.LoadError` when a side
    does not load)."""
    prepared = prepare(rulesets, options, family, leave_out_untranslated)
    probe_sets = probes_for(rulesets, seed=seed, random_count=random_count, max_rules=max_rules)
    report = compare(prepared.iptables, prepared.nft, probe_sets, rulesets=rulesets, explain=explain,
                     prune=20, progress=progress)
    return prepared, report


def format_difference(d: Difference) -> list[str]:
    lines = [f"{d.probe.describe()}  ({d.probe.origin})"]
    if d.batch_only:
        lines.append("  (sent alone it meets the same fate on both sides: the fates differ only among the "
                     "other probes of its batch)")
    for side, events, rules in (("iptables", d.iptables, d.iptables_rules), ("nft", d.nft, d.nft_rules)):
        shown = list(events) or ["nothing came back (dropped)"]
        label = f"  {side}:".ljust(12)
        for n, event in enumerate(shown):
            lines.append(f"{label if n == 0 else ' ' * 12}{event}")
        for rule in rules:
            lines.append(f"{' ' * 12}{rule}")
    return lines


def format_report(report: Report, prepared: Prepared | None = None, limit: int = 20) -> str:
    """The verification's result in words: counts, then each probe whose fate differs."""
    families = ", ".join(f"{n} IPv{f}" for f, n in sorted(report.by_family.items())) or "none"
    head = (f"fwlint: verify: {report.probes} probes ({families}) for {report.rules_probed} of "
            f"{report.rules_total} rules, sent through iptables-legacy and nft in private network namespaces "
            f"({report.seconds:.1f}s)")
    lines = [head]
    if prepared is not None:
        for item in prepared.left_out:
            lines.append(f"  left out of both sides: {item}")
        for item in prepared.untranslated:
            lines.append(f"  not translated, so missing on the nft side: {item}")
        if report.differences:
            for item in prepared.approximate:
                lines.append(f"  translated approximately (FW602): {item}")
    for item in report.pruned:
        lines.append(f"  left out (iptables-restore refused it): {item}")
    if report.unplaced:
        lines.append(f"  {report.unplaced} probe(s) not sent: their source and destination are one address")
    for d in report.unstable:
        if d.chance:
            lines.append(f"  not compared, its fate depends on chance or on a count of packets (-m statistic "
                         f"at {d.chance}): {d.probe.describe()}")
        elif d.transient:
            lines.append(f"  not compared, its fates differed once in its batch, then agreed alone and with "
                         f"its batch sent again (the lab's timing): {d.probe.describe()}")
        else:
            lines.append(f"  not compared, its fate varies from run to run (the kernel chooses at random, a "
                         f"NAT port for one): {d.probe.describe()}")
    if not report.differences:
        lines.append("fwlint: verify: no packet's fate differs")
        return "\n".join(lines) + "\n"
    count = len(report.differences)
    lines.append(f"fwlint: verify: {count} packet{'s' if count != 1 else ''} met a different fate:")
    for d in report.differences[:limit]:
        lines.extend(format_difference(d))
    if count > limit:
        lines.append(f"... and {count - limit} more")
    return "\n".join(lines) + "\n"


def preflight(sources: Sequence[str]) -> str | None:
    """Why ``--verify`` cannot run here (one line), or None: checked before translating."""
    from fwlint.verify.lab import missing_prerequisites

    why = missing_prerequisites()
    if why is not None:
        return why
    if "-" in sources:
        return "it reads the rulesets from files, not from standard input"
    return None


def verify_command(sources: Sequence[str], *, family: str | None = None, table: str = "fwlint",
                   optimize: bool = False, ipset_files: Sequence[str] = (), resolve: bool = False,
                   source_format: str = "auto", stderr: TextIO | None = None) -> int:
    """The ``--verify`` part of ``fwlint translate``, run after the translation was written:
    0 when no probe's fate differs, 1 when one does (or the translation does not load), 2
    when the comparison cannot run (the message says why)."""
    import io
    import sys

    from fwlint.nft.command import load_rulesets
    from fwlint.nft.emitter import Options
    from fwlint.verify.lab import LabError, LoadError

    stderr = stderr or sys.stderr
    why = preflight(sources)
    if why is not None:
        print(f"fwlint: --verify: {why}", file=stderr)
        return 2
    ipsets = {}
    if ipset_files:
        from fwlint.nft.ipset import read_ipset_file

        for path in ipset_files:
            ipsets.update(read_ipset_file(path))
    options = Options(table=table, optimize=optimize, resolve=resolve, ipsets=ipsets)
    # the translation itself already reported what the sources say (on stderr): read quietly
    rulesets = load_rulesets(sources, int(family) if family in ("4", "6") else None, source_format,
                             io.StringIO())
    from fwlint.progress import progress

    try:
        with progress("Verifying", unit="probes") as bar:
            prepared, report = verify_rulesets(rulesets, options, "inet" if family == "inet" else None,
                                               progress=lambda r: bar.update(r.probes))
    except LoadError as err:
        if err.side.startswith("nft"):
            print(f"fwlint: --verify: the translation does not load into the kernel ({err.side}): "
                  f"{err.message}", file=stderr)
            return 1
        print(f"fwlint: --verify: the iptables ruleset does not load ({err.side}): {err.message}",
              file=stderr)
        return 2
    except LabError as err:
        print(f"fwlint: --verify: {err}", file=stderr)
        return 2
    stderr.write(format_report(report, prepared))
    return 0 if report.agree else 1
