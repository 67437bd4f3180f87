from __future__ import annotations

from collections.abc import Iterable

from fwlint.ast import Ruleset, Table
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.security._default_verdict import default_verdict
from fwlint.rules.security.accept_all_rule import opens_filtered_chain


def forwards(ruleset: Ruleset, table: Table) -> str | None:
    """Why the ruleset shows that the host routes packets (None: it does not show it)."""
    forward = table.chain("FORWARD")
    if forward is not None and forward.rules:
        return "FORWARD has rules of its own"
    nat = ruleset.table("nat")
    if nat is not None:
        for name in ("PREROUTING", "POSTROUTING"):
            chain = nat.chain(name)
            if chain is not None and chain.rules:
                return f"the nat table has {name} rules"
    return None


def _drop_policy(ruleset: Ruleset, chain: str) -> str:
    """A DROP policy as the source writes it: a save file's declaration or a script's -P."""
    return f"-P {chain} DROP" if ruleset.script is not None else f":{chain} DROP [0:0]"


class DefaultAcceptPolicy(Rule):
    """## What it does
    Finds an INPUT or FORWARD chain of the filter table whose policy is ACCEPT
    and that no catch-all ends: no rule without conditions that DROPs or
    REJECTs, neither in the chain nor in a user chain it jumps to with no
    conditions (`-A INPUT -j logdrop`, where `logdrop` ends in `-j DROP`).
    Every packet that no rule drops is then let in.

    FORWARD is reported when the ruleset shows that the host routes: FORWARD
    has rules, or the nat table has PREROUTING or POSTROUTING rules. On a host
    that does not route, the kernel forwards nothing (`ip_forward` is 0) and
    an empty FORWARD chain lets nothing through whatever its policy.

    A built-in chain that the file never declares (no `:INPUT ACCEPT [0:0]`
    line) keeps the policy it had before the file was loaded, so fwlint does
    not guess it: ufw's before.rules, for one, leaves the policies to ufw.

    ## Why is this bad
    A list of drops is a blacklist: every service that listens on the host,
    including the ones added later (a database bound to 0.0.0.0, a debugging
    server, a container's published port), is reachable unless someone
    remembered to drop it. A firewall that accepts what it names and drops
    the rest fails closed instead.

    ## Example
    ```
    *filter
    :INPUT ACCEPT [0:0]
    -A INPUT -p tcp --dport 23 -j DROP
    COMMIT
    ```

    ## Use instead
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -i lo -j ACCEPT
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p tcp --dport 22 -j ACCEPT
    COMMIT
    ```
    or keep the ACCEPT policy and end the chain with `-A INPUT -j DROP` (or
    `-j REJECT`), which also keeps you from being locked out by `iptables -F`.

    ## In nftables
    `type filter hook input priority filter; policy drop;` in the base chain,
    or a final `drop` rule.
    """

    code = "FW401"
    name = "default-accept-policy"
    severity = Severity.WARNING

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        table = ruleset.table("filter")
        if table is None:
            return
        for name in ("INPUT", "FORWARD"):
            verdict = default_verdict(table, name, ctx.registry, ctx)
            if verdict is None or not verdict.accepts or not verdict.chain.declared \
                    or verdict.chain.policy != "ACCEPT" or verdict.chain.span is None:
                continue
            if opens_filtered_chain(table, verdict):
                continue  # FW406 reports the unconditional ACCEPT that opens the chain
            if name == "INPUT":
                what = "every packet for this host that no rule drops is accepted"
                instead = f"{_drop_policy(ruleset, name)} and accept what the host serves"
            else:
                routes = forwards(ruleset, table)
                if routes is None:
                    continue
                what = f"this host routes ({routes}) and forwards every packet no rule drops"
                instead = f"{_drop_policy(ruleset, name)} and accept the traffic you mean to route"
            ending = "no catch-all DROP or REJECT ends the chain" if verdict.rule is None else \
                f"the -j ACCEPT with no conditions at line {verdict.rule.span.line} ends it"
            yield self.diagnostic(
                verdict.chain.span,
                f"{name} has policy ACCEPT and {ending}: {what}; set {instead}, "
                f"or end the chain with -A {name} -j DROP")
