from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset, ScriptStep, Span, Table
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import is_unconditional, reachable_chains
from fwlint.rules.security._probe import Probe, probe_chain


def _ssh_accept(table: Table, ports: tuple[int, ...], family: int, ctx: Context) -> Span | None:
    """The rule that lets new connections to a management port in (for some sources at
    least), or None."""
    for port in ports:
        walk = probe_chain(table, "INPUT", Probe("tcp", port, family), ctx.registry)
        if walk is None:
            continue
        if walk.outcome == "accepted" and walk.rule is not None:
            return walk.rule.span
        if walk.partial_accepts:
            return walk.partial_accepts[0].span
    return None


def _established_accept(table: Table) -> Span | None:
    """The rule that accepts packets of established connections, or None."""
    for name in reachable_chains(table, "INPUT"):
        chain = table.chain(name)
        if chain is None:
            continue
        for rule in chain.rules:
            if rule.target is None or rule.target.name != "ACCEPT":
                continue
            if is_unconditional(rule):
                return rule.span
            for option in ("ctstate", "state"):
                opt = rule.option(option)
                if opt is not None and not opt.negated and opt.values and \
                        "ESTABLISHED" in opt.values[0].upper().split(","):
                    return rule.span
    return None


def _ports(ports: tuple[int, ...]) -> str:
    if len(ports) == 1:
        return f"port {ports[0]}"
    return "ports " + ", ".join(str(p) for p in ports[:-1]) + f" or {ports[-1]}"


class LockoutOrder(Rule):
    """## What it does
    Finds the point in a firewall script where INPUT starts dropping (its
    policy set to DROP, or INPUT flushed while its policy is DROP) before any
    rule exists that accepts SSH (the management ports, 22 by default) or
    packets of ESTABLISHED connections, when the script adds such rules later.

    ## Why is this bad
    The script is usually run over SSH. From that command until the accept
    rules are added, the session's own packets are dropped: its output stalls,
    and if the script stops in between (an error with `set -e`, a closed
    terminal, a typo in the accept rule) the host is cut off and needs a
    console. Setting the policy last (or loading everything at once with
    `iptables-restore`) has no such gap.

    ## Example
    ```
    iptables -P INPUT DROP
    iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    iptables -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## Use instead
    ```
    iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    iptables -A INPUT -p tcp --dport 22 -j ACCEPT
    iptables -P INPUT DROP
    ```
    The ports are `management-ports` in the configuration; ports the script
    itself names in a variable such as `SSH_PORT=2222` count too. When the
    script never accepts them at all, FW404 (ssh-lockout) and FW301 report the
    final ruleset instead.

    ## In nftables
    `nft -f` loads a whole file atomically: write the accept rules and the
    `policy drop` in one file.
    """

    code = "FW502"
    name = "lockout-order"
    severity = Severity.WARNING

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        facts = ruleset.script
        final = ruleset.table("filter")
        if facts is None or final is None:
            return
        ports = tuple(sorted(set(ctx.settings.management_ports) | set(facts.management_ports)))
        if not ports:
            return
        ssh_final = _ssh_accept(final, ports, ruleset.family, ctx)
        established_final = _established_accept(final)
        if ssh_final is None or established_final is None:
            return  # never accepted at all: the final ruleset's rules (FW404, FW301) say so
        for step in facts.steps:
            policy_line = self._risky(step, ports, ruleset.family, ctx)
            if policy_line is None:
                continue
            later = sorted({ssh_final, established_final}, key=lambda sp: (sp.line, sp.column))
            what = f"SSH ({_ports(ports)}) or ESTABLISHED connections"
            if step.command == "policy":
                head = f"-P INPUT DROP comes before INPUT accepts {what}"
            else:
                head = (f"-F empties INPUT while its policy is DROP (set at line {policy_line}), "
                        f"before it accepts {what} again")
            yield self.diagnostic(
                step.span,
                f"{head}: run over SSH, the session's packets are dropped from here until line "
                f"{later[0].line}, and if the script stops in between you are locked out; add the "
                f"accept rules first and set the DROP policy after them",
                related=tuple(later))
            return

    def _risky(self, step: ScriptStep, ports: tuple[int, ...], family: int, ctx: Context) -> int | None:
        """The line of INPUT's DROP policy when ``step`` leaves INPUT dropping everything an SSH
        session sends (no accept for the management ports, none for ESTABLISHED), else None."""
        if step.refused or step.table != "filter" or step.after is None:
            return None
        if step.command == "policy" and (step.chain != "INPUT" or step.args != ("DROP",)):
            return None
        if step.command == "flush" and step.chain not in (None, "INPUT"):
            return None
        if step.command not in ("policy", "flush"):
            return None
        chain = step.after.chain("INPUT")
        if chain is None or chain.policy != "DROP":
            return None
        if _ssh_accept(step.after, ports, family, ctx) is not None or \
                _established_accept(step.after) is not None:
            return None
        return chain.span.line if chain.span is not None else step.span.line
