"""Running the selected rules over rulesets."""

from __future__ import annotations

import dataclasses
import sys
from typing import Iterable, Sequence

from fwlint.ast import Rule as AstRule
from fwlint.ast import Ruleset
from fwlint.extensions import Registry, default_registry
from fwlint.lint.config import DEFAULT_SETTINGS, Settings
from fwlint.lint.diagnostic import Diagnostic, Severity
from fwlint.lint.rule import Context, Rule
from fwlint.lint.suppression import apply_suppressions


class Catalogue:
    """Every rule the loaded plugins provide (fwlint's own included), by code."""

    def __init__(self, rules: Iterable[type[Rule]]) -> None:
        self.by_code: dict[str, type[Rule]] = {}
        for rule in rules:
            code = getattr(rule, "code", None)
            if not isinstance(code, str) or not getattr(rule, "name", None):
                print(f"fwlint: warning: rule class {rule!r} has no code or name and is skipped",
                      file=sys.stderr)
                continue
            if code in self.by_code and self.by_code[code] is not rule:
                print(f"fwlint: warning: two rules claim {code}: {self.by_code[code].__module__} "
                      f"and {rule.__module__}; keeping the first", file=sys.stderr)
                continue
            self.by_code[code] = rule

    def __iter__(self):
        return iter(sorted(self.by_code.values(), key=lambda r: r.code))

    def get(self, code_or_name: str) -> type[Rule] | None:
        key = code_or_name.upper()
        if key in self.by_code:
            return self.by_code[key]
        for rule in self.by_code.values():
            if rule.name == code_or_name:
                return rule
        return None

    def select(self, select: Sequence[str] | None = None,
               ignore: Sequence[str] | None = None) -> list[Rule]:
        """Instances of the rules ``select`` names (codes or prefixes; all by default) less ``ignore``."""
        def hit(rule: type[Rule], keys: Sequence[str]) -> bool:
            return any(k.upper() == "ALL" or rule.code.startswith(k.upper()) or rule.name == k
                       for k in keys)

        # A rule that is off by default (the translation rules: what `fwlint translate` would
        # refuse is no fault of an iptables ruleset) runs only when a selector names it.
        chosen = [r for r in self if (hit(r, select) if select else getattr(r, "default_enabled", True))]
        if ignore:
            chosen = [r for r in chosen if not hit(r, ignore)]
        return [r() for r in chosen]

    def unknown_selectors(self, keys: Sequence[str]) -> list[str]:
        return [k for k in keys if k.upper() != "ALL" and not any(
            r.code.startswith(k.upper()) or r.name == k for r in self.by_code.values())]


_catalogue: Catalogue | None = None


def catalogue() -> Catalogue:
    global _catalogue
    if _catalogue is None:
        from fwlint.plugins import plugin_rules

        _catalogue = Catalogue(plugin_rules())
    return _catalogue


def reset_catalogue() -> None:
    global _catalogue
    _catalogue = None


def lint_ruleset(ruleset: Ruleset, rules: Sequence[Rule],
                 registry: Registry | None = None, settings: Settings | None = None) -> list[Diagnostic]:
    """The findings of ``rules`` on one ruleset.  When some of them read the reachability
    model, it is built first and the others run while the analysis's forked child works on a
    large ruleset (fwlint.analysis.parallel), on both processors."""
    from fwlint.analysis import model_for, needs_model

    registry = registry or default_registry()
    ctx = Context(ruleset, registry, settings=settings or DEFAULT_SETTINGS)
    out: list[Diagnostic] = []
    modelled = [r for r in rules if needs_model(r)]
    if not modelled:
        _lint(ruleset, rules, ctx, out)
        return out
    others = [r for r in rules if not needs_model(r)]
    model_for(ctx, meanwhile=lambda: _lint(ruleset, others, ctx, out))
    _lint(ruleset, modelled, ctx, out)
    return out


def _lint(ruleset: Ruleset, rules: Sequence[Rule], ctx: Context, out: list[Diagnostic]) -> None:
    per_rule = [r for r in rules if r.checks_rules()]
    for r in rules:
        if r.checks_ruleset():
            out.extend(r.check_ruleset(ruleset, ctx))
    if per_rule:
        checks = _rule_checks(per_rule)
        for table in ruleset.tables:
            ctx.table = table
            for chain in table.chains:
                ctx.chain = chain
                for rule in chain.rules:
                    _check_rule(rule, checks, ctx, out)
            ctx.chain = None
            for rule in table.undeclared_rules:
                _check_rule(rule, checks, ctx, out)
        ctx.table = None
        out.extend(_lint_removed(ruleset, per_rule, ctx))


def _rule_checks(per_rule: Sequence[Rule]) -> tuple[list, list]:
    """The check_rule methods of ``per_rule``: those that look at every rule, and those that
    look only at rules with certain matches, with those matches (Rule.needs_matches)."""
    always = [r.check_rule for r in per_rule if r.needs_matches is None]
    selective = [(r.needs_matches, r.check_rule) for r in per_rule if r.needs_matches is not None]
    return always, selective


def _check_rule(rule: AstRule, checks: tuple[list, list], ctx: Context, out: list[Diagnostic]) -> None:
    always, selective = checks
    for check in always:
        out.extend(check(rule, ctx))
    if selective:
        names = {m.name for m in rule.matches}
        for needs, check in selective:
            if not needs.isdisjoint(names):
                out.extend(check(rule, ctx))


# The rules that judge a command of a script when it runs: what iptables refuses (validity,
# FW1xx) and how the script wrote it (FW5xx).  What a rule does to packets (reachability,
# state, security) is the final tables' business, and a rule taken away again does nothing.
_JUDGE_REMOVED = ("FW1", "FW5")


def _lint_removed(ruleset: Ruleset, per_rule: Sequence[Rule], ctx: Context) -> list[Diagnostic]:
    """A script's rules that a later command took away (``-F``, ``-D``, ``-R``, a restore), each
    checked in the table as it stood before it went (see fwlint.parse.script_replay): the
    command that added it ran, and iptables may have refused it then."""
    steps = ruleset.script.steps if ruleset.script is not None else ()
    judges = [r for r in per_rule if r.code.startswith(_JUDGE_REMOVED)]
    out: list[Diagnostic] = []
    for step in steps:
        if step.command != "removed" or step.rule is None or step.after is None or not judges:
            continue
        ctx.table = step.after
        ctx.chain = step.after.chain(step.chain) if step.chain is not None else None
        for r in judges:
            out.extend(r.check_rule(step.rule, ctx))
    ctx.table = ctx.chain = None
    return out


def lint_host(v4: Ruleset, v6: Ruleset, rules: Sequence[Rule], registry: Registry | None = None,
              settings: Settings | None = None) -> list[Diagnostic]:
    """Run the rules that look at a host's IPv4 and IPv6 rulesets together (FW405)."""
    host_rules = [r for r in rules if r.checks_host()]
    if not host_rules:
        return []
    ctx = Context(v6, registry or default_registry(), settings=settings or DEFAULT_SETTINGS)
    out: list[Diagnostic] = []
    for r in host_rules:
        out.extend(r.check_host(v4, v6, ctx))
    return out


def host_pairs(rulesets: Sequence[Ruleset], partner: Sequence[Ruleset] = ()) -> list[tuple[Ruleset, Ruleset]]:
    """The (IPv4, IPv6) rulesets of one host among one source's rulesets: a file with -4/-6
    lines gives both; with ``partner`` (the rulesets of the IPv4 file paired with this IPv6
    file, see fwlint.check.host_partners) the pair is the partner's v4 and this file's v6."""
    v6 = next((rs for rs in rulesets if rs.family == 6), None)
    if v6 is None:
        return []
    if partner:
        v4 = next((rs for rs in partner if rs.family == 4), None)
    elif v6.dual_family:
        v4 = next((rs for rs in rulesets if rs.family == 4), None)
    else:
        v4 = None
    return [(v4, v6)] if v4 is not None else []


def lint_rulesets(rulesets: Sequence[Ruleset], rules: Sequence[Rule],
                  registry: Registry | None = None, settings: Settings | None = None,
                  partner: Sequence[Ruleset] = ()) -> list[Diagnostic]:
    """Lint each family's ruleset of one source; a finding both give is reported once.
    With both families (-4/-6 lines), or with ``partner`` (the IPv4 file paired with this
    IPv6 one), the host rules look at the two together as well.

    A finding another one restates (see Diagnostic.restates) is dropped.  Then the source's
    suppression comments take out what they cover (and FW901 reports the
    ones that cover nothing), and the configuration's severity overrides apply."""
    seen: set[tuple] = set()
    out: list[Diagnostic] = []
    host = [d for v4, v6 in host_pairs(rulesets, partner)
            for d in lint_host(v4, v6, rules, registry, settings)]
    for d in [*(d for rs in rulesets for d in lint_ruleset(rs, rules, registry, settings)), *host]:
        key = (d.code, d.span, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    restated = {said for d in out for said in d.restates}
    if restated:  # one mistake, one finding: the rule that says more about it keeps it
        out = [d for d in out if (d.code, d.span) not in restated]
    out = apply_suppressions(rulesets, out, rules)
    if settings is not None and settings.severity:
        out = [_with_severity(d, settings.severity_for(d.code)) for d in out]
    out.sort(key=lambda d: d.sort_key)
    return out


def _with_severity(d: Diagnostic, severity: Severity | None) -> Diagnostic:
    return d if severity is None or severity == d.severity else dataclasses.replace(d, severity=severity)
