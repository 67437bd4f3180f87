"""What a built-in chain does with a packet no conditional rule singles out.

Shared by the security rules: a chain "drops by default" when its policy is DROP or an
unconditional DROP/REJECT (possibly in a user chain it jumps to unconditionally) decides
every packet that gets that far; it "accepts by default" when its policy is ACCEPT and no such
rule exists, or when an unconditional ACCEPT comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

from fwlint.ast import Chain, Span, Table
from fwlint.ast import Rule as AstRule
from fwlint.extensions import Registry
from fwlint.lint.facts import ends_traversal, is_unconditional
from fwlint.lint.rule import Context

DROPS = ("DROP", "REJECT")


@dataclass(frozen=True)
class DefaultVerdict:
    """The fate of a packet that no conditional rule of a built-in chain decides."""

    verdict: str  # "ACCEPT", "DROP", "REJECT", or "UNKNOWN" (a queue, an unknown target, a loop)
    chain: Chain  # the built-in chain
    rule: AstRule | None = None  # the unconditional rule that decides; None when the policy does
    path: tuple[AstRule, ...] = ()  # the unconditional jumps from the built-in chain to ``rule``

    @property
    def drops(self) -> bool:
        return self.verdict in DROPS

    @property
    def accepts(self) -> bool:
        return self.verdict == "ACCEPT"

    @property
    def by_policy(self) -> bool:
        return self.rule is None

    @property
    def policy_set(self) -> bool:
        """True when the ruleset itself sets the policy: it declares the chain, or a -P gives
        it DROP.  A chain a restore file never declares keeps the policy it had."""
        return self.chain.declared or self.chain.policy == "DROP"

    @property
    def span(self) -> Span | None:
        """Where the verdict is decided: the catch-all rule, else the chain's declaration."""
        if self.rule is not None:
            return self.rule.span
        return self.chain.span

    def report_span(self, table: Table) -> Span:
        """Where to report the verdict: the catch-all rule, else the chain's declaration, else
        (a policy set by -P on a chain the file never declares) its first rule or the table."""
        if self.span is not None:
            return self.span
        if self.chain.rules:
            return self.chain.rules[0].span
        return table.span

    def describe(self) -> str:
        """Why the chain drops or accepts by default, in words: "its policy is DROP"."""
        if self.rule is None:
            return f"its policy is {self.chain.policy}"
        where = "" if self.rule.chain == self.chain.name else f" (in {self.rule.chain})"
        return f"the catch-all -j {self.verdict} at line {self.rule.span.line}{where}"


def default_verdict(table: Table, chain_name: str, registry: Registry,
                    ctx: Context | None = None) -> DefaultVerdict | None:
    """The default verdict of the built-in chain ``chain_name`` of ``table`` (None: no chain);
    with ``ctx``, computed once per ruleset and shared between the rules that ask."""
    if ctx is not None:
        return ctx.memo(("default-verdict", id(table), chain_name),
                        lambda: default_verdict(table, chain_name, registry))
    chain = table.chain(chain_name)
    if chain is None or not chain.builtin:
        return None
    found = _walk(table, chain, registry, frozenset({chain.name}), ())
    if found is None:
        return DefaultVerdict(chain.policy or "ACCEPT", chain)
    verdict, rule, path = found
    return DefaultVerdict(verdict, chain, rule, path)


def _walk(table: Table, chain: Chain, registry: Registry, seen: frozenset[str],
          path: tuple[AstRule, ...]) -> tuple[str, AstRule, tuple[AstRule, ...]] | None:
    """The unconditional rule that decides in ``chain`` (following unconditional jumps), or
    None when such a packet falls off its end or RETURNs."""
    names = table.chain_names
    for rule in chain.rules:
        target = rule.target
        if target is None or not is_unconditional(rule):
            continue
        if target.name in ("ACCEPT", *DROPS):
            return target.name, rule, path
        if target.name == "RETURN":
            return None
        if target.name in names:
            sub = table.chain(target.name)
            if target.name in seen or sub is None:
                return "UNKNOWN", rule, path
            found = _walk(table, sub, registry, seen | {target.name}, (*path, rule))
            if found is not None:
                return found
            if target.goto:
                return None
            continue
        if registry.target(target.name) is None or ends_traversal(rule, registry):
            return "UNKNOWN", rule, path
    return None
