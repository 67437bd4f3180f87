from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import state_options, state_patterns


class InvalidAccepted(Rule):
    """## What it does
    Finds rules of the filter table that accept packets in the INVALID
    connection state: `--ctstate ESTABLISHED,INVALID -j ACCEPT`, and the
    inverted forms that let INVALID through without naming it, such as
    `-m state ! --state NEW -j ACCEPT` (often meant as "established only").

    ## Why is this bad
    conntrack calls a packet INVALID when it belongs to no connection it can
    make sense of: out of the TCP window, a FIN or ACK for a connection that
    does not exist, a malformed header, an ICMP error about nothing. Accepting
    them lets scans (`nmap -sF`, `-sA`) and spoofed or broken packets reach
    the host or the network behind it. The usual ruleset drops INVALID early
    and accepts ESTABLISHED,RELATED by name.

    ## Example
    ```
    -A INPUT -m state ! --state NEW -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -m conntrack --ctstate INVALID -j DROP
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    ```

    ## In nftables
    `ct state invalid drop` then `ct state established,related accept`;
    `ct state != new accept` has the same problem.
    """

    code = "FW305"
    name = "invalid-accepted"
    severity = Severity.WARNING
    needs_matches = frozenset({"state", "conntrack"})

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        if ctx.table is None or ctx.table.name != "filter":
            return
        if rule.target is None or rule.target.name != "ACCEPT":
            return
        patterns = state_patterns(rule)
        if not patterns or not any(state == "INVALID" for state, _ in patterns):
            return
        options = state_options(rule)
        shown = " ".join(f"{'! ' if o.negated else ''}{o.written} {o.value}" for o in options)
        named = any(not o.negated and "INVALID" in (o.value or "").upper().split(",") for o in options)
        how = "accepts INVALID packets" if named else \
            "also accepts INVALID packets, though it does not name them"
        yield self.diagnostic(
            options[0].span, f"{shown} -j ACCEPT {how}: packets that belong to no connection "
                             f"conntrack knows (scans, spoofed or out-of-window segments) get through; "
                             f"drop INVALID and accept ESTABLISHED,RELATED by name")
