"""EX101 undocumented-open-port: a port opened to every source must say why."""

from __future__ import annotations

from typing import Iterable

from fwlint.ast import Option, Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import chain_callers

# The options that name destination ports, by the match that owns them.
_PORT_OPTIONS = {
    "tcp": ("destination-port",),
    "udp": ("destination-port",),
    "sctp": ("destination-port",),
    "dccp": ("destination-port",),
    "multiport": ("destination-ports", "ports"),
}
_INCOMING_CHAINS = frozenset({"INPUT", "FORWARD"})
_STATE_OPTIONS = {"conntrack": "ctstate", "state": "state"}


class UndocumentedOpenPort(Rule):
    """## What it does
    Finds an ACCEPT in the filter table's INPUT or FORWARD chain (or a user chain
    they jump to) that opens a destination port to every source address and has no
    `-m comment --comment` saying why.

    A rule counts as open to every source unless a positive match narrows where the
    packet comes from: `-s` with a prefix shorter than the whole address space,
    `-i lo`, `-m iprange --src-range`, `-m set --match-set NAME src`,
    `-m mac --mac-source` or `-m geoip --src-cc`. A rule that accepts only packets of
    known connections (`--ctstate ESTABLISHED,RELATED`, no `NEW`) opens nothing.

    ## Why is this bad
    Every port open to the Internet is attack surface. A year later nobody remembers
    whether `--dport 8443` is still needed, who asked for it, or whether it may be
    closed; a comment in the rule travels with it into `iptables -L`, the saved
    ruleset and the audit. Rules limited to known sources are less urgent and are
    left alone.

    ## Example
    ```
    -A INPUT -p tcp -m tcp --dport 8443 -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -p tcp -m tcp --dport 8443 -m comment --comment "billing API, ticket OPS-112" -j ACCEPT
    ```

    ## In nftables
    A rule carries its own comment: `tcp dport 8443 accept comment "billing API, ticket OPS-112"`.
    """

    code = "EX101"
    name = "undocumented-open-port"
    severity = Severity.WARNING

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        if rule.target is None or rule.target.name != "ACCEPT" or rule.target.goto:
            return
        table = ctx.table
        if table is None or table.name != "filter":
            return
        if rule.chain not in _INCOMING_CHAINS and \
                not chain_callers(ctx, table).get(rule.chain, frozenset()) & _INCOMING_CHAINS:
            return
        port = _first_destination_port(rule)
        if port is None or _accepts_known_connections_only(rule) or _narrows_the_source(rule):
            return
        comment = rule.comment
        if comment is not None and comment.strip():
            return
        match_name, option = port
        protocol = rule.protocol if match_name == "multiport" else match_name
        value = option.value or ""
        if option.negated:
            what = f"{protocol} ports other than {value} are"
        elif "," in value or ":" in value:
            what = f"{protocol} ports {value} are"
        else:
            what = f"{protocol} port {value} is"
        why = "its comment is empty" if comment is not None else "the rule does not say why"
        yield self.diagnostic(option.span, f"{what} open to every source and {why}: "
                                           f"add -m comment --comment \"<who needs it and why>\"")


def _first_destination_port(rule: AstRule) -> tuple[str, Option] | None:
    for m in rule.matches:
        names = _PORT_OPTIONS.get(m.name)
        if names is None:
            continue
        for opt in m.options:
            if opt.name in names:
                return m.name, opt
    return None


def _accepts_known_connections_only(rule: AstRule) -> bool:
    for m in rule.matches:
        option_name = _STATE_OPTIONS.get(m.name)
        opt = m.option(option_name) if option_name else None
        if opt is None or opt.negated or not opt.value:
            continue
        states = {s.strip().upper() for s in opt.value.split(",")}
        if "NEW" not in states and "UNTRACKED" not in states:
            return True
    return False


def _narrows_the_source(rule: AstRule) -> bool:
    for m in rule.matches:
        for opt in m.options:
            if opt.negated or not opt.values:
                continue
            if m.name == "builtin":
                if opt.name == "source" and not _is_everywhere(opt.values[0]):
                    return True
                if opt.name == "in-interface" and opt.values[0] == "lo":
                    return True
            elif (m.name, opt.name) in (("iprange", "src-range"), ("mac", "mac-source"),
                                        ("geoip", "source-country")):
                return True
            elif m.name == "set" and opt.name == "match-set" and len(opt.values) == 2 \
                    and opt.values[1].split(",")[0] == "src":
                return True
    return False


def _is_everywhere(addresses: str) -> bool:
    """Whether a -s value (one address or a comma-separated list) covers every address:
    a zero-length prefix does, whatever the address before it (0.0.0.0/0, 0/0, ::/0)."""
    for text in addresses.split(","):
        _, slash, prefix = text.partition("/")
        if slash and prefix in ("0", "0.0.0.0", "::"):
            return True
    return False
