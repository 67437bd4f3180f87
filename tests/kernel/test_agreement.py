"""fwlint's validity rules against the kernel: an error exactly when iptables refuses.

Every case is a small ruleset restored with ``iptables-legacy-restore`` (``ip6tables-...``
for IPv6), with commit, in a throwaway network namespace, and linted with every FW1xx rule.
The two agree when fwlint reports an error-severity FW1xx finding exactly when the restore
fails.  Where iptables takes a rule but silently changes it or it can never match, fwlint
warns: those cases assert the warning and iptables' acceptance.

The cases:

- hand-written, per extension and per topic (tests/kernel/agreement/*.yml): each also states
  what it expects (accepted, refused with fwlint's error codes, or accepted with a warning),
  so the data cannot drift from what the kernel does;
- hypothesis-generated mutations of the accepted ones (tests/kernel/agreement/mutations.py),
  derandomized so CI sees the same cases every run;
- out of fwlint's reach (a set or an accounting object the host must have, a kernel built
  without a module) or a known gap: listed as strict xfails with the reason, so each one that
  starts to agree is noticed.

The figures (cases, refusals, disagreements) are printed and written to
bench/results-agreement.md.  Where targets and matches may stand is swept exhaustively by
test_placement_agreement.py; this file does not repeat those cases.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from fwlint.extensions import Registry, builtin_extensions
from tests.kernel.agreement.cases import Case, all_cases
from tests.kernel.agreement.mutations import Seed, mutants, other_family_after_words, seed_values
from tests.kernel.agreement.oracle import (
    FwlintVerdict,
    KernelAnswer,
    KernelOracle,
    fwlint_verdict,
    host_dependent,
)
from tests.kernel.conftest import _add, _delete, require_root_and

REPORT = Path(__file__).parents[2] / "bench" / "results-agreement.md"
MUTATIONS = 5000


def _extension_family(group: str) -> int | None:
    registry = Registry(builtin_extensions())
    ext = registry.matches.get(group) or registry.targets.get(group)
    return ext.family if ext is not None else None


CASES = all_cases(_extension_family)
GROUPS = sorted({c.group for c in CASES if c.kind != "beyond"})
BEYOND = [c for c in CASES if c.kind == "beyond"]
SEEDS = [Seed(c.body, c.table, c.chain, c.family) for c in CASES
         if c.kind == "ok" and c.body is not None]


@dataclass
class Figures:
    hand: int = 0
    hand_refused: int = 0
    mutants: int = 0
    mutants_refused: int = 0
    repeated: int = 0
    host_dependent: int = 0
    other_family_late: int = 0
    help_or_version: int = 0
    beyond: int = 0
    disagreements: list[str] = field(default_factory=list)
    # the error codes fwlint gives the rulesets iptables refuses, and the warnings it gives the
    # ones iptables takes (each counted once per case)
    refused_codes: Counter = field(default_factory=Counter)
    warned_codes: Counter = field(default_factory=Counter)
    groups_done: set[str] = field(default_factory=set)
    mutations_done: bool = False
    seconds: float = 0.0

    def count(self, answer: KernelAnswer, verdict: FwlintVerdict) -> None:
        if answer.refused:
            self.refused_codes.update({d.code for d in verdict.errors})
        else:
            self.warned_codes.update({d.code for d in verdict.warnings})

    @property
    def cases(self) -> int:
        return self.hand + self.mutants

    @property
    def refusals(self) -> int:
        return self.hand_refused + self.mutants_refused

    def summary(self) -> str:
        return (f"{self.cases} cases ({self.hand} hand-written, {self.mutants} mutations), "
                f"{self.refusals} refused by iptables, {len(self.disagreements)} disagreements")


FIGURES = Figures()
SEEN: dict[tuple[str, int], tuple[KernelAnswer, FwlintVerdict]] = {}


@pytest.fixture(scope="module")
def oracle():
    require_root_and("iptables-legacy-restore", "ip6tables-legacy-restore")
    name = f"fwlint-t-{uuid.uuid4().hex[:10]}"
    netns = _add(name)
    kernel = KernelOracle(netns)
    started = time.perf_counter()
    try:
        yield kernel
    finally:
        kernel.close()
        _delete(name)
        FIGURES.seconds = time.perf_counter() - started
        if FIGURES.groups_done == set(GROUPS) and FIGURES.mutations_done:
            _write_report()


def _judge(kernel: KernelOracle, text: str, family: int) -> tuple[KernelAnswer, FwlintVerdict, bool]:
    """Both verdicts on a ruleset; the last item says whether it was judged before."""
    key = (text, family)
    if key in SEEN:
        return (*SEEN[key], True)
    answer = kernel.restore(text, family)
    verdict = fwlint_verdict(text, family)
    SEEN[key] = (answer, verdict)
    return answer, verdict, False


def stops_early(verdict: FwlintVerdict) -> bool:
    """The rule holds -h or -V (or --help, --version, a prefix of them): iptables prints and exits
    with success where it reads it, so it judges the options before it and no more (not the
    options a match needs, which it checks at the end of the line, nor the kernel's checks);
    fwlint does not judge that line (a known gap)."""
    return any(d.code == "FW109" and (" prints its help " in d.message or " prints its version " in d.message)
               for d in verdict.warnings)


def _disagreement(label: str, answer: KernelAnswer, verdict: FwlintVerdict) -> str | None:
    if answer.refused == verdict.refuses:
        return None
    kernel = f"refuses ({answer.reason})" if answer.refused else "accepts"
    return f"{label}\n    iptables {kernel}; fwlint: {verdict.describe()}"


def _expectation(case: Case, answer: KernelAnswer, verdict: FwlintVerdict) -> str | None:
    """Where the case's own expectation is not what happened (and both sides agree)."""
    errors = {d.code for d in verdict.errors}
    warnings = {d.code for d in verdict.warnings}
    if case.kind == "ok":
        wrong = answer.refused or errors or warnings
    elif case.kind == "refused":
        wrong = not answer.refused or errors != case.codes
    else:
        wrong = answer.refused or errors or warnings != case.codes
    if not wrong:
        return None
    kernel = f"refuses ({answer.reason})" if answer.refused else "accepts"
    return f"{case.label}\n    expected {case.kind} {','.join(sorted(case.codes))}; iptables {kernel}; " \
           f"fwlint: {verdict.describe()}"


@pytest.mark.parametrize("group", GROUPS)
def test_hand_written_cases_agree_with_the_kernel(oracle, group):
    problems: list[str] = []
    for case in (c for c in CASES if c.group == group and c.kind != "beyond"):
        answer, verdict, again = _judge(oracle, case.text, case.family)
        if not again:
            FIGURES.hand += 1
            FIGURES.hand_refused += answer.refused
            FIGURES.count(answer, verdict)
        disagreement = _disagreement(case.label, answer, verdict)
        if disagreement:
            if not again:
                FIGURES.disagreements.append(disagreement)
            problems.append("DISAGREE " + disagreement)
        else:
            wrong = _expectation(case, answer, verdict)
            if wrong:
                problems.append("CASE " + wrong)
    FIGURES.groups_done.add(group)
    assert problems == [], f"{len(problems)} problem(s) in {group}:\n" + "\n".join(problems)


@pytest.mark.parametrize("case", [
    pytest.param(c, id=f"{c.group}-v{c.family}-{i}", marks=pytest.mark.xfail(strict=True, reason=c.why))
    for i, c in enumerate(BEYOND)])
def test_beyond_fwlints_reach(oracle, case):
    """Each of these disagrees, for the reason given: mostly a fact of the host (an ipset, a
    user, the kernel's build), not of the ruleset; a few are gaps fwlint leaves open."""
    answer, verdict, _ = _judge(oracle, case.text, case.family)
    FIGURES.beyond += 1
    assert _disagreement(case.label, answer, verdict) is None


def test_mutations_agree_with_the_kernel(oracle):
    values = seed_values(SEEDS)
    problems: list[str] = []

    @settings(max_examples=MUTATIONS, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(mutants(SEEDS, values))
    def explore(mutant):
        answer, verdict, again = _judge(oracle, mutant.text, mutant.family)
        if again:
            FIGURES.repeated += 1
            return
        if host_dependent(mutant.text, mutant.family):
            FIGURES.host_dependent += 1
            return
        if other_family_after_words(mutant):
            FIGURES.other_family_late += 1  # a known gap: see test_beyond_fwlints_reach
            return
        if stops_early(verdict):
            FIGURES.help_or_version += 1  # a known gap: see test_beyond_fwlints_reach
            return
        FIGURES.mutants += 1
        FIGURES.mutants_refused += answer.refused
        FIGURES.count(answer, verdict)
        disagreement = _disagreement(mutant.describe(), answer, verdict)
        if disagreement:
            FIGURES.disagreements.append(disagreement)
            problems.append(disagreement)

    explore()
    FIGURES.mutations_done = True
    print(f"\nagreement: {FIGURES.summary()}")
    assert problems == [], f"{len(problems)} of {FIGURES.mutants} mutations disagree:\n" + \
        "\n".join(problems)


def _write_report() -> None:
    f = FIGURES
    lines = [
        "# Agreement of the validity rules (FW1xx) with iptables",
        "",
        "Written by tests/kernel/test_agreement.py: each case is restored with",
        "iptables-legacy-restore / ip6tables-legacy-restore (with commit) in a throwaway network",
        "namespace and linted with every FW1xx rule; they agree when fwlint reports an error",
        "exactly when the restore fails.",
        "",
        "| | cases | refused by iptables |",
        "|---|---:|---:|",
        f"| hand-written (tests/kernel/agreement/*.yml) | {f.hand} | {f.hand_refused} |",
        f"| hypothesis mutations of the accepted ones | {f.mutants} | {f.mutants_refused} |",
        f"| **total** | **{f.cases}** | **{f.refusals}** |",
        "",
        f"Disagreements: **{len(f.disagreements)}**.",
        "",
        "Where iptables refused, the validity rules that said so (cases per code; one case may",
        "have several): " + ", ".join(f"{code} {n}" for code, n in sorted(f.refused_codes.items())) + ".",
        "Where iptables took the ruleset, fwlint's warnings (it silently changes the rule, never",
        "matches, or depends on the host): "
        + ", ".join(f"{code} {n}" for code, n in sorted(f.warned_codes.items())) + ".",
        "",
        f"Not counted: {f.repeated} mutations that repeated an earlier case, {f.host_dependent} whose",
        "outcome depends on the host's name lookups (fwlint warns about those),",
        f"{f.other_family_late} with a -4/-6 of the other family after other words, and",
        f"{f.help_or_version} with -h or -V (known gaps: iptables-restore reads such a line up to",
        "that option, fwlint does not judge it), and",
        f"{f.beyond} cases listed as beyond fwlint's reach (strict xfails, with their reasons).",
        "",
        f"Run time: {f.seconds:.1f} s for the namespace, the restores and the linting.",
        "",
    ]
    if f.disagreements:
        lines += ["## Disagreements", "", "```", *f.disagreements, "```", ""]
    lines += ["## Beyond fwlint's reach (strict xfails)", ""]
    reasons: dict[str, list[str]] = {}
    for case in BEYOND:
        shown = case.body if case.body is not None else case.text.replace("\n", " | ")
        reasons.setdefault(" ".join(case.why.split()), []).append(f"`{shown}` (IPv{case.family})")
    for why, shown in reasons.items():
        lines.append(f"- {', '.join(dict.fromkeys(shown))}: {why}")
    lines.append("")
    REPORT.write_text("\n".join(lines), encoding="utf-8")
