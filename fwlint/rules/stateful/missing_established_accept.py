from __future__ import annotations

from typing import Iterable

from fwlint.ast import Chain, Rule as AstRule, Ruleset, Table
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import is_unconditional, reachable_chains, state_options

_WHO = {
    "INPUT": "replies to connections this host opens (DNS answers, package downloads)",
    "OUTPUT": "replies to connections others open to this host",
    "FORWARD": "replies to forwarded connections",
}


def _accepts_established(rule: AstRule, names: frozenset[str]) -> bool:
    t = rule.target
    if t is None or not (t.name == "ACCEPT" or t.name in names):
        return False
    for name in ("ctstate", "state"):
        opt = rule.option(name)
        if opt is not None and not opt.negated and opt.values and \
                "ESTABLISHED" in opt.values[0].upper().split(","):
            return True
    return False


_PORT_MATCHES = frozenset({"tcp", "udp", "sctp", "dccp", "udplite", "multiport"})
_SOURCE_PORTS = frozenset({"source-port", "source-ports"})
_OTHER_PORTS = frozenset({"destination-port", "destination-ports", "ports"})


def _accepts_replies_by_port(rule: AstRule) -> bool:
    """True for `-p tcp --sport 22 -j ACCEPT`: an ACCEPT of the packets a service sends from its
    own port (a source port, no destination port, no state match), the stateless way a server
    lets its answers out."""
    t = rule.target
    if t is None or t.name != "ACCEPT" or state_options(rule):
        return False
    source = False
    for match in rule.matches:
        if match.name not in _PORT_MATCHES:
            continue
        for opt in match.options:
            if opt.name in _OTHER_PORTS:
                return False
            if opt.name in _SOURCE_PORTS:
                if opt.negated:
                    return False
                source = True
    return source


def _drops_by_default(chain: Chain) -> bool:
    if chain.policy == "DROP":
        return True
    return any(is_unconditional(r) and r.target is not None and r.target.name in ("DROP", "REJECT")
               for r in chain.rules)


class MissingEstablishedAccept(Rule):
    """## What it does
    Finds a filter chain (INPUT, OUTPUT, FORWARD) that drops by default (its
    policy, or a final catch-all DROP/REJECT), accepts some new traffic, but
    never accepts packets of ESTABLISHED (and RELATED) connections, neither
    itself nor in a user chain it jumps to.

    On OUTPUT, a rule that accepts by source port alone (`-p tcp --sport 22
    -j ACCEPT`) is how a stateless server lets its answers out: such an
    OUTPUT chain is not reported (its replies have rules of their own). On
    INPUT a source-port accept does not count: it lets in anyone who sends
    from that port, and the ESTABLISHED accept is the cure.

    ## Why is this bad
    A stateful firewall lets replies through because the connection is known.
    Without that rule the replies must match an accept rule of their own: on
    INPUT, replies to the host's own connections (DNS answers, updates) are
    dropped; on OUTPUT, the answers of the services INPUT lets in are.

    ## Example
    ```
    :INPUT DROP [0:0]
    -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## Use instead
    ```
    :INPUT DROP [0:0]
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## In nftables
    `ct state established,related accept`, usually the first rule of the chain.
    """

    code = "FW301"
    name = "missing-established-accept"
    severity = Severity.WARNING

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for table in ruleset.tables:
            if table.name != "filter":
                continue
            names = table.chain_names
            for chain in table.chains:
                if chain.name not in _WHO or not _drops_by_default(chain):
                    continue
                yield from self._check_chain(table, chain, names)

    def _check_chain(self, table: Table, chain: Chain, names: frozenset[str]) -> Iterable[Diagnostic]:
        accepts_new = False
        for name in reachable_chains(table, chain.name):
            c = table.chain(name)
            if c is None:
                continue
            for rule in c.rules:
                if _accepts_established(rule, names):
                    return
                if chain.name == "OUTPUT" and _accepts_replies_by_port(rule):
                    return  # the services' answers go out by rules of their own, by design
                if rule.target is not None and rule.target.name == "ACCEPT":
                    accepts_new = True
        if not accepts_new:
            return
        span = chain.span or (chain.rules[0].span if chain.rules else None)
        if span is None:
            return
        why = "its policy is DROP" if chain.policy == "DROP" else "it ends in a catch-all drop"
        yield self.diagnostic(
            span, f"{chain.name} drops by default ({why}) and accepts new traffic, but never "
                  f"accepts ESTABLISHED,RELATED: {_WHO[chain.name]} are dropped unless a rule "
                  f"of their own accepts them; add "
                  f"-A {chain.name} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT first")
