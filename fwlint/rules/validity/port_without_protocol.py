from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity

_PORT_OPTIONS = {"dport", "sport", "destination-port", "source-port"}
_PORT_PROTOCOLS = ("tcp", "udp", "sctp", "dccp")


class PortWithoutProtocol(Rule):
    """## What it does
    Finds `--dport`/`--sport` in a rule that has no `-p tcp`, `-p udp`,
    `-p sctp` or `-p dccp` before them (and no `-m tcp`/`-m udp` ...).

    ## Why is this bad
    Ports belong to the tcp, udp, sctp and dccp matches; iptables loads one of
    them only from the protocol given with `-p`. Without it iptables refuses
    the rule ("unknown option --dport"), failing the whole restore. With
    `-p icmp` or `-p all` there are no ports to match at all.

    ## Example
    ```
    -A INPUT --dport 22 -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## In nftables
    `tcp dport 22` names the protocol in the match itself; `th dport 22`
    matches the port of any transport header.
    """

    code = "FW104"
    name = "port-without-protocol"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        for opt in rule.unclaimed:
            if opt.name not in _PORT_OPTIONS:
                continue
            proto_opt = rule.option("protocol")
            if proto_opt is None:
                why = "no -p given"
                hint = "add -p tcp (or udp, sctp, dccp) before it"
            elif proto_opt.negated:
                why = f"-p is inverted (! -p {proto_opt.value})"
                hint = "ports need one positive protocol: -p tcp, udp, sctp or dccp"
            elif proto_opt.value and proto_opt.value.lower() in _PORT_PROTOCOLS:
                why = f"-p {proto_opt.value} comes after it"
                hint = f"put -p {proto_opt.value} before {opt.written}"
            else:
                why = f"-p {proto_opt.value} has no ports"
                hint = "ports exist for tcp, udp, sctp and dccp only"
            yield self.diagnostic(opt.span, f"{opt.written} without a port protocol: {why}; "
                                            f"iptables refuses the rule; {hint}")
