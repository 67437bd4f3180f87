"""Running the selected rules over rulesets."""

from __future__ import annotations

import sys
from typing import Iterable, Sequence

from fwlint.ast import Ruleset
from fwlint.extensions import Registry, default_registry
from fwlint.lint.diagnostic import Diagnostic
from fwlint.lint.rule import Context, Rule


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

        chosen = [r for r in self if (not select or hit(r, select))]
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
                 registry: Registry | None = None) -> list[Diagnostic]:
    registry = registry or default_registry()
    ctx = Context(ruleset, registry)
    out: list[Diagnostic] = []
    per_rule = [r for r in rules if r.checks_rules()]
    for r in rules:
        if r.checks_ruleset():
            out.extend(r.check_ruleset(ruleset, ctx))
    if per_rule:
        for table in ruleset.tables:
            ctx.table = table
            for chain in table.chains:
                ctx.chain = chain
                for rule in chain.rules:
                    for r in per_rule:
                        out.extend(r.check_rule(rule, ctx))
            ctx.chain = None
            for rule in table.undeclared_rules:
                for r in per_rule:
                    out.extend(r.check_rule(rule, ctx))
        ctx.table = None
    return out


def lint_rulesets(rulesets: Sequence[Ruleset], rules: Sequence[Rule],
                  registry: Registry | None = None) -> list[Diagnostic]:
    """Lint each family's ruleset of one source; a finding both give is reported once."""
    seen: set[tuple] = set()
    out: list[Diagnostic] = []
    for rs in rulesets:
        for d in lint_ruleset(rs, rules, registry):
            key = (d.code, d.span, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
    out.sort(key=lambda d: d.sort_key)
    return out
