"""A big iptables-save file parsed and translated by two processes, each building the rules it
translates.

:mod:`fwlint.nft.halves` shares the translation of a ruleset parsed whole; here the parse is
shared too.  A pre-pass reads the file's lines with the line pattern only
(:func:`fwlint.parse.save.save_skeleton`): its tables, its chains and, for each rule line, the
chain its ``-A`` appends to, without building a rule.  A file it is not sure of (any line that
is not plain, anything iptables-restore would complain about in its structure) is parsed whole
instead (None here: the caller takes the one-process path).  Then a child is forked: this
process builds the first part of the rules (in the order of the output), the child the rest,
each checking that every rule line builds into the append the pre-pass took it for, without a
problem (else both give up and the file is parsed whole).

What the translation works out from the whole ruleset before its rules (the call graph, the
loops of chains, whether conntrack is in use: fwlint.nft.emitter.Translator.begin) needs every
rule's target and matches: each process sends the other, for each rule it built, its target's
name and whether its part uses a conntrack match.  Each then makes the same ruleset: its own
rules, and for the other's stand-ins (one of its own, with the rule's span and target, for a
rule whose target is a chain of its table; one shared by the others), which is all the
per-ruleset work reads of them.  The translation is then shared as :mod:`fwlint.nft.halves`
shares it (the translator from the first rule, the child from the last, meeting where they
meet; both render the rules they translate as they go); a rule a process translates that the
other built is built where it is translated, when it is reached.  The findings, the names and
the output are those of the one-process path, byte for byte (tests/nft/test_halves.py).

Nothing here imports Lark: a big plain file is read without it (fwlint.parse.loader keeps the
grammars' terminals in a cache of their own).
"""

from __future__ import annotations

import gc
import mmap
import os
import weakref
from typing import TYPE_CHECKING, Callable

from fwlint.ast import Rule, Ruleset, Span, Target
from fwlint.extensions import Registry, default_registry
from fwlint.nft import halves
from fwlint.nft.ahead import _flush_before_fork, _stop
from fwlint.nft.emitter import (
    CONNTRACK_MATCHES,
    NftTable,
    Options,
    Translation,
    Translator,
    _chains,
    _tables,
    chain_origins,
    finish_table,
    nft_chains,
)
from fwlint.nft.names import ChainNames

if TYPE_CHECKING:
    from fwlint.parse.save import CommandCache, Skeleton

PARSED_HERE = 0.5
"""The part of the rules (in output order) this process builds before the translation."""


class _NotPlain(Exception):
    """A rule line is not what the pre-pass took it for: the file is parsed whole."""


def translate_save(text: str, path: str, family: int | None, options: Options,
                   registry: Registry | None = None, on_rule: Callable[[int], None] | None = None,
                   on_count: Callable[[int], None] | None = None) -> tuple[Translation, Ruleset] | None:
    """The translation of the iptables-save text ``text`` (read as ``family``, else the file's
    own) into one table, parsed and translated by two processes; and the ruleset, in which the
    rules the child built are stand-ins (see :class:`_Work`).  None when the file is not for
    this path (small, not plain, --optimize, no second processor): parse it whole.
    ``on_count`` is told how many rules there are, once it is known; ``on_rule`` as the
    translation goes (fwlint.nft.emitter.Translator)."""
    if options.optimize or not options.parallel:
        return None
    from fwlint.parse import detect_family, no_gc

    with no_gc():
        try:
            return _translate(text, path, family if family is not None else detect_family(path, text),
                              options, registry or default_registry(), on_rule, on_count)
        except _NotPlain:
            return None


def _translate(text: str, path: str, family: int, options: Options, registry: Registry,
               on_rule: Callable[[int], None] | None, on_count: Callable[[int], None] | None
               ) -> tuple[Translation, Ruleset] | None:
    from fwlint.parse.save import CommandCache, build_rule, save_skeleton

    skeleton = save_skeleton(text, path, family)
    if skeleton is None:
        return None
    base = skeleton.ruleset
    order = [n for table in _tables(base) for chain in _chains(table) for n in chain.rules]
    total = len(order)
    if not halves.can_split(total):
        return None
    commands = CommandCache(registry, path, family)
    built: dict[int, Rule] = {}
    for table in base.tables:
        for n in table.undeclared_rules:
            rule = build_rule(commands, skeleton, n)  # type: ignore[arg-type]
            if rule is None:
                return None
            built[n] = rule  # type: ignore[index]
    if on_count is not None:
        on_count(sum(1 for _ in base.rules()))
    middle = int(total * PARSED_HERE)
    shared = mmap.mmap(-1, 16)
    cells = memoryview(shared).cast("q")  # as in fwlint.nft.halves
    cells[0], cells[1] = 0, total
    parent_reads, child_writes = os.pipe()
    child_reads, parent_writes = os.pipe()
    _flush_before_fork()
    pid = os.fork()
    if pid == 0:  # the child: the later part
        status = 1
        try:
            os.close(parent_reads)
            os.close(parent_writes)
            gc.disable()
            out = halves.Pipe(child_writes)
            inbox = halves.Pipe(child_reads)
            mine = _build_part(commands, skeleton, order, middle, total, base)
            out.send(mine[1] if mine is not None else None)
            if mine is not None:
                work = _Work(skeleton, commands, order, options, registry, None, family, (middle, total, mine[0]))
                theirs = inbox.recv()
                if theirs is not None:
                    work.complete(built, (0, middle, theirs))
                    work.translator.in_child = True
                    out.send(halves._child(work.translator, work.items, family, work.names, cells,
                                           work.rule_at))
                    out.close()
            status = 0
        except BaseException:  # noqa: BLE001, S110 - the translator does the child's part itself
            pass
        finally:
            os._exit(status)
    os.close(child_writes)
    os.close(child_reads)
    inbox = halves.Pipe(parent_reads)
    out = halves.Pipe(parent_writes)
    finalizer = weakref.finalize(inbox, _stop, pid, inbox)
    try:
        mine = _build_part(commands, skeleton, order, 0, middle, base)
        # what does not need the child's part is done while it builds the rest of it
        work = _Work(skeleton, commands, order, options, registry, on_rule, family, (0, middle, mine[0])) \
            if mine is not None else None
        try:
            theirs = inbox.recv()
        except (EOFError, OSError):
            theirs = None
        try:
            out.send(mine[1] if mine is not None and theirs is not None else None)
        except OSError:
            pass
        finally:
            out.close()
        if work is None or theirs is None:
            return None
        work.complete(built, (middle, total, theirs))
        translator = work.translator
        stop = halves._parent(translator, work.items, family, work.names, cells, work.rule_at, render=True)
        try:
            start, rendered, events = inbox.recv()
        except (EOFError, OSError):
            start, rendered, events = total, [], {}
        finalizer()
        halves._take(translator, work.items, family, work.names, stop, start, rendered, events,
                     work.rule_at)
        translator.rendered_as = translator.output_format
        translator.leftovers(work.ruleset)
    finally:
        out.close()
        finalizer()
        cells.release()
        shared.close()
    from fwlint.nft import unique_diagnostics

    table = NftTable(translator.table_family, options.table, work.chains, sources=(path,),
                     rendered_as=translator.rendered_as)
    finish_table(translator, table)
    unique = unique_diagnostics(translator.diagnostics)
    return (Translation([table], unique, translator.rules_read, sum(1 for d in unique if d.code == "FW601")),
            work.ruleset)


Part = tuple[list[Rule], tuple[list[str | None], bool]]


def _build_part(commands: CommandCache, skeleton: Skeleton, order: list[int], low: int, high: int,
                base: Ruleset) -> Part | None:
    """The rules of ``order[low:high]``, and what the other process needs of them (each one's
    target name; whether one has a conntrack match); None when one is not plain."""
    from fwlint.parse.save import build_rule

    rules: list[Rule] = []
    targets: list[str | None] = []
    for n in order[low:high]:
        rule = build_rule(commands, skeleton, n)
        if rule is None:
            return None
        rules.append(rule)
        target = rule.target
        targets.append(target.name if target is not None else None)
    # whether conntrack is in use is decided by a nat table alone, if there is one
    conntrack = not any(t.name == "nat" for t in base.tables) and any(
        m.name in CONNTRACK_MATCHES for rule in rules for m in rule.matches)
    return rules, (targets, conntrack)


class _Work:
    """One process's side of the translation: the translator, the names of the chains, and
    (:meth:`complete`, once the other process's part is known) the ruleset (its rules, the
    other's stand-ins) after the per-ruleset work, the work list, and how a stand-in is built."""

    def __init__(self, skeleton: Skeleton, commands: CommandCache, order: list[int], options: Options,
                 registry: Registry, on_rule: Callable[[int], None] | None, family: int,
                 own: tuple[int, int, list[Rule]]) -> None:
        self.translator = Translator(options, registry, "ip" if family == 4 else "ip6", on_rule)
        self.names = ChainNames()
        self.names.assign(chain_origins(skeleton.ruleset))  # the chains are known: their names too
        self.family = family
        self.skeleton = skeleton
        self.commands = commands
        self.order = order
        self.own = own
        self.built: list[Rule | None] = [None] * len(order)
        self.built[own[0]:own[1]] = own[2]

    def complete(self, undeclared: dict[int, Rule], other: tuple[int, int, tuple[list[str | None], bool]]
                 ) -> None:
        """The ruleset, the per-ruleset work and the work list, with what the other process
        said of its part."""
        from fwlint.parse.save import filled, rule_span

        skeleton, order = self.skeleton, self.order
        by_number: dict[int, Rule] = dict(undeclared)
        low, high, rules = self.own
        by_number.update(zip(order[low:high], rules))
        low, high, (names, conntrack) = other
        # The other process's rules, as the per-ruleset work sees them: a stand-in of its own
        # (its target, its span) for a rule whose target is a chain of its table (the call
        # graph, the loops of chains); one stand-in for all the others
        chain_names = {table.name: table.chain_names for table in skeleton.ruleset.tables}
        table_of = {}
        for table in skeleton.ruleset.tables:
            for chain in table.chains:
                table_of.update(dict.fromkeys(chain.rules, table.name))
        plain = Rule("", (), None, Span(skeleton.ruleset.path, 0, 0, 0, 0), "")
        for n, name in zip(order[low:high], names):
            if name is None or name not in chain_names[table_of[n]]:
                by_number[n] = plain
                continue
            span = rule_span(skeleton, n)
            by_number[n] = Rule(skeleton.chains[n], (), Target(name, (), span, span), span, "")
        self.ruleset = filled(skeleton.ruleset, by_number.__getitem__)
        self.translator.begin(self.ruleset, ahead=False)
        if conntrack:
            self.translator._conntrack[self.family] = True
        self.chains, self.items = nft_chains(self.ruleset, self.names)

    def rule_at(self, index: int) -> Rule:
        """The rule at ``index`` of the work list, built here if the other process built it."""
        rule = self.built[index]
        if rule is None:
            from fwlint.parse.save import build_rule

            rule = build_rule(self.commands, self.skeleton, self.order[index])
            if rule is None:
                raise _NotPlain
            stand_in = self.items[index][0]
            loops = self.translator._loops
            if id(stand_in) in loops:
                loops[id(rule)] = loops[id(stand_in)]
            self.built[index] = rule
        return rule


__all__ = ["PARSED_HERE", "translate_save"]
