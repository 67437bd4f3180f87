from __future__ import annotations

import functools
from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.validity._options import match_name_span, placeholder, protocol_number, shown


class MatchNeedsProtocol(Rule):
    """## What it does
    Finds a match loaded with `-m` that works on one protocol's header
    without the `-p` it needs in the rule: `-m tcp`, `-m udp`, `-m sctp`,
    `-m dccp`, `-m icmp`, `-m esp`, `-m tcpmss`, `-m osf`, `-m ipcomp`
    without their protocol, `-m multiport` without `-p tcp`, `udp`,
    `udplite`, `sctp` or `dccp`, and the same with `! -p tcp` or another
    protocol (`-p udp -m tcp`).

    ## Why is this bad
    The kernel loads such a match only for its protocol and refuses the
    rule when the table is committed ("tcp match: only valid for protocol
    6"), so `iptables-restore` fails and applies nothing of that table;
    `iptables-restore --test` does not notice. multiport is refused by
    iptables itself ("multiport needs `-p tcp', `-p udp' ..."). A negated
    `! -p tcp` does not count. For the kernel's check `-p` may stand
    anywhere in the rule; multiport reads it when it reads its ports, so
    there `-p` must come before `--dports` (FW108 reports a `-p` after).

    (`--dport`/`--sport` with no protocol at all, where iptables does not
    even know the option, are FW104.)

    ## Example
    ```
    -A INPUT -m tcp --dport 22 -j ACCEPT
    -A INPUT -m multiport --dports 80,443 -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
    -A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT
    ```

    ## In nftables
    `tcp dport 22` names the protocol in the expression, and nft adds the
    protocol check itself; `th dport` matches any transport header.
    """

    code = "FW114"
    name = "match-needs-protocol"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        family = ctx.ruleset.family
        popt = rule.option("protocol")
        if popt is not None and placeholder(popt):
            return
        for m in rule.matches:
            if m.implicit or not m.known:
                continue
            ext = ctx.registry.match(m.name)
            if ext is None or ext.protocols is None or (ext.family is not None and ext.family != family):
                continue
            numbers = _numbers(ext.protocols)
            if popt is not None and popt.values and not popt.negated and \
                    protocol_number(popt.values[0]) in numbers:
                continue  # the usual case, decided without words
            needed = _names(ext.protocols)
            if popt is None or not popt.values:
                message = f"-m {m.name} needs {needed} in the rule"
            elif popt.negated:
                message = f"-m {m.name} needs {needed}; {shown(popt)} does not count"
            elif protocol_number(popt.values[0]) not in numbers:
                message = f"-m {m.name} needs {needed}, not -p {popt.values[0]}"
            else:
                continue
            yield self.diagnostic(match_name_span(ctx.ruleset, m), f"{message}: the rule is refused")


@functools.lru_cache(maxsize=256)
def _numbers(protocols: frozenset[str]) -> frozenset[int]:
    return frozenset({protocol_number(p) for p in protocols} - {None})


@functools.lru_cache(maxsize=256)
def _names(protocols: frozenset[str]) -> str:
    """`-p tcp`, or `-p tcp, udp or sctp`: one name per protocol number, the shortest."""
    by_number: dict[int, str] = {}
    for name in sorted(protocols, key=lambda n: (len(n), n)):
        number = protocol_number(name)
        if number is not None and not name.isdigit():
            by_number.setdefault(number, name)
    names = [by_number[n] for n in sorted(by_number)]
    if len(names) == 1:
        return f"-p {names[0]}"
    return f"-p {', '.join(names[:-1])} or {names[-1]}"
