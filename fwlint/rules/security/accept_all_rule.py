from __future__ import annotations

from collections.abc import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.ast import Ruleset, Table
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.security._default_verdict import DROPS, DefaultVerdict, default_verdict


def _later_drops(table: Table, verdict: DefaultVerdict) -> list[AstRule]:
    """The DROP/REJECT rules that come after the catch-all ACCEPT (or after the jumps that
    lead to it), each in its own chain: rules the ACCEPT keeps every packet from."""
    out: list[AstRule] = []
    assert verdict.rule is not None
    for step in (*verdict.path, verdict.rule):
        chain = table.chain(step.chain)
        if chain is None:
            continue
        after = False
        for rule in chain.rules:
            if after and rule.target is not None and rule.target.name in DROPS:
                out.append(rule)
            if rule is step:
                after = True
    return out


def opens_filtered_chain(table: Table, verdict: DefaultVerdict) -> bool:
    """True when an unconditional ACCEPT decides the chain although it was meant to drop:
    its policy is DROP, or DROP/REJECT rules come after the ACCEPT."""
    if verdict.rule is None or not verdict.accepts:
        return False
    return verdict.chain.policy == "DROP" or bool(_later_drops(table, verdict))


class AcceptAllRule(Rule):
    """## What it does
    Finds a rule with no conditions that ACCEPTs in INPUT or FORWARD (or in a
    user chain they jump to with no conditions) in a chain that was meant to
    filter: its policy is DROP, or DROP/REJECT rules come after the ACCEPT.
    Conditions every packet meets (`-p all`, `-s 0.0.0.0/0`, a comment) count
    as none.

    ## Why is this bad
    The ACCEPT takes every packet that gets that far, so the DROP policy and
    every drop after it never apply: the firewall is open while it looks
    closed. Usually the rule lost its condition: `-A INPUT -j ACCEPT` meant
    to be `-A INPUT -i lo -j ACCEPT`, or a debugging rule was left in.

    ## Example
    ```
    :INPUT DROP [0:0]
    -A INPUT -j ACCEPT
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## Use instead
    ```
    :INPUT DROP [0:0]
    -A INPUT -i lo -j ACCEPT
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## In nftables
    The same mistake is a bare `accept` rule early in a `policy drop` chain.
    """

    code = "FW406"
    name = "accept-all-rule"
    severity = Severity.WARNING

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        table = ruleset.table("filter")
        if table is None:
            return
        for name in ("INPUT", "FORWARD"):
            verdict = default_verdict(table, name, ctx.registry, ctx)
            if verdict is None or verdict.rule is None or not verdict.accepts:
                continue
            if not opens_filtered_chain(table, verdict):
                continue
            drops = _later_drops(table, verdict)
            closed: list[str] = []
            if verdict.chain.policy == "DROP":
                closed.append("the DROP policy")
            if drops:
                lines = ", ".join(str(r.span.line) for r in drops[:5]) + (", ..." if len(drops) > 5 else "")
                closed.append(f"the drop{'s' if len(drops) > 1 else ''} at line{'s' if len(drops) > 1 else ''} "
                              f"{lines}")
            via = ""
            if verdict.path:
                via = f" (reached from {name} through " + \
                    ", ".join(f"-j {r.target.name} at line {r.span.line}"  # type: ignore[union-attr]
                              for r in verdict.path) + ")"
            hint = ""
            if name == "INPUT" and not _accepts_loopback(table, name):
                hint = "; if it was meant for loopback traffic, write -A INPUT -i lo -j ACCEPT"
            yield self.diagnostic(
                verdict.rule.span,
                f"-j ACCEPT with no conditions in {verdict.rule.chain}{via} accepts every packet "
                f"{name} sees from here on: {' and '.join(closed)} never "
                f"{'apply' if len(closed) > 1 or len(drops) > 1 else 'applies'}, so the chain is "
                f"open{hint}",
                related=tuple(r.span for r in verdict.path))


def _accepts_loopback(table: Table, chain_name: str) -> bool:
    chain = table.chain(chain_name)
    if chain is None:
        return False
    for rule in chain.rules:
        opt = rule.option("in-interface")
        if opt is not None and not opt.negated and opt.value == "lo":
            return True
    return False
