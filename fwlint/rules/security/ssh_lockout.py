from __future__ import annotations

from collections.abc import Iterable

from fwlint.ast import Ruleset, Span
from fwlint.data.services import SERVICES
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.security._probe import Probe, probe_chain

_SERVICE_NAMES: dict[int, str] = {}
for _name, _port in SERVICES.items():
    _SERVICE_NAMES.setdefault(_port, _name)


def port_name(port: int) -> str:
    service = _SERVICE_NAMES.get(port)
    return f"port {port} ({service})" if service else f"port {port}"


class SshLockout(Rule):
    """## What it does
    Finds an INPUT chain that drops or rejects new TCP connections to the
    management port (22, ssh, by default) from every source: no rule before
    the drop accepts them for any source, interface or rate, and either the
    policy is DROP or a rule drops them (`-p tcp --dport 22 -j DROP`, or a
    catch-all). A port written by its service name (`--dport ssh`), in a
    `multiport` list or in a range counts. Loopback-only accepts (`-i lo`)
    and ESTABLISHED-only accepts do not: they do not let a new session in.

    The ports come from `management-ports` in the configuration
    (`management-ports = [22, 2222]`); with several, the finding needs every
    one of them closed. An empty list turns the rule off.

    ## Why is this bad
    Loading the ruleset over SSH keeps the session you have (if ESTABLISHED
    is accepted) but refuses the next one: when the connection drops, or on
    the next reboot, the host is unreachable and needs a console to repair.
    If the host is managed another way (a desktop, a console, a VPN on
    another port), set `management-ports` accordingly.

    ## Example
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -i lo -j ACCEPT
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p tcp --dport 443 -j ACCEPT
    COMMIT
    ```

    ## Use instead
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -i lo -j ACCEPT
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j ACCEPT
    -A INPUT -p tcp --dport 443 -j ACCEPT
    COMMIT
    ```

    ## In nftables
    The same holds for `policy drop` in the input chain without
    `tcp dport 22 accept` (for some `ip saddr`) before it.
    """

    code = "FW404"
    name = "ssh-lockout"
    severity = Severity.WARNING

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        table = ruleset.table("filter")
        ports = tuple(ctx.settings.management_ports)
        if table is None or not ports:
            return
        cache = ctx.memo(("probe-facts", id(table)), dict)
        closed: list[tuple[int, Span, str]] = []
        for port in ports:
            walk = probe_chain(table, "INPUT", Probe("tcp", port, ruleset.family), ctx.registry, cache)
            if walk is None or walk.partial_accepts:
                return
            chain = table.chain("INPUT")
            assert chain is not None
            if walk.outcome == "dropped" and walk.rule is not None and walk.rule.target is not None:
                where = "" if walk.rule.chain == "INPUT" else f" in {walk.rule.chain}"
                why = f"the -j {walk.rule.target.name} at line {walk.rule.span.line}{where} takes them"
                closed.append((port, walk.rule.span, why))
            elif walk.outcome == "policy" and chain.policy == "DROP":
                span = chain.span or (chain.rules[0].span if chain.rules else table.span)
                closed.append((port, span, "the DROP policy takes them"))
            else:
                return
        first_port, span, why = closed[0]
        what = " and ".join(port_name(p) for p, _, _ in closed)
        kind = "IPv6 connections" if ruleset.family == 6 and not ruleset.dual_family else "connections"
        yield self.diagnostic(
            span,
            f"INPUT refuses new {kind} to {what} from every source: {why}, and no rule before "
            f"accepts them for any source; loading this ruleset over SSH locks you out when the "
            f"session ends; accept the port first, at least from the networks you manage the host "
            f"from (-A INPUT -s NETWORK -p tcp --dport {first_port} -j ACCEPT)",
            related=tuple(s for _, s, _ in closed[1:] if s != span))
