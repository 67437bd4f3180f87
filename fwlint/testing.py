"""The YAML case harness: how fwlint's own rules are tested, public for plugin authors.

A case file (``tests/rules/cases/FW101.yml``) looks like::

    rule: FW101
    family: 4              # optional; default from the case's `path`, else 4
    select: [FW204]        # optional (also per case): rules that run alongside the one under test
    passing:
      - name: a known target
        ruleset: |
          *filter
          -A INPUT -j ACCEPT
          COMMIT
    failing:
      - name: misspelt ACCEPT
        ruleset: |
          *filter
          -A INPUT -j ACCESPT
          COMMIT
        findings:
          - {line: 2, column: 13, message: "unknown target ..."}   # message optional
        fixed: |             # optional: the text after applying the rule's fixes
          *filter
          -A INPUT -j ACCEPT
          COMMIT

Only the findings of the rule under test count.  In a plugin's tests::

    from fwlint.testing import case_params, check_case

    @pytest.mark.parametrize("case", case_params("tests/cases"))
    def test_case(case):
        check_case(case)

    def test_documented():
        check_documentation("EX101")   # the docstring has every section fwlint rule shows
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from fwlint.lint.diagnostic import Diagnostic
from fwlint.lint.engine import catalogue, lint_rulesets
from fwlint.lint.fix import apply_fixes
from fwlint.lint.rule import Rule, sections
from fwlint.parse import parse_text

DOC_SECTIONS = ("What it does", "Why is this bad", "Example", "Use instead", "In nftables")
"""The sections every rule's docstring has, in this order (`fwlint rule` and docs/rules.md)."""


@dataclass
class Case:
    rule: str
    kind: str  # "passing" or "failing"
    name: str
    ruleset: str
    path: str = "rules.v4"
    family: int | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    fixed: str | None = None
    source: str = ""
    select: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.kind}-{self.name}"


def load_cases(path: str | Path) -> list[Case]:
    """The cases of one YAML file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "rule" not in data:
        raise ValueError(f"{path}: a case file is a mapping with `rule`, `passing` and `failing`")
    rule = str(data["rule"])
    default_family = data.get("family")
    out = []
    for kind in ("passing", "failing"):
        for item in data.get(kind) or ():
            out.append(Case(rule=rule, kind=kind, name=str(item["name"]),
                            ruleset=item["ruleset"], path=item.get("path", "rules.v4"),
                            family=item.get("family", default_family),
                            findings=list(item.get("findings") or ()), fixed=item.get("fixed"),
                            source=str(path),
                            select=[str(c) for c in item.get("select", data.get("select")) or ()]))
    if not any(c.kind == "failing" for c in out):
        raise ValueError(f"{path}: a case file needs at least one failing case")
    return out


def case_params(folder: str | Path) -> list:
    """pytest parameters for every case in every *.yml of ``folder``."""
    import pytest

    params = []
    for f in sorted(Path(folder).glob("*.yml")):
        for case in load_cases(f):
            params.append(pytest.param(case, id=case.id))
    return params


def run_rule(rule_code: str, text: str, path: str = "rules.v4",
             family: int | None = None, alongside: Iterable[str] = ()) -> list[Diagnostic]:
    """The findings of one rule on ``text`` (and of the rules ``alongside`` names: codes or
    prefixes, for rules such as FW901 that judge other rules' findings)."""
    rule = catalogue().get(rule_code)
    if rule is None:
        raise LookupError(f"no rule {rule_code} is loaded")
    others = [r for r in catalogue().select(list(alongside)) if r.code != rule.code] if alongside else []
    return lint_rulesets(parse_text(text, path, family), [rule(), *others])


def check_case(case: Case) -> None:
    """Assert that the case holds; the assertion message shows what differs."""
    found = [d for d in run_rule(case.rule, case.ruleset, case.path, case.family, case.select)
             if d.code == case.rule]
    shown = _show(found)
    if case.kind == "passing":
        assert not found, f"{case.id}: expected no {case.rule} finding, got:\n{shown}"
        return
    expected = [(f["line"], f["column"]) for f in case.findings]
    got = [(d.span.line, d.span.column) for d in found]
    assert got == expected, f"{case.id}: expected findings at {expected}, got:\n{shown}"
    for want, d in zip(case.findings, found):
        if "message" in want:
            assert d.message == want["message"], \
                f"{case.id}: message at {d.span.line}:{d.span.column} differs:\n" \
                f"  expected: {want['message']}\n  got:      {d.message}"
        if "severity" in want:
            assert str(d.severity) == want["severity"], f"{case.id}: severity {d.severity}"
    if case.fixed is not None:
        rule = catalogue().get(case.rule)
        applicability = ("safe", "unsafe") if rule is not None and rule.fixable == "unsafe" \
            else ("safe",)
        text, count = apply_fixes(case.ruleset, found, applicability)
        assert count, f"{case.id}: no fix was offered"
        assert text == case.fixed, f"{case.id}: fixed text differs:\n{text}"


def check_documentation(rule_code: str) -> type[Rule]:
    """Assert that the rule is loaded and documented as fwlint documents its own: a kebab-case
    name and a docstring with every section of :data:`DOC_SECTIONS`.  Returns the rule class."""
    rule = catalogue().get(rule_code)
    assert rule is not None, f"no rule {rule_code} is loaded (is its plugin installed?)"
    assert rule.code == rule_code, f"{rule_code} is loaded under the code {rule.code}"
    assert rule.name == rule.name.lower() and rule.name.replace("-", "").isalnum(), \
        f"{rule_code}: the name {rule.name!r} is not kebab-case"
    doc = sections(rule)
    missing = [title for title in DOC_SECTIONS if not doc.get(title)]
    assert not missing, f"{rule_code}: the docstring lacks the sections {', '.join(missing)}"
    return rule


def _show(found: Iterable[Diagnostic]) -> str:
    return "\n".join(f"  {d.span.line}:{d.span.column} {d.code} {d.message}" for d in found) or "  (none)"
