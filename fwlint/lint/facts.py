"""Facts about a ruleset that several rules need, computed once per ruleset."""

from __future__ import annotations

import difflib
import functools
import ipaddress
from dataclasses import dataclass

from fwlint.ast import BUILTIN_CHAINS, Chain, Match, Option, Rule, Span, Table
from fwlint.extensions import Extension, Registry
from fwlint.extensions.values import PROTOCOL
from fwlint.lint.rule import Context


def chains_by_name(ctx: Context, table: Table) -> dict[str, Chain]:
    """The chains of ``table`` by name (computed once per table)."""
    return ctx.memo(("chains", id(table)), lambda: {c.name: c for c in table.chains})


def jump_candidates(ctx: Context, table: Table) -> frozenset[str]:
    """Every name a -j/-g may give in ``table``: its chains and every known target."""
    return ctx.memo(("jump-names", id(table)),
                    lambda: frozenset(ctx.registry.targets) | frozenset(chains_by_name(ctx, table)))


def chain_callers(ctx: Context, table: Table) -> dict[str, frozenset[str]]:
    """For each chain of ``table``, the built-in chains from which it can be reached."""
    def compute() -> dict[str, frozenset[str]]:
        names = table.chain_names
        edges: dict[str, set[str]] = {c.name: set() for c in table.chains}
        for c in table.chains:
            for r in c.rules:
                if r.target is not None and r.target.name in names:
                    edges[c.name].add(r.target.name)
        reach: dict[str, set[str]] = {name: set() for name in names}
        for root in BUILTIN_CHAINS.get(table.name, ()):
            if root not in edges:
                continue
            stack, seen = [root], {root}
            while stack:
                cur = stack.pop()
                reach[cur].add(root)
                for nxt in edges.get(cur, ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
        return {k: frozenset(v) for k, v in reach.items()}
    return ctx.memo(("callers", id(table)), compute)


def reachable_chains(table: Table, start: str) -> list[str]:
    """``start`` and every chain it can jump or go to, in the order first met."""
    names = table.chain_names
    order, seen, stack = [], {start}, [start]
    while stack:
        cur = stack.pop()
        order.append(cur)
        chain = table.chain(cur)
        if chain is None:
            continue
        for r in chain.rules:
            t = r.target
            if t is not None and t.name in names and t.name not in seen:
                seen.add(t.name)
                stack.append(t.name)
    return order


_EVERYTHING_V4 = ipaddress.ip_network("0.0.0.0/0")
_EVERYTHING_V6 = ipaddress.ip_network("::/0")


def _always_true(m: Match) -> bool:
    if m.name == "comment":
        return True
    if m.name != "builtin":
        return False
    for opt in m.options:
        if opt.negated or not opt.values:
            return False
        value = opt.values[0]
        if opt.name == "protocol" and value.lower() in ("all", "0"):
            continue
        if opt.name in ("source", "destination"):
            if is_everywhere(value):
                continue
            return False
        if opt.name in ("in-interface", "out-interface") and value == "+":
            continue
        return False
    return True


def is_everywhere(address: str) -> bool:
    """True when ``address`` (an -s/-d value) is a network of prefix length 0: ``0.0.0.0/0``,
    ``::/0``, ``0/0.0.0.0``."""
    slash = address.rfind("/")
    if slash < 0 or address[slash + 1:].strip("0.:"):
        return False  # a host address, or a mask with a bit set: quicker than reading it
    try:
        return ipaddress.ip_network(address, strict=False).prefixlen == 0
    except ValueError:
        return False


def is_unconditional(rule: Rule) -> bool:
    """True when every match of the rule matches every packet (or it has none)."""
    return not rule.unclaimed and all(_always_true(m) for m in rule.matches)


def ends_traversal(rule: Rule, registry: Registry) -> bool:
    """True when a packet this rule matches never reaches the next rule of the chain."""
    t = rule.target
    if t is None:
        return False
    if t.goto:
        return True
    ext = registry.target(t.name)
    if ext is None:
        return False
    if t.name == "NFQUEUE" and t.option("queue-bypass") is not None:
        return False
    return ext.terminal


def close_names(word: str, candidates: set[str] | frozenset[str]) -> list[str]:
    """Candidates ``word`` is probably a misspelling of: same letters in another case, or a
    small edit away."""
    lower = word.lower()
    same_case = sorted(c for c in candidates if c.lower() == lower and c != word)
    if same_case:
        return same_case
    if len(word) < 3:
        return []
    out = []
    for c in candidates:
        if c == word or abs(len(c) - len(word)) > 2:
            continue
        d = _distance(lower, c.lower())
        limit = 1 if len(word) <= 4 else 2
        if d <= limit:
            out.append((d, c))
    if not out:
        ratio = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.85)
        return ratio
    best = min(d for d, _ in out)
    return sorted(c for d, c in out if d == best)


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count as one edit)."""
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


# ---- where matches and targets may stand (FW105, FW110) ----

def hooks_reaching(ctx: Context, table: Table, chain: str) -> frozenset[str]:
    """The built-in chains (hooks) from which ``chain`` is reached by jumps and gotos: the chain
    itself when it is built in, none when nothing reaches it.  The kernel checks a match's or
    target's hooks against exactly this set when the table is committed."""
    return chain_callers(ctx, table).get(chain, frozenset())


def protocol_number(text: str) -> int | None:
    """The IP protocol number ``-p`` names (``tcp``, ``TCP``, ``6``), None when unknown."""
    try:
        return int(PROTOCOL.parse(text))
    except ValueError:
        return None


def has_protocol(rule: Rule, protocols: frozenset[str]) -> bool:
    """True when the rule's (first) ``-p`` is positive and one of ``protocols``, by number."""
    opt = rule.option("protocol")
    if opt is None or opt.negated or not opt.values:
        return False
    wanted = {protocol_number(p) for p in protocols} - {None, 0}
    return protocol_number(opt.values[0]) in wanted


def protocol_names(protocols: frozenset[str]) -> str:
    """``-p tcp or -p udp`` for a set of ``-p`` values (names preferred to numbers)."""
    names = sorted(p for p in protocols if not p.isdigit()) or sorted(protocols)
    return or_list([f"-p {n}" for n in names])


def and_list(items: list[str] | tuple[str, ...]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def or_list(items: list[str] | tuple[str, ...]) -> str:
    """``A``, ``A or B``, ``A, B or C``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def hook_order(table: str, chains: frozenset[str] | set[str]) -> list[str]:
    """``chains`` in the order packets meet them (PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING)."""
    order = ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
    return sorted(chains, key=lambda c: order.index(c) if c in order else len(order))


@dataclass(frozen=True)
class Misplacement:
    """Why a match or target may not stand where it does.

    ``kind`` is ``table``, ``chain`` (a hook the kernel refuses it from), ``protocol`` (the rule
    lacks the ``-p`` it needs) or ``requirement`` (the rule lacks another match it needs).
    ``enforced`` False: the kernel accepts it, but it can never match there.
    """

    kind: str
    span: Span
    message: str
    enforced: bool = True


def has_placement_limits(ext: Extension) -> bool:
    """The extension has limits on where it may stand (tables, hooks, a target's protocol,
    option-dependent placement): ``misplacements`` finds nothing for one without."""
    return not (ext.tables is None and ext.chains is None and ext.placement is None
                and not (ext.kind == "target" and ext.protocols is not None))


def refused_here(ctx: Context, ext: Extension, options: tuple[Option, ...], span: Span, rule: Rule) -> bool:
    """The kernel refuses ``ext`` where ``ctx`` stands (a limit of ``misplacements`` it
    enforces): what the reachability model and the concrete evaluator leave such a rule out
    for.  Asked cheaply of the many extensions without placement limits."""
    if not has_placement_limits(ext):
        return False
    shown = f"-m {ext.name}" if ext.kind == "match" else f"-j {ext.name}"
    return any(p.enforced for p in misplacements(ctx, ext, options, span, shown, rule))


def misplacements(ctx: Context, ext: Extension, options: tuple[Option, ...], span: Span, shown: str,
                  rule: Rule) -> list[Misplacement]:
    """Every limit of ``ext`` (its ``tables``, ``chains``, ``protocols`` and option-dependent
    ``placement``) that the rule breaks where it stands.  ``shown`` is how the rule names the
    extension (``-j DNAT``, ``-m owner``); ``span`` where.  ``protocols`` is checked for targets
    only (a match without its protocol is FW114's), and nothing for an extension of the other
    address family."""
    table, chain = ctx.table, ctx.chain
    if table is None or (ext.family is not None and ext.family != ctx.ruleset.family):
        return []  # no such extension in this family at all: FW111's
    out: list[Misplacement] = []
    if ext.tables is not None and table.name not in ext.tables:
        where = or_list(sorted(ext.tables))
        plural = "table" if len(ext.tables) == 1 else "tables"
        out.append(Misplacement("table", span, f"{shown} in *{table.name}: {ext.name} works only in "
                                               f"the {where} {plural}"))
        return out  # the kernel looks no further, and neither do we
    hooks = hooks_reaching(ctx, table, chain.name) if chain is not None else frozenset()
    place = chain.name if chain is not None else rule.chain

    def outside(allowed: frozenset[str]) -> str | None:
        bad = hooks - allowed
        if not bad:
            return None
        if chain is not None and chain.builtin:
            return f"on {chain.name}"
        names = hook_order(table.name, bad)
        verb = "reaches" if len(names) == 1 else "reach"
        return f"in chain {place}, which {and_list(names)} {verb}"

    if ext.chains is not None and (where := outside(ext.chains)) is not None:
        out.append(Misplacement("chain", span, f"{shown} {where}: {ext.name} works only from "
                                f"{and_list(hook_order(table.name, ext.chains))}"))
    if ext.kind == "target" and ext.protocols is not None and not has_protocol(rule, ext.protocols):
        out.append(Misplacement("protocol", span, f"{shown} {_protocol_said(rule)}: {ext.name} works "
                                f"only with {protocol_names(ext.protocols)}"))
    if ext.placement is None:
        return out
    by_name = {o.name: o for o in options}
    refused: set[str] = set()  # options already refused from some hook: no "never matches" too
    for limit in sorted(ext.placement(options, rule), key=lambda p: not p.enforced):
        if limit.family is not None and limit.family != ctx.ruleset.family:
            continue
        opt = by_name.get(limit.option)
        opt_span = opt.span if opt is not None else span
        opt_shown = _option_shown(opt) if opt is not None else shown
        checked = limit.enforced or limit.option not in refused
        if limit.chains is not None and checked and (where := outside(limit.chains)) is not None:
            allowed = and_list(hook_order(table.name, limit.chains))
            note = f" ({limit.note})" if limit.note else ""
            if limit.enforced:
                refused.add(limit.option)
                text = f"{opt_shown} {where}: {ext.name} takes it only from {allowed}{note}"
            else:
                text = (f"{opt_shown} {where}: it can match only from {allowed}{note}; iptables "
                        f"accepts the rule, but it never matches there")
            out.append(Misplacement("chain", opt_span, text, limit.enforced))
        if limit.protocols is not None and not has_protocol(rule, limit.protocols):
            note = f" ({limit.note})" if limit.note else ""
            out.append(Misplacement("protocol", opt_span,
                                    f"{opt_shown} {_protocol_said(rule)}: {ext.name} takes it only "
                                    f"with {protocol_names(limit.protocols)}{note}"))
        if limit.unmet is not None:
            note = f" ({limit.note})" if limit.note else ""
            out.append(Misplacement("requirement", span, f"{shown} without {limit.unmet}{note}"))
    return out


def _option_shown(opt: Option) -> str:
    return " ".join(("!" if opt.negated else "", opt.written, *opt.values)).strip()


def _protocol_said(rule: Rule) -> str:
    opt = rule.option("protocol")
    if opt is None or not opt.values:
        return "in a rule without -p"
    return f"in a rule with {'! ' if opt.negated else ''}-p {opt.values[0]}"


# ---- loops among chains (FW107) ----

@dataclass(frozen=True)
class ChainLoop:
    """A cycle of jumps/gotos: ``chains`` from the first chain round to it again
    (``("A", "B", "A")``); ``rule`` is the jump that closes it; ``reached_from`` the built-in
    chain whose walk found it, None when no built-in chain reaches it."""

    chains: tuple[str, ...]
    rule: Rule
    reached_from: str | None


def chain_loops(table: Table) -> list[ChainLoop]:
    """Every loop among the chains of ``table``, each found once at the jump that closes it.

    A depth-first walk from the built-in chains (in hook order), then from the chains nothing
    has reached (in declaration order), following each chain's jumps in rule order: a jump to
    a chain still on the walk's path closes a loop.  Every cycle of the jump graph contains at
    least one such jump.
    """
    names = table.chain_names
    jumps: dict[str, list[tuple[Rule, str]]] = {}
    for c in table.chains:
        jumps[c.name] = [(r, r.target.name) for r in c.rules
                         if r.target is not None and r.target.name in names]
    builtin = [c for c in BUILTIN_CHAINS.get(table.name, ()) if c in jumps]
    roots = builtin + [c.name for c in table.chains if c.name not in builtin]
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    found: list[ChainLoop] = []
    for root in roots:
        if root in state:
            continue
        reached_from = root if root in builtin else None
        path = [root]
        state[root] = 1
        stack = [iter(jumps[root])]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                state[path.pop()] = 2
                continue
            rule, dest = step
            mark = state.get(dest)
            if mark == 1:
                start = path.index(dest)
                found.append(ChainLoop((*path[start:], dest), rule, reached_from))
            elif mark is None:
                state[dest] = 1
                path.append(dest)
                stack.append(iter(jumps[dest]))
    return found


# ---- connection states (FW3xx) ----

CONNECTION_STATES = ("INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED")
"""The states conntrack gives a packet: exactly one of these each.  ``--ctstate`` also knows
SNAT and DNAT, which are flags of a tracked connection (NEW, ESTABLISHED or RELATED), never of
an INVALID or UNTRACKED packet."""

_NAT_FLAGS = (frozenset(), frozenset({"SNAT"}), frozenset({"DNAT"}), frozenset({"SNAT", "DNAT"}))


def state_options(rule: Rule) -> list[Option]:
    """The rule's ``-m state --state`` and ``-m conntrack --ctstate`` options."""
    return [opt for m in rule.matches if m.name in ("state", "conntrack") for opt in m.options
            if (m.name, opt.name) in (("state", "state"), ("conntrack", "ctstate"))]


def state_patterns(rule: Rule, states: tuple[str, ...] = CONNECTION_STATES
                   ) -> list[tuple[str, frozenset[str]]] | None:
    """The (state, NAT flags) combinations among ``states`` that pass every state option of the
    rule; None when the rule has no state option or one fwlint cannot read."""
    options = state_options(rule)
    if not options:
        return None
    patterns = _state_patterns(tuple((opt.value, opt.negated) for opt in options), states)
    return None if patterns is None else list(patterns)


@functools.lru_cache(maxsize=1024)
def _state_patterns(options: tuple[tuple[str | None, bool], ...], states: tuple[str, ...]
                    ) -> tuple[tuple[str, frozenset[str]], ...] | None:
    """state_patterns for state options given as (value, negated): a ruleset repeats a few."""
    lists = []
    for value, negated in options:
        if not value:
            return None
        words = frozenset(w.strip().upper() for w in value.split(","))
        if not words <= frozenset(CONNECTION_STATES) | {"SNAT", "DNAT"}:
            return None
        lists.append((words, negated))
    out = []
    for state in states:
        flag_sets = _NAT_FLAGS if state in ("NEW", "ESTABLISHED", "RELATED") else _NAT_FLAGS[:1]
        for flags in flag_sets:
            bits = flags | {state}
            if all(bool(bits & words) != negated for words, negated in lists):
                out.append((state, flags))
    return tuple(out)


def accepts_every(rule: Rule, state: str) -> bool:
    """True when the rule's state options let every packet in ``state`` through (whatever its
    NAT flags) and the rule has at least one state option."""
    patterns = state_patterns(rule, (state,))
    if patterns is None:
        return False
    wanted = len(_NAT_FLAGS) if state in ("NEW", "ESTABLISHED", "RELATED") else 1
    return len(patterns) == wanted


def text_at(ruleset_source: str | None, span: Span) -> str | None:
    """The source text a one-line span covers, or None when it cannot be told.

    A fix may only rewrite a span that spells what the rule says: in a script a value that
    came from ``$VAR`` has the span of the variable reference, and rewriting it would change
    the variable's name, not its value."""
    if not ruleset_source or span.line != span.end_line or span.line < 1:
        return None
    lines = ruleset_source.splitlines(keepends=True)
    if span.line > len(lines):
        return None
    return lines[span.line - 1][span.column - 1:span.end_column - 1]
