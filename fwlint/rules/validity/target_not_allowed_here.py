from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import misplacements

REFUSED = "iptables-restore refuses the rule"


class TargetNotAllowedHere(Rule):
    """## What it does
    Finds a target used in a table or a chain where it does not work: DNAT
    outside nat PREROUTING/OUTPUT, SNAT outside nat INPUT/POSTROUTING,
    MASQUERADE outside nat POSTROUTING, REDIRECT outside nat
    PREROUTING/OUTPUT, REJECT outside filter INPUT/FORWARD/OUTPUT, DROP in nat,
    CT, NOTRACK and TRACE outside raw, TPROXY outside mangle PREROUTING,
    CLASSIFY on PREROUTING or INPUT, SYNPROXY outside INPUT/FORWARD,
    `TCPMSS --clamp-mss-to-pmtu` outside FORWARD/OUTPUT/POSTROUTING, and the
    mangle-only targets (TTL, HL, TOS, DSCP, ECN, CHECKSUM, TCPOPTSTRIP) in
    another table. A target in a user chain is checked against every built-in
    chain that reaches that chain through jumps and gotos, as the kernel does.

    ## Why is this bad
    The kernel refuses the rule when the table is committed, so
    `iptables-restore` fails and applies nothing of that table. Most of these
    checks happen only at commit: `iptables-restore --test` passes the file
    (DROP in nat is the exception: iptables itself refuses it). A user chain
    that no built-in chain reaches is checked for its table only; its chains
    are checked the moment a jump to it is added.

    Facts checked against Linux 6.18 with iptables-legacy-restore: REJECT
    is filter-only (mangle, raw and security refuse it); MARK, CONNMARK, LOG,
    NFLOG, NFQUEUE, TEE, AUDIT, HMARK and IDLETIMER work in every table and
    chain; SYNPROXY works in any table with an INPUT or FORWARD chain;
    CLASSIFY in any table from FORWARD, OUTPUT and POSTROUTING; NETMAP in
    every nat chain; DNPT in mangle PREROUTING/OUTPUT and SNPT in mangle
    INPUT/POSTROUTING.

    ## Example
    ```
    *filter
    -A FORWARD -p tcp --dport 80 -j DNAT --to-destination 192.0.2.10
    COMMIT
    *nat
    -A PREROUTING -p tcp --dport 25 -j REJECT
    COMMIT
    ```

    ## Use instead
    ```
    *nat
    -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 192.0.2.10
    COMMIT
    *filter
    -A INPUT -p tcp --dport 25 -j REJECT
    COMMIT
    ```

    ## In nftables
    A chain's type and hook play the part of the table: `dnat` needs a
    `type nat hook prerouting` (or output) chain, `snat` a nat postrouting
    (or input) chain and `masquerade` a nat postrouting chain, and `nft`
    refuses the ruleset otherwise. `reject` is freer than REJECT: nftables
    takes it in prerouting chains too.
    """

    code = "FW105"
    name = "target-not-allowed-here"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        target = rule.target
        if target is None or ctx.table is None:
            return
        ext = ctx.registry.target(target.name)
        if ext is None:
            return  # a chain, or an unknown target (FW101/FW106)
        shown = f"{'-g' if target.goto else '-j'} {target.name}"
        for problem in misplacements(ctx, ext, target.options, target.span, shown, rule):
            if problem.kind not in ("table", "chain"):
                continue  # what the rest of the rule lacks: FW110
            if problem.enforced:
                yield self.diagnostic(problem.span, f"{problem.message}; {REFUSED}")
            else:
                yield self.diagnostic(problem.span, problem.message, severity=Severity.WARNING)
