from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.ast import Ruleset, Table
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import reachable_chains
from fwlint.rules.security._default_verdict import default_verdict

_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def _loopback_net(text: str) -> bool:
    try:
        nets = [ipaddress.ip_network(v, strict=False) for v in text.split(",")]
    except ValueError:
        return False
    return all(any(n.version == lo.version and n.subnet_of(lo) for lo in _LOOPBACK) for n in nets)


def _unresolved(text: str) -> bool:
    """A shell variable or command substitution the script front end could not expand."""
    return "$" in text or "`" in text


def lets_loopback_in(rule: AstRule, chain_names: frozenset[str]) -> bool:
    """True when the rule accepts (or hands to a user chain) traffic that stays on this host:
    `-i lo`, a loopback source or destination address, `-m addrtype --src-type LOCAL`."""
    target = rule.target
    if target is None or not (target.name == "ACCEPT" or target.name in chain_names):
        return False
    for match in rule.matches:
        for opt in match.options:
            if opt.negated or opt.value is None:
                continue
            if match.name == "builtin" and opt.name == "in-interface" and \
                    (opt.value in ("lo", "lo+") or _unresolved(opt.value)):
                return True  # a script's $LO_IF may well be lo
            if match.name == "builtin" and opt.name in ("source", "destination") \
                    and (_loopback_net(opt.value) or _unresolved(opt.value)):
                return True
            if match.name == "addrtype" and opt.name == "src-type" and opt.value.upper() == "LOCAL":
                return True
    return False


def _loopback_accepted(table: Table) -> bool:
    names = table.chain_names
    for name in reachable_chains(table, "INPUT"):
        chain = table.chain(name)
        if chain is not None and any(lets_loopback_in(r, names) for r in chain.rules):
            return True
    return False


class MissingLoopbackAccept(Rule):
    """## What it does
    Finds an INPUT chain that drops by default (its policy is DROP, or a
    catch-all DROP/REJECT ends it) where no rule accepts loopback traffic:
    no `-i lo` ACCEPT, in INPUT or in a user chain it jumps to. A rule that
    accepts loopback addresses (`-s 127.0.0.0/8`, `-s ::1`) or
    `-m addrtype --src-type LOCAL` counts too.

    ## Why is this bad
    Programs on the host talk to each other over the loopback interface: a
    local DNS resolver (systemd-resolved on 127.0.0.53, unbound, dnsmasq), a
    database or cache bound to 127.0.0.1, a reverse proxy in front of an
    application server, D-Bus or X11 over TCP. Those packets go through INPUT
    like any other, so the default drop cuts them off, and the failures
    (timeouts, "connection refused" only sometimes) rarely point at the
    firewall. Connections to the host's own public address travel over `lo`
    as well.

    ## Example
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p tcp --dport 22 -j ACCEPT
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

    ## In nftables
    `iif "lo" accept` near the top of the input chain.
    """

    code = "FW403"
    name = "missing-loopback-accept"
    severity = Severity.WARNING

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        table = ruleset.table("filter")
        if table is None:
            return
        verdict = default_verdict(table, "INPUT", ctx.registry, ctx)
        if verdict is None or not verdict.drops:
            return
        if _loopback_accepted(table):
            return
        loopback = "127.0.0.1 and ::1" if ruleset.dual_family else \
            "127.0.0.1" if ruleset.family == 4 else "::1"
        yield self.diagnostic(
            verdict.report_span(table),
            f"INPUT drops by default ({verdict.describe()}) and no rule accepts loopback "
            f"traffic: programs on this host that talk to each other over {loopback} (DNS "
            f"resolvers, databases, proxies) are cut off; add -A INPUT -i lo -j ACCEPT first")
