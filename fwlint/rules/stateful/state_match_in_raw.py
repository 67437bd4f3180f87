from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule, Table
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import hooks_reaching, state_options, state_patterns


def _attaches_templates(ctx: Context, table: Table) -> bool:
    """True when a rule of the raw table gives packets a conntrack template (``-j CT`` other
    than ``--notrack``): after it, packets have a state in raw too."""
    def compute() -> bool:
        return any(r.target is not None and r.target.name == "CT" and
                   r.target.option("notrack") is None for r in table.rules())
    return ctx.memo(("raw-ct-templates", id(table)), compute)


class StateMatchInRaw(Rule):
    """## What it does
    Finds connection state matches (`--ctstate`, `--state`) in the raw table,
    where connection tracking has not seen the packet yet: a state other than
    INVALID and UNTRACKED there never matches (outside loopback traffic), and
    `--ctstate INVALID` matches every packet.

    ## Why is this bad
    The raw table runs before conntrack, precisely so that NOTRACK and CT can
    act before a connection is looked up. Checked on Linux 6.18: in raw
    OUTPUT every packet is INVALID; in raw PREROUTING every packet from the
    network is INVALID (UNTRACKED after `-j CT --notrack` or `-j NOTRACK`),
    and only packets looped back through `lo` already carry the state given
    on their way out. So `-t raw -A PREROUTING -m conntrack --ctstate INVALID
    -j DROP`, copied from a guide that meant the mangle table, drops every
    packet the host receives, and `--ctstate NEW` there does nothing. A rule
    that attaches a conntrack template (`-j CT --zone`, `--helper` ...) gives
    later raw rules a state, so fwlint says nothing in a raw table that has
    one.

    ## Example
    ```
    *raw
    -A PREROUTING -m conntrack --ctstate INVALID -j DROP
    COMMIT
    ```

    ## Use instead
    ```
    *mangle
    -A PREROUTING -m conntrack --ctstate INVALID -j DROP
    COMMIT
    ```

    ## In nftables
    A `ct state` match in a chain of priority `raw` (-300) or lower sees the
    same: conntrack runs at -200.
    """

    code = "FW307"
    name = "state-match-in-raw"
    severity = Severity.WARNING
    needs_matches = frozenset({"state", "conntrack"})

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        table, chain = ctx.table, ctx.chain
        if table is None or chain is None or table.name != "raw":
            return
        before_conntrack = state_patterns(rule, ("INVALID", "UNTRACKED"))
        if before_conntrack is None or _attaches_templates(ctx, table):
            return
        hooks = hooks_reaching(ctx, table, chain.name)
        if not hooks:
            return
        options = state_options(rule)
        shown = " ".join(f"{'! ' if o.negated else ''}{o.written} {o.value}" for o in options)
        if not before_conntrack:
            if "PREROUTING" in hooks:
                what = ("matches only packets looped back through lo: conntrack has not seen the "
                        "others yet, so their state is INVALID")
            else:
                what = "never matches: conntrack has not seen the packet yet, so its state is INVALID"
            yield self.diagnostic(
                options[0].span, f"{shown} in the raw table {what} (UNTRACKED after NOTRACK); match "
                                 f"the state in mangle or filter")
        elif any(state == "INVALID" for state, _ in before_conntrack):
            scope = {frozenset({"PREROUTING"}): "packet from the network",
                     frozenset({"OUTPUT"}): "locally generated packet"}.get(
                         hooks, "packet from the network or generated here")
            yield self.diagnostic(
                options[0].span, f"{shown} in the raw table matches every {scope} that no earlier "
                                 f"rule untracked: conntrack has not seen them yet, so they are "
                                 f"INVALID; match the state in mangle or filter")
