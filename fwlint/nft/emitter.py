"""From the AST (one Ruleset per family) to one nft table.

Each iptables table's built-in chains become base chains at iptables' priorities, user chains
regular chains (names: :mod:`fwlint.nft.names`).  Each rule is translated by the ``nft=``
callables of its extensions (:mod:`fwlint.nft.context` is what they are given); a rule that
cannot be translated is a finding (FW601), and with ``allow_partial`` a comment carrying the
rule's text in the output.  Work done once per ruleset (chain names, whether conntrack is in
use) is done once, before the rules.
"""

from __future__ import annotations

import itertools
import socket
from dataclasses import dataclass, field
from typing import Callable

from fwlint.ast import BUILTIN_CHAINS, Chain, Ruleset, Span, SyntaxProblem, Table
from fwlint.ast import Rule as AstRule
from fwlint.extensions import NoNft, Registry, default_registry
from fwlint.lint.diagnostic import Diagnostic, Severity
from fwlint.nft.context import AnyOf, NeverMatches, Note, RuleContext, Untranslatable
from fwlint.nft.expr import ACTION, MATCHING, TERMINAL, VERDICT, NftRule, Relation, Statement, can_quote
from fwlint.nft.names import HOOKS, ChainNames

TABLE_ORDER = ("raw", "mangle", "nat", "filter", "security")

UNTRANSLATABLE = ("FW601", "untranslatable")
APPROXIMATE = ("FW602", "approximate-translation")

COMMENT_LIMIT = 128
"""nft keeps at most 128 bytes of a rule's comment (iptables: 255)."""

CONNTRACK_MATCHES = frozenset({"state", "conntrack", "connmark", "connlimit", "connbytes", "connlabel",
                               "helper", "ipvs"})
CONNTRACK_TARGETS = frozenset({"CONNMARK", "CONNSECMARK", "CT", "NOTRACK", "DNAT", "SNAT",
                               "MASQUERADE", "REDIRECT", "NETMAP", "SYNPROXY"})


@dataclass(frozen=True)
class BaseChainSpec:
    """The nft base chain of an iptables built-in chain."""

    type: str
    hook: str
    priority: int
    priority_name: str | None  # the name nft accepts for it at that hook, if any


def base_chain_spec(table: str, chain: str) -> BaseChainSpec:
    """iptables' priorities: raw -300, mangle -150, dstnat -100, filter 0, security 50, srcnat
    100; nat INPUT at 100 and nat OUTPUT at -100 (nft names those only at their usual hooks);
    mangle OUTPUT is a route chain (iptables re-routes a packet whose mark or addresses it
    changed there)."""
    hook = HOOKS[chain]
    if table == "raw":
        return BaseChainSpec("filter", hook, -300, "raw")
    if table == "mangle":
        return BaseChainSpec("route" if chain == "OUTPUT" else "filter", hook, -150, "mangle")
    if table == "nat":
        if chain == "PREROUTING":
            return BaseChainSpec("nat", hook, -100, "dstnat")
        if chain == "OUTPUT":
            return BaseChainSpec("nat", hook, -100, None)
        if chain == "POSTROUTING":
            return BaseChainSpec("nat", hook, 100, "srcnat")
        return BaseChainSpec("nat", hook, 100, None)
    if table == "security":
        return BaseChainSpec("filter", hook, 50, "security")
    return BaseChainSpec("filter", hook, 0, "filter")


@dataclass
class NftChain:
    name: str
    table: str  # the iptables table
    chain: str  # the iptables chain
    base: BaseChainSpec | None = None
    policy: str | None = None  # accept / drop for a base chain
    rules: list[NftRule] = field(default_factory=list)
    family: int | None = None  # in an inet table: the family whose rules it holds (None: both)
    note: str | None = None  # a comment line above the chain (its iptables name when renamed)


@dataclass
class NftSet:
    """A named set: ``type`` in nft's words (``ipv4_addr . inet_service``), its elements in both
    forms, flags (interval, timeout, dynamic), a default timeout and a size."""

    name: str
    type: str
    flags: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()  # text
    elements_json: tuple = ()
    timeout: int | None = None
    size: int | None = None
    note: str | None = None


@dataclass
class NftHelper:
    name: str
    helper: str
    protocol: str
    l3proto: str | None = None


@dataclass
class NftTable:
    family: str  # ip, ip6, inet
    name: str
    chains: list[NftChain] = field(default_factory=list)
    sets: list[NftSet] = field(default_factory=list)
    helpers: list[NftHelper] = field(default_factory=list)
    limits: list[tuple[str, str, dict]] = field(default_factory=list)  # name, text, JSON
    sources: tuple[str, ...] = ()
    rendered_as: str | None = None  # nft or json: rules rendered in that form (fwlint.nft.halves)


@dataclass
class Options:
    """What `fwlint translate` was asked for."""

    table: str = "fwlint"
    output_format: str = "nft"  # nft or json
    counters: bool = False
    optimize: bool = False
    allow_partial: bool = False
    resolve: bool = False
    ipsets: dict | None = None  # name -> fwlint.nft.ipset.IpSet, from --ipset
    validity: bool = True  # leave out (FW601) the rules the validity rules say iptables refuses
    parallel: bool = False  # a big ruleset translated by two processes (fwlint.nft.halves)


@dataclass
class Translation:
    """The nft tables (one per family, or one inet table), what could not be translated, and
    what only approximately."""

    tables: list[NftTable]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rules: int = 0  # iptables rules read
    untranslated: int = 0  # of them, not translated (FW601)

    @property
    def complete(self) -> bool:
        return self.untranslated == 0


def _diagnostic(kind: tuple[str, str], severity: Severity, span: Span, message: str) -> Diagnostic:
    return Diagnostic(kind[0], kind[1], message, severity, span)


class Translator:
    """Translates rulesets into one nft table; keeps what is shared between rules."""

    def __init__(self, options: Options | None = None, registry: Registry | None = None,
                 table_family: str = "ip", on_rule: Callable[[int], None] | None = None) -> None:
        self.options = options or Options()
        self.registry = registry or default_registry()
        self.table_family = table_family
        self.output_format = self.options.output_format
        self.diagnostics: list[Diagnostic] = []
        self.sets: dict[str, NftSet] = {}
        self.helpers: dict[tuple[str, str], NftHelper] = {}
        self._conntrack: dict[int, bool] = {}
        self._resolved: dict[tuple[str, int], list] = {}
        self._user_chains: dict[str, frozenset[str]] = {}
        self._table_objects: dict[str, Table] = {}
        self._lint_context = None
        self._loops: dict[int, str] = {}
        self._dynamic: dict[tuple[str, str], str] = {}
        self.ipsets_used: dict[str, object] = {}
        self.limits: dict[tuple[str, str], tuple[str, str, dict]] = {}
        self.meters: set[str] = set()
        self.rules_read = 0
        self.untranslated = 0
        self.on_rule = on_rule
        self.in_child = False  # translating a part of the rules in a child (fwlint.nft.halves)
        self.table_wide = 0  # how many times a rule declared or looked up a table-wide object
        self.rendered_as: str | None = None  # the output form of rules a child rendered
        self._refusal = None
        self._late_refusal = None
        self._refused_lines: frozenset[tuple[str, int]] = frozenset()
        if self.options.validity:
            from fwlint.nft.refusal import TranslationRefusal

            self._refusal = TranslationRefusal(self.registry)
        self.failures: list[tuple[AstRule | None, Untranslatable]] = []
        self.notes: list[tuple[AstRule, Note]] = []

    # --- shared facts ------------------------------------------------------------------------

    def conntrack_in_use(self, family: int) -> bool:
        return self._conntrack.get(family, False)

    def begin(self, ruleset: Ruleset, ahead: bool = True) -> None:
        """What is known once per ruleset before its rules: whether conntrack is in use (then
        every packet is reassembled before the rules see it), the user chains, the call graph.
        ``ahead``: a big ruleset's validity pass may run ahead in a second process."""
        from fwlint.lint.rule import Context

        used = False
        for table in _tables(ruleset):
            if table.name == "nat":
                used = True
                break
            for rule in table.rules():
                if any(m.name in CONNTRACK_MATCHES for m in rule.matches) or (
                        rule.target is not None and rule.target.name in CONNTRACK_TARGETS):
                    used = True
                    break
            if used:
                break
        self._conntrack[ruleset.family] = used
        # a save file's lines iptables-restore refuses (-I past the chain's end, -t or -w on a rule
        # line) are in their chains for the lint rules; leftovers() reports each
        self._refused_lines = frozenset((p.span.file, p.span.line) for p in ruleset.problems
                                        if not p.warning) if ruleset.script is None else frozenset()
        self._lint_context = Context(ruleset, self.registry)
        self._user_chains = {}
        self._table_objects = {}
        self._loops = {}
        if self.options.validity:
            from fwlint.lint.facts import chain_loops

            for table in _tables(ruleset):
                for loop in chain_loops(table):
                    if loop.reached_from:
                        self._loops[id(loop.rule)] = (
                            f"it closes a loop of chains, {' -> '.join(loop.chains)}, reached from "
                            f"{loop.reached_from}: the kernel refuses the table (iptables-restore and "
                            "nft -f fail)")
        for table in _tables(ruleset):
            self._user_chains[table.name] = frozenset(c.name for c in table.chains if not c.builtin)
            self._table_objects[table.name] = table
        if self._refusal is not None and ahead:
            # a big ruleset's validity pass runs ahead in a second process (fwlint.nft.ahead)
            from fwlint.nft.ahead import refusals_ahead

            self._refusal = refusals_ahead(self._refusal, ruleset, (
                (rule, table, chain) for table in _tables(ruleset) for chain in _chains(table)
                for rule in chain.rules))

    def leftovers(self, ruleset: Ruleset) -> None:
        """Findings for what is in the source but in no chain: rules of undeclared chains, lines
        that do not parse."""
        for table in _tables(ruleset):
            for rule in table.undeclared_rules:
                self.rules_read += 1
                self._fail(rule, Untranslatable(
                    f"chain {rule.chain} is never declared in *{table.name} (iptables-restore refuses "
                    "the file)", rule.chain_span or rule.span, refused=True))
        for problem in ruleset.problems:
            if problem.warning:  # iptables-restore takes the line, as the translation does
                self.diagnostics.append(_diagnostic(APPROXIMATE, Severity.WARNING, problem.span,
                                                    problem_message(ruleset, problem)))
                continue
            self.rules_read += 1
            self._fail(None, Untranslatable(problem_message(ruleset, problem), problem.span, refused=True))

    def hooks(self, table: str, chain: str) -> frozenset[str]:
        from fwlint.lint.facts import hooks_reaching

        found = self._table_objects.get(table)
        if found is None or self._lint_context is None:
            return frozenset()
        return hooks_reaching(self._lint_context, found, chain)

    def _table_wide(self) -> None:
        """A rule declares or looks up something of the whole table (a set, a meter, a limit, a
        helper, an ipset), whose name depends on the rules before it: in a child translating a
        part of the rules (fwlint.nft.halves), the translator does that rule instead."""
        self.table_wide += 1
        if self.in_child:
            from fwlint.nft.halves import SharedState

            raise SharedState

    def is_user_chain(self, table: str, name: str) -> bool:
        return name in self._user_chains.get(table, ())

    def resolve(self, name: str, family: int, span: Span) -> list:
        """The addresses of a host name, with --resolve; without it, untranslatable."""
        import ipaddress

        if not self.options.resolve:
            raise Untranslatable(f"{name} is a host name: nft would look it up once, with the loading "
                                 "host's DNS, when the rules are loaded, so what the translation means "
                                 "would depend on DNS then; write the address, or translate with "
                                 "--resolve to look it up now", span)
        key = (name, family)
        if key not in self._resolved:
            try:
                infos = socket.getaddrinfo(name, None, socket.AF_INET if family == 4 else socket.AF_INET6,
                                           socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as err:
                raise Untranslatable(f"host name {name} does not resolve to an IPv{family} address "
                                     f"({err})", span) from None
            seen: list = []
            for info in infos:
                addr = ipaddress.ip_address(info[4][0].split("%")[0])
                if addr not in seen:
                    seen.append(addr)
            self._resolved[key] = seen
        return self._resolved[key]

    def ipset(self, name: str, family: int, span: Span):
        self._table_wide()
        sets = self.options.ipsets or {}
        found = sets.get(name)
        if found is None:
            where = "the --ipset file has no set of that name" if sets else \
                "give its contents with --ipset FILE (the output of `ipset save`)"
            raise Untranslatable(f"ipset {name!r}: its contents live in the kernel, not in the ruleset; "
                                 f"{where}", span)
        if found.family is not None and found.family != family:
            raise Untranslatable(f"ipset {name!r} holds IPv{found.family} entries, used in an "
                                 f"IPv{family} rule", span, refused=True)
        if found.problem:
            raise Untranslatable(f"ipset {name!r}: {found.problem}", span)
        self.ipsets_used[name] = found
        return found

    def unique_set_name(self, base: str) -> str:
        """A set (or meter) name no other set of the table has, ``base`` if free."""
        self._table_wide()
        from fwlint.nft.names import is_identifier, sanitise

        base = sanitise(base)
        taken = {s.nft_name for s in (self.options.ipsets or {}).values()}  # type: ignore[attr-defined]
        candidate, n = base, 2
        while candidate in self.sets or candidate in self.meters or candidate in taken \
                or not is_identifier(candidate):
            candidate = f"{base}_{n}"
            n += 1
        return candidate

    def dynamic_set(self, name: str, type_: str, *, timeout: int | None = None,
                    size: int | None = None, note: str | None = None) -> str:
        """Declare (once) a set that rules fill from the packet path (recent); returns its nft
        name.  A second use of ``name`` with a longer timeout raises the set's."""
        self._table_wide()
        key = (name, type_)
        if key in self._dynamic:
            found = self.sets[self._dynamic[key]]
            if timeout is not None and (found.timeout is None or timeout > found.timeout):
                found.timeout = timeout
                found.flags = tuple(dict.fromkeys((*found.flags, "timeout")))
            return self._dynamic[key]
        candidate = self.unique_set_name(name)
        flags = ("timeout",) if timeout else ()
        self.sets[candidate] = NftSet(candidate, type_, flags, timeout=timeout, size=size, note=note)
        self._dynamic[key] = candidate
        return candidate

    def meter(self, name: str) -> tuple[str, bool]:
        """A meter name for ``name``: (the name, whether an earlier rule had ``name`` already,
        then the name is another)."""
        self._table_wide()
        candidate = self.unique_set_name(name)
        self.meters.add(candidate)
        return candidate, candidate != name

    def limit_object(self, name: str, spec_text: str, spec_json: dict) -> str:
        """Declare (once per name and rate) a named limit, shared by the rules that name it."""
        self._table_wide()
        from fwlint.nft.names import is_identifier, sanitise

        key = (name, spec_text)
        if key in self.limits:
            return self.limits[key][0]
        base = sanitise(name)
        candidate, n = base, 2
        taken = {v[0] for v in self.limits.values()}
        while candidate in taken or not is_identifier(candidate):
            candidate = f"{base}_{n}"
            n += 1
        self.limits[key] = (candidate, spec_text, spec_json)
        return candidate

    def helper(self, name: str, protocol: str, family: int) -> str:
        self._table_wide()
        key = (name, protocol)
        if key not in self.helpers:
            base = f"{name}-{protocol}".replace("-", "_")
            self.helpers[key] = NftHelper(base, name, protocol)
        return self.helpers[key].name

    # --- translation -------------------------------------------------------------------------

    def chains_of(self, ruleset: Ruleset, names: ChainNames) -> list[NftChain]:
        """The nft chains of one ruleset (names assigned already), with their rules translated
        (by two processes for a big ruleset, with ``parallel``: see fwlint.nft.halves)."""
        from fwlint.nft import halves

        split = self.options.parallel and not self.options.optimize and \
            halves.can_split(sum(len(c.rules) for t in _tables(ruleset) for c in _chains(t)))
        self.begin(ruleset, ahead=not split)
        out, work = nft_chains(ruleset, names)
        if split:
            halves.translate_split(self, work, ruleset.family, names)
            self.rendered_as = self.output_format
        else:
            for rule, table, chain, nft_chain in work:
                nft_chain.rules.extend(self.translate_rule(rule, ruleset.family, table, chain, names))
        self.leftovers(ruleset)
        return out

    def translate_rule(self, rule: AstRule, family: int, table: Table, chain: Chain,
                       names: ChainNames, family_tag: int | None = None) -> list[NftRule]:
        """The nft rules for one iptables rule: usually one; several when iptables makes several
        (``-s a,b``) or nft needs a rule per alternative; none when it cannot be translated (then
        a finding, and with allow_partial a comment carrying the rule)."""
        self.rules_read += 1
        if self.on_rule is not None and self.rules_read % 256 == 0:
            self.on_rule(self.rules_read)
        if self._refused_lines and (rule.span.file, rule.span.line) in self._refused_lines:
            return []  # its line's problem is the finding (leftovers), the output's header has it
        ctx = RuleContext(self, rule, family, table.name, chain.name, chain.builtin)
        try:
            if id(rule) in self._loops:
                raise Untranslatable(self._loops[id(rule)], rule.target.span if rule.target else rule.span,
                                     refused=True)
            if self._refusal is not None:
                refused = self._refusal(rule, table, chain, family)
                if refused is not None:
                    raise Untranslatable(f"iptables refuses this rule ({refused})", rule.span, refused=True)
            rules = self._rule(rule, ctx, table, names, family_tag)
        except Untranslatable as err:
            self._fail(rule, err)
            return [self._comment_rule(rule, err.message)] if self.options.allow_partial else []
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as bug:
            # a bug of an nft form: reported as the rule's finding, not a traceback
            err = Untranslatable(f"fwlint could not translate this rule ({type(bug).__name__}: {bug}; "
                                 "please report it)", rule.span)
            self._fail(rule, err)
            return [self._comment_rule(rule, err.message)] if self.options.allow_partial else []
        except NeverMatches as never:
            if self._refused_late(rule, table, chain, family):
                return []
            self._note(rule, Note(f"this rule can never match ({never.message}): it is written as a "
                                  "comment", never.span))
            return [self._comment_rule(rule, f"never matches: {never.message}")]
        if ctx.notes and self._refused_late(rule, table, chain, family):
            return []
        for note in ctx.notes:
            self._note(rule, note)
        return rules

    def _refused_late(self, rule: AstRule, table: Table, chain: Chain, family: int) -> bool:
        """Without the validity pass (the lint rules' translation), whether iptables refuses a
        rule the translation has something to say about: then the validity rules say it."""
        if self.options.validity:
            return False
        if self._late_refusal is None:
            from fwlint.nft.refusal import TranslationRefusal

            self._late_refusal = TranslationRefusal(self.registry)
        refused = self._late_refusal(rule, table, chain, family)
        if refused is None:
            return False
        self.untranslated += 1
        self.failures.append((rule, Untranslatable(f"iptables refuses this rule ({refused})", rule.span,
                                                   refused=True)))
        return True

    def _fail(self, rule: AstRule | None, err: Untranslatable) -> None:
        self.untranslated += 1
        self.failures.append((rule, err))
        span = err.span or (rule.span if rule is not None else Span("-", 1, 1, 1, 1))
        self.diagnostics.append(_diagnostic(UNTRANSLATABLE, Severity.ERROR, span, err.message))

    def _note(self, rule: AstRule, note: Note) -> None:
        self.notes.append((rule, note))
        self.diagnostics.append(_diagnostic(APPROXIMATE, Severity.WARNING, note.span, note.message))

    def _comment_rule(self, rule: AstRule, why: str) -> NftRule:
        return NftRule([], [], source=rule, spans=(rule.span,), note=why, text_only=True)

    def _rule(self, rule: AstRule, ctx: RuleContext, table: Table, names: ChainNames,
              family_tag: int | None) -> list[NftRule]:
        registry = self.registry
        if rule.unresolved:
            ctx.refuse(f"the script never sets {', '.join('$' + n for n in rule.unresolved)}: the rule "
                       "keeps a placeholder", rule.span, refused=True)
        if rule.unclaimed:
            opt = rule.unclaimed[0]
            ctx.refuse(f"no loaded match or target takes {opt.written} (iptables refuses it)", opt,
                       refused=True)
        groups: list[list] = []  # each: a list of alternatives, each a tuple of parts
        for m in rule.matches:
            ext = registry.builtin if m.name == "builtin" else registry.match(m.name)
            ctx.ext = ext
            ctx.node_span = m.span
            if ext is None or not m.known:
                ctx.refuse(f"-m {m.name}: no such match extension (iptables refuses it)", m.span,
                           refused=True)
            if isinstance(ext.nft, NoNft):
                ctx.refuse(f"-m {m.name}: {ext.nft.why}", m.span)
            if ext.nft is None:
                ctx.refuse(f"-m {m.name}: its nftables form is not known", m.span)
            result = ext.nft(m, ctx)
            if isinstance(result, AnyOf):
                groups.append([tuple(a) for a in result.alternatives])
            elif result:
                groups.append([tuple(result)])
        actions = self._target(rule, ctx, table, names, family_tag)
        combos = list(itertools.product(*groups)) if groups else [()]
        out: list[NftRule] = []
        comment = self._comment(ctx)
        for i, combo in enumerate(combos):
            parts = [p for alternative in combo for p in alternative]
            parts = _prune_protocol(parts)
            if any(a.needs_protocol for a in actions) and not _has_transport(parts):
                ctx.refuse("nft needs a transport protocol match (-p tcp, -p udp ...) before a port "
                           "mapping", rule.target)
            nft_rule = NftRule(parts, list(actions), comment=comment, source=rule, spans=(rule.span,))
            if self.options.counters:
                nft_rule.counter = True
                nft_rule.counters = (0, 0) if i else _rule_counters(rule, ctx)
            out.append(nft_rule)
        return out

    def _target(self, rule: AstRule, ctx: RuleContext, table: Table, names: ChainNames,
                family_tag: int | None) -> list[Statement]:
        target = rule.target
        if target is None:
            return []
        ctx.node_span = target.span
        jump = "goto" if target.goto else "jump"
        chain = table.chain(target.name)
        if chain is not None and not chain.builtin:
            nft_name = names.get(table.name, target.name, family_tag)
            if nft_name is None:
                ctx.refuse(f"-{jump[0]} {target.name}: no such chain", target.name_span, refused=True)
            return [ctx.verdict(jump, nft_name)]
        if chain is not None and chain.builtin:
            ctx.refuse(f"-{jump[0]} {target.name}: a built-in chain cannot be a target (iptables "
                       "refuses it)", target.name_span, refused=True)
        ext = self.registry.target(target.name)
        if ext is None:
            ctx.refuse(f"-{jump[0]} {target.name}: no such chain or target (iptables refuses it)",
                       target.name_span, refused=True)
        if target.goto:
            ctx.refuse(f"-g {target.name}: goto takes a user chain, not a target (iptables refuses "
                       "it)", target.name_span, refused=True)
        ctx.ext = ext
        if isinstance(ext.nft, NoNft):
            ctx.refuse(f"-j {target.name}: {ext.nft.why}", target.name_span)
        if ext.nft is None:
            ctx.refuse(f"-j {target.name}: its nftables form is not known", target.name_span)
        return list(ext.nft(target, ctx) or ())

    def _comment(self, ctx: RuleContext) -> str | None:
        if not ctx.comments:
            return None
        text = "; ".join(ctx.comments)
        data = text.encode("utf-8", "surrogateescape")
        if len(data) > COMMENT_LIMIT:
            cut = data[:COMMENT_LIMIT].decode("utf-8", "ignore")
            ctx.approximate(f"the comment has {len(data)} bytes; nft keeps {COMMENT_LIMIT}: it is cut "
                            f"to {cut!r}", ctx.rule.match("comment"))
            text = cut
        if not can_quote(text) and ctx.translator.output_format != "json":
            ctx.approximate(f"the comment {text!r} holds a double quote, which nft's block syntax "
                            "cannot write: it is written with ' instead (--format json keeps it)",
                            ctx.rule.match("comment"))
        return text


def _rule_counters(rule: AstRule, ctx: RuleContext) -> tuple[int, int]:
    """The counters iptables gives a rule: those of ``-c PKTS BYTES`` (``--set-counters``) in
    it, which iptables-restore applies with or without its -c; else those of ``[PKTS:BYTES]``
    before it, which it applies with its -c (as --counters keeps them).  Both on one rule:
    iptables-restore -c refuses it (multiple -c flags), without -c it keeps the rule's -c."""
    written = _set_counters(rule)
    if written is None:
        return (rule.counters.packets, rule.counters.bytes) if rule.counters is not None else (0, 0)
    if rule.counters is not None:
        ctx.approximate(f"the rule has counters twice, [{rule.counters.packets}:{rule.counters.bytes}] "
                        f"before it and -c {written[0]} {written[1]} in it: iptables-restore -c refuses "
                        "it (multiple -c flags); without -c it keeps the rule's -c, and so does the "
                        "translation", rule.counters.span)
    return written


def _set_counters(rule: AstRule) -> tuple[int, int] | None:
    """The numbers of the rule's ``-c PKTS BYTES`` (or ``-c PKTS,BYTES``, or --set-counters and
    its abbreviations), read as iptables reads them (sscanf %llu: the digits at the start)."""
    if "-c" not in rule.text:  # --set-counters holds it too
        return None
    import re

    from fwlint.parse.words import WordError, split_words

    try:
        words = split_words(rule.text, rule.span.file, rule.span.line, rule.span.column)
    except WordError:
        return None
    for i, word in enumerate(words):
        if word.kind != "option" or not (word.text == "-c" or word.text.startswith("--set-c") and
                                         "--set-counters".startswith(word.text)):
            continue
        values = [w.text for w in words[i + 1:i + 3]]
        if values and "," in values[0][1:]:
            cut = values[0].index(",", 1)
            values = [values[0][:cut], values[0][cut + 1:]]
        numbers = [re.match(r"\s*\+?([0-9]+)", v) for v in values[:2]]
        if len(numbers) == 2 and numbers[0] and numbers[1]:
            return int(numbers[0].group(1)), int(numbers[1].group(1))
        return None
    return None


def _prune_protocol(parts: list) -> list:
    """Leave out ``meta l4proto X`` when a later relation reads X's header (``tcp dport``): nft
    adds that test itself, where the relation stands.  So only when nothing between the two
    keeps state (a limit before ``tcp dport`` must still see only X's packets).  A negated
    protocol test stays."""
    if len(parts) < 2:
        return parts
    out = list(parts)
    for i, part in enumerate(parts):
        if not (isinstance(part, Relation) and part.left.text == "meta l4proto" and part.op == "=="):
            continue
        for later in parts[i + 1:]:
            if not isinstance(later, Relation):
                break
            if later.protocol == part.right.text:
                out[i] = None
                break
    return [p for p in out if p is not None]


def _has_transport(parts: list) -> bool:
    for p in parts:
        if isinstance(p, Relation):
            if p.protocol in ("tcp", "udp", "sctp", "dccp", "udplite"):
                return True
            if p.left.text == "meta l4proto" and p.op == "==" and not p.right.is_set and \
                    p.right.text in ("tcp", "udp", "sctp", "dccp", "udplite"):
                return True
    return False


def nft_chains(ruleset: Ruleset, names: ChainNames) -> tuple[list[NftChain], list[tuple]]:
    """The nft chains of a ruleset (names assigned already), without rules, and the work of
    filling them: each rule with its table, chain and nft chain, in the order of the output."""
    out: list[NftChain] = []
    work: list[tuple] = []
    for table in _tables(ruleset):
        for chain in _chains(table):
            nft_name = names.get(table.name, chain.name)
            assert nft_name is not None
            nft_chain = NftChain(nft_name, table.name, chain.name)
            if chain.builtin:
                nft_chain.base = base_chain_spec(table.name, chain.name)
                nft_chain.policy = (chain.policy or "ACCEPT").lower()
            elif nft_name != chain.name:
                nft_chain.note = f"iptables chain {chain.name} (table {table.name})"
            work.extend((rule, table, chain, nft_chain) for rule in chain.rules)
            out.append(nft_chain)
    return out, work


def uncommitted(ruleset: Ruleset, problem: SyntaxProblem) -> bool:
    """Whether ``problem`` is a save file's table without COMMIT (said at the file's end)."""
    return ruleset.script is None and any(
        t.commit_span is None and problem.message.startswith(f"table *{t.name} has no COMMIT")
        for t in ruleset.tables)


def problem_message(ruleset: Ruleset, problem: SyntaxProblem) -> str:
    """The FW601 finding of a line iptables-restore refuses (or of a table it applies nothing of)."""
    if uncommitted(ruleset, problem):
        return f"{problem.message}: the translation leaves the table out"
    if problem.warning:
        return f"iptables-restore reads this line otherwise than it looks, and so does the translation: " \
            f"{problem.message}"
    return f"iptables-restore refuses this line: {problem.message}"


def _tables(ruleset: Ruleset) -> list[Table]:
    """The tables iptables-restore keeps (the last committed block of each name: it applies
    nothing of a save file's table without COMMIT), in hook order."""
    script = ruleset.script is not None  # a script's tables have no COMMIT line
    found = {t.name: t for t in ruleset.tables
             if t.name in BUILTIN_CHAINS and (script or t.commit_span is not None)}
    return [found[name] for name in TABLE_ORDER if name in found]


def _chains(table: Table) -> list[Chain]:
    """The chains that get an nft chain: built-in ones declared or holding rules (in hook
    order), then user chains as declared."""
    builtin_order = BUILTIN_CHAINS[table.name]
    builtins = sorted((c for c in table.chains if c.builtin and (c.declared or c.rules)),
                      key=lambda c: builtin_order.index(c.name) if c.name in builtin_order else 99)
    users = [c for c in table.chains if not c.builtin]
    return [*builtins, *users]


def chain_origins(ruleset: Ruleset, family_tag: int | None = None
                  ) -> list[tuple[str, str, bool, int | None]]:
    return [(t.name, c.name, c.builtin, family_tag) for t in _tables(ruleset) for c in _chains(t)]


def translate_table(ruleset: Ruleset, options: Options, registry: Registry | None = None,
                    on_rule: Callable[[int], None] | None = None) -> tuple[NftTable, Translator]:
    """One family's ruleset into an ``ip`` or ``ip6`` table."""
    family = "ip" if ruleset.family == 4 else "ip6"
    translator = Translator(options, registry, family, on_rule)
    names = ChainNames()
    names.assign(chain_origins(ruleset))
    chains = translator.chains_of(ruleset, names)
    table = NftTable(family, options.table, chains, sources=(ruleset.path,),
                     rendered_as=translator.rendered_as)
    finish_table(translator, table)
    return table, translator


def translate_ruleset(ruleset: Ruleset, options: Options | None = None,
                      registry: Registry | None = None) -> Translation:
    """One family's ruleset into an ``ip`` or ``ip6`` table."""
    table, translator = translate_table(ruleset, options or Options(), registry)
    return Translation([table], sorted(translator.diagnostics, key=lambda d: d.sort_key),
                       translator.rules_read, translator.untranslated)


def finish_table(translator: Translator, table: NftTable) -> None:
    """Sets and helpers the rules declared; with --optimize, rules merged."""
    table.sets = [ipset.to_nft() for ipset in translator.ipsets_used.values()]  # type: ignore[attr-defined]
    table.sets.extend(translator.sets.values())
    table.helpers = list(translator.helpers.values())
    table.limits = list(translator.limits.values())
    if translator.options.optimize:
        from fwlint.nft.optimize import optimize_chain

        for chain in table.chains:
            chain.rules = optimize_chain(chain.rules)


__all__ = ["ACTION", "MATCHING", "TERMINAL", "VERDICT", "BaseChainSpec", "NftChain", "NftHelper",
           "NftSet", "NftTable", "Options", "Translation", "Translator", "base_chain_spec",
           "chain_origins", "finish_table", "translate_ruleset", "translate_table"]

