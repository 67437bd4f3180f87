from __future__ import annotations

import os
from collections.abc import Iterable

from fwlint.ast import Ruleset, Span
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.security._default_verdict import default_verdict

UFW_FRAGMENTS = frozenset({"before6.rules", "after6.rules", "user6.rules"})
"""ufw's IPv6 files: ufw sets the policies itself (from /etc/default/ufw), not these files."""


class Ipv6Gap(Rule):
    """## What it does
    Finds a host whose IPv4 rules filter incoming traffic while its IPv6
    rules let it all in. IPv4 filters when INPUT drops by default (its policy
    is DROP, or a catch-all DROP/REJECT ends it); IPv6 is open when INPUT
    accepts by default, which includes a v6 file with no `*filter` table or
    one that never declares INPUT: ip6tables then keeps the policy the kernel
    boots with, ACCEPT.

    Two rulesets belong to one host when they are one file with `-4`/`-6`
    line prefixes, one firewall script that runs both iptables and
    ip6tables, or two files checked together (`fwlint check /etc/iptables/`
    or `fwlint check rules.v4 rules.v6`) that sit in the same directory and
    are named as a pair: `rules.v4` and `rules.v6`, `NAME.v4` and `NAME.v6`,
    `iptables.rules` and `ip6tables.rules`, `iptables-NAME.rules` and
    `ip6tables-NAME.rules`, `iptables` and `ip6tables` (/etc/sysconfig), ufw's
    `before.rules` and `before6.rules` (also `after` and `user`). For ufw the
    policies come from /etc/default/ufw, so only an IPv6 file that declares
    INPUT ACCEPT itself counts as open. A v4 file checked without its v6
    partner is not reported: fwlint cannot tell whether the host has one.

    The finding stands at the IPv6 file's INPUT policy (or the rule or line
    that leaves it open), with the IPv4 file's drop as related location.

    ## Why is this bad
    Most hosts have IPv6 addresses today, often global ones from router
    advertisements that nobody configured on purpose. Every service that
    listens on all addresses (`::`) is then reachable over IPv6 on every port
    the IPv4 rules so carefully close: the firewall is a front door with the
    back door open.

    ## Example
    rules.v4:
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -i lo -j ACCEPT
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p tcp --dport 22 -j ACCEPT
    COMMIT
    ```
    rules.v6:
    ```
    *filter
    :INPUT ACCEPT [0:0]
    COMMIT
    ```

    ## Use instead
    rules.v6:
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -i lo -j ACCEPT
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p ipv6-icmp -j ACCEPT
    -A INPUT -p tcp --dport 22 -j ACCEPT
    COMMIT
    ```
    (IPv6 needs ICMPv6 for neighbour discovery), or disable IPv6 on the host
    and suppress the finding.

    ## In nftables
    An `inet` table filters IPv4 and IPv6 with one set of rules, which closes
    this gap by construction.
    """

    code = "FW405"
    name = "ipv6-gap"
    severity = Severity.WARNING

    def check_host(self, v4: Ruleset, v6: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        v4_table = v4.table("filter")
        if v4_table is None:
            return
        v4_input = default_verdict(v4_table, "INPUT", ctx.registry, ctx)
        if v4_input is None or not v4_input.drops:
            return
        one_file = v4.path == v6.path
        script = v6.script is not None
        ufw = os.path.basename(v6.path) in UFW_FRAGMENTS
        v6_name = ("the ip6tables commands" if script else "the -6 rules") if one_file else v6.path
        v6_table = v6.table("filter")
        if v6_table is None:
            if ufw:
                return
            span = Span(v6.path, 1, 1, 1, 1)
            lacks = "never touch the filter table" if script else \
                f"{'have' if one_file else 'has'} no *filter table"
            why = f"{v6_name} {lacks}, so INPUT keeps the policy the kernel boots with, ACCEPT"
        else:
            v6_input = default_verdict(v6_table, "INPUT", ctx.registry, ctx)
            if v6_input is None or not v6_input.accepts:
                return
            if v6_input.by_policy and not v6_input.policy_set and ufw:
                return
            span = v6_input.report_span(v6_table)
            if v6_input.rule is not None:
                why = f"in {v6_name}, the -j ACCEPT with no conditions at line " \
                      f"{v6_input.rule.span.line} accepts every packet INPUT sees"
            elif v6_input.policy_set:
                why = f"in {v6_name}, INPUT has policy ACCEPT and no catch-all DROP or REJECT"
            else:
                why = f"{v6_name} never {'set' if one_file else 'sets'} INPUT's policy, so it keeps " \
                      f"the kernel's default, ACCEPT, and no catch-all DROP or REJECT ends INPUT"
        v4_name = ("the iptables commands" if script else "the -4 rules") if one_file else v4.path
        policy = "-P INPUT DROP" if script else ":INPUT DROP"
        v4_span = v4_input.report_span(v4_table)
        v4_why = f"INPUT policy DROP, line {v4_span.line}" if v4_input.by_policy else \
            f"the catch-all -j {v4_input.verdict} at line {v4_span.line}"
        yield self.diagnostic(
            span,
            f"IPv6 is left open while IPv4 is filtered: {why}, but {v4_name} "
            f"{'drop' if one_file else 'drops'} IPv4 by "
            f"default ({v4_why}); every service listening on an IPv6 address is "
            f"reachable on every port; filter IPv6 as well ({policy}, the same accepts, and "
            f"-p ipv6-icmp -j ACCEPT for neighbour discovery)",
            related=(v4_span,))
