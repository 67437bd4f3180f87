from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.validity._options import Holder, holders, match_name_span


class MissingOption(Rule):
    """## What it does
    Finds a match or target without an option it cannot do without: `-m
    mark` without `--mark`, `-m comment` without `--comment`, `-m
    multiport` without `--dports`, `--sports` or `--ports`, `-m icmp`
    without `--icmp-type`, `-m conntrack` or `-m physdev` with no option at
    all, `-m string` without `--algo`, `-m hashlimit` without
    `--hashlimit-name`, `-m connbytes` without `--connbytes-dir` and
    `--connbytes-mode`, `-j DNAT` without `--to-destination`, `-j SNAT`
    without `--to-source`, `-j MARK`, `-j CONNMARK` or `-j TOS` without an
    operation, `-j TPROXY` without `--on-port`.

    ## Why is this bad
    iptables refuses the rule ("mark: option --mark must be specified",
    "multiport expection an option", "MARK: One of the --set-xmark ...
    options is required"), and `iptables-restore` applies nothing of the
    file. It happens when an option is lost in editing, or when an option
    meant for the match landed on another one: in `-m mark -m connmark
    --mark 1` the `--mark` goes to connmark (the match loaded last), and
    the mark match is left without one.

    Matches and targets with defaults (`-m limit`, `-m time`, `-j LOG`,
    `-j NFQUEUE`, `-j CT`) need no option.

    ## Example
    ```
    -A INPUT -m mark -j ACCEPT
    -A PREROUTING -p tcp --dport 80 -j DNAT
    ```

    ## Use instead
    ```
    -A INPUT -m mark --mark 0x1 -j ACCEPT
    -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 192.0.2.10
    ```

    ## In nftables
    Each expression carries its operand (`meta mark 0x1`, `dnat to
    192.0.2.10`); an expression without one is a syntax error.
    """

    code = "FW116"
    name = "missing-option"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        family = ctx.ruleset.family
        if rule.unresolved and any(not o.name for o in rule.unclaimed):
            return  # a script variable stands where options may have been
        everything = list(holders(rule, ctx.registry))
        for holder in everything:
            ext = holder.ext
            if not ext.required or (ext.family is not None and ext.family != family):
                continue
            given = {spec.name for opt in holder.node.options
                     if opt.known and (spec := ext.option(opt.name)) is not None}
            for group in ext.required:
                if given & group:
                    continue
                names = sorted(group, key=lambda n: [s.name for s in ext.options].index(n))
                if len(names) == 1:
                    need = f"--{names[0]}"
                elif len(names) > 10:  # conntrack: any option will do; HMARK's ten are named
                    need = "at least one of its options"
                else:
                    need = "one of " + ", ".join(f"--{n}" for n in names[:-1]) + f" or --{names[-1]}"
                if holder.is_target:
                    span = holder.node.name_span  # type: ignore[union-attr]
                    what = f"-j {ext.name}"
                else:
                    span = match_name_span(ctx.ruleset, holder.node)  # type: ignore[arg-type]
                    what = f"-m {ext.name}"
                yield self.diagnostic(span, f"{what} needs {need}: iptables refuses it without"
                                      + _went_elsewhere(group, holder, everything))


def _went_elsewhere(group: frozenset[str], holder: Holder, everything: list[Holder]) -> str:
    """When the option is there but a later match of the same option name took it."""
    for other in everything:
        if other is holder or other.is_target:
            continue
        for opt in other.node.options:
            if opt.known and opt.name in group:
                return f" (the {opt.written} here went to -m {other.ext.name}, loaded later)"
    return ""
