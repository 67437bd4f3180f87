from __future__ import annotations

from collections.abc import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.ast import Ruleset, Table
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import reachable_chains
from fwlint.rules.security._probe import Hit, Probe, RuleFacts, probe_chain, rule_facts

SENSITIVE_PORTS: tuple[tuple[str, int, str], ...] = (
    ("tcp", 1433, "Microsoft SQL Server"),
    ("tcp", 2375, "the Docker API without TLS"),
    ("tcp", 2379, "etcd"),
    ("tcp", 3306, "MySQL/MariaDB"),
    ("tcp", 5432, "PostgreSQL"),
    ("tcp", 5984, "CouchDB"),
    ("tcp", 6379, "Redis"),
    ("tcp", 9200, "Elasticsearch"),
    ("tcp", 11211, "memcached"),
    ("udp", 11211, "memcached"),
    ("tcp", 27017, "MongoDB"),
)
"""Services meant for a few trusted clients, often without authentication by default."""


_SENSITIVE_NUMBERS = frozenset(port for _, port, _ in SENSITIVE_PORTS)


def _candidates(table: Table, chain_name: str, family: int,
                cache: dict[int, RuleFacts]) -> set[tuple[str, int]]:
    """The sensitive (protocol, port) pairs that some ACCEPT or jump in ``chain_name``, or a
    chain it reaches, names itself and takes from every source: only those can give a finding,
    so only those are followed through the chain."""
    out: set[tuple[str, int]] = set()
    names = table.chain_names
    for name in reachable_chains(table, chain_name):
        chain = table.chain(name)
        if chain is None:
            continue
        for rule in chain.rules:
            if rule.target is None or not (rule.target.name == "ACCEPT" or rule.target.name in names):
                continue
            facts = rule_facts(rule, family, cache)
            if facts.named_ports.isdisjoint(_SENSITIVE_NUMBERS):
                continue
            for protocol, port, _ in SENSITIVE_PORTS:
                if port in facts.named_ports and \
                        facts.hit(Probe(protocol, port, family, any_destination=True)) is Hit.ALWAYS:
                    out.add((protocol, port))
    return out


class WideOpenPort(Rule):
    """## What it does
    Finds a rule in INPUT or FORWARD (or a user chain they reach) that
    accepts new connections to a database, cache or control port from every
    source: the rule (or the jump leading to it) names the port, and nothing
    narrows who may connect: no `-s`, no `-i`, no `iprange`, `set`, `mac` or
    `recent` match. A rate or connection limit does not narrow it, nor does
    `-d` or `-o`: they say where the connection goes, not who may open it.

    The ports: 1433 (Microsoft SQL Server), 2375 (Docker API without TLS),
    2379 (etcd), 3306 (MySQL/MariaDB), 5432 (PostgreSQL), 5984 (CouchDB),
    6379 (Redis), 9200 (Elasticsearch), 11211 (memcached, TCP and UDP),
    27017 (MongoDB). A port range that happens to hold one of them
    (`--dport 1024:65535`) is not reported.

    ## Why is this bad
    These services are meant for a few application servers, and several of
    them answer anyone by default (Redis, memcached, Elasticsearch and the
    Docker API have no authentication out of the box; memcached over UDP is
    a favourite DDoS amplifier). Scanners find an open 6379 or 27017 within
    hours, and exposed databases are among the most common causes of data
    breaches.

    ## Example
    ```
    -A INPUT -p tcp --dport 5432 -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -s 192.0.2.0/24 -p tcp --dport 5432 -j ACCEPT
    ```
    or `-i eth1` for the private interface, or an ipset of the clients.

    ## In nftables
    `tcp dport 5432 ip saddr 192.0.2.0/24 accept`, or a named set of clients.
    """

    code = "FW402"
    name = "wide-open-port"
    severity = Severity.WARNING

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        table = ruleset.table("filter")
        if table is None:
            return
        cache = ctx.memo(("probe-facts", id(table)), dict)
        reported: set[int] = set()
        for chain_name in ("INPUT", "FORWARD"):
            candidates = _candidates(table, chain_name, ruleset.family, cache)
            found: dict[int, tuple[AstRule, list[str]]] = {}
            for protocol, port, service in SENSITIVE_PORTS:
                if (protocol, port) not in candidates:
                    continue
                probe = Probe(protocol, port, ruleset.family, any_destination=True)
                walk = probe_chain(table, chain_name, probe, ctx.registry, cache)
                if walk is None or walk.outcome != "accepted" or walk.rule is None or not walk.names_port:
                    continue
                rule, services = found.setdefault(id(walk.rule), (walk.rule, []))
                label = f"{port}/{protocol} ({service})"
                if label not in services:
                    services.append(label)
            for rule, services in found.values():
                if id(rule) in reported:
                    continue  # a user chain both INPUT and FORWARD reach
                reported.add(id(rule))
                where = "" if rule.chain == chain_name else f" (in {rule.chain}, reached from {chain_name})"
                to = "this host" if chain_name == "INPUT" else "the hosts behind this one"
                ports = ", ".join(services)
                yield self.diagnostic(
                    rule.span,
                    f"this rule{where} accepts new connections to {ports} on {to} from every "
                    f"source: such services are meant for a few trusted clients; accept only "
                    f"those (-s ADDRESS, -i INTERFACE or an ipset)")
