from __future__ import annotations

from typing import Iterable

from fwlint.ast import Option, Rule as AstRule
from fwlint.extensions.values import TCP_FLAG_LIST
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import and_list, hooks_reaching, state_options

_FLAG_ORDER = ("FIN", "SYN", "RST", "PSH", "ACK", "URG")
_ALL_FLAGS = frozenset(_FLAG_ORDER)
"""iptables' ALL (libxt_tcp): ECE and CWR are no flag names iptables 1.8.9 knows."""
_INBOUND = frozenset({"INPUT", "FORWARD"})


def _flags(text: str) -> frozenset[str] | None:
    """The flags a --tcp-flags list names; None when iptables refuses the list (FW108's)."""
    try:
        names = TCP_FLAG_LIST.parse(text)
    except ValueError:
        return None
    assert isinstance(names, frozenset)
    return _ALL_FLAGS if "ALL" in names else names - {"NONE"}


def _stateless_accept(opt: Option) -> str | None:
    """What the option lets through when it stands in for connection tracking, or None."""
    if opt.name == "syn" and opt.negated:
        return "every TCP packet that is not a connection request (ACK, FIN, RST ...)"
    if opt.name == "tcp-flags" and not opt.negated and len(opt.values) == 2:
        mask, comp = _flags(opt.values[0]), _flags(opt.values[1])
        if mask is None or comp is None:
            return None  # iptables refuses the rule: it lets nothing through
        if "ACK" in mask and "ACK" in comp and "SYN" not in comp:
            set_ = and_list([f for f in _FLAG_ORDER if f in comp & mask])
            if mask == _ALL_FLAGS:
                return f"every TCP packet with only {set_} set"
            clear = and_list([f for f in _FLAG_ORDER if f in mask - comp])
            return f"every TCP packet with {set_} set" + (f" and {clear} clear" if clear else "")
    return None


class AckFlagAccept(Rule):
    """## What it does
    Finds rules of the filter table that accept incoming or forwarded TCP
    packets (INPUT, FORWARD and the user chains they reach) for having the
    ACK flag set (`--tcp-flags ACK ACK -j ACCEPT`, `--tcp-flags SYN,ACK ACK`,
    `--tcp-flags ALL ACK`, `--tcp-flags FIN,ACK FIN,ACK`) or for not being a
    SYN (`! --syn -j ACCEPT`), with no connection state match in the rule:
    the stateless way of letting "established" traffic in. OUTPUT is left
    alone: the host makes its own packets.

    ## Why is this bad
    The flags say nothing about whether the packet belongs to a connection:
    anyone can send a packet with ACK set. An ACK scan (`nmap -sA`) maps the
    ports behind the rule, spoofed mid-stream packets (RST, FIN, data) reach
    the host's TCP stack, and some stacks answer in ways that reveal more.
    Connection tracking knows which connections exist: `--ctstate
    ESTABLISHED` accepts only packets of one of them.

    ## Example
    ```
    -A INPUT -p tcp --tcp-flags ACK ACK -j ACCEPT
    -A INPUT -p tcp ! --syn -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    ```

    ## In nftables
    `tcp flags & ack == ack accept` has the same problem; use
    `ct state established,related accept`.
    """

    code = "FW304"
    name = "ack-flag-accept"
    severity = Severity.WARNING
    needs_matches = frozenset({"tcp"})

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        if ctx.table is None or ctx.table.name != "filter" or ctx.chain is None:
            return
        if rule.target is None or rule.target.name != "ACCEPT" or state_options(rule):
            return
        if not hooks_reaching(ctx, ctx.table, ctx.chain.name) & _INBOUND:
            return
        for match in rule.matches:
            if match.name != "tcp":
                continue
            for opt in match.options:
                what = _stateless_accept(opt)
                if what is None:
                    continue
                shown = " ".join(("!" if opt.negated else "", opt.written, *opt.values)).strip()
                yield self.diagnostic(
                    opt.span, f"{shown} -j ACCEPT accepts {what}, whether or not it belongs to a "
                              f"connection: ACK scans and spoofed mid-stream packets get through; "
                              f"accept -m conntrack --ctstate ESTABLISHED instead")
