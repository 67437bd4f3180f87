"""A big translation shared by two processes: each takes a part of the rule list.

Each rule's translation (the validity pass that says whether iptables refuses it, then its nft
form) depends on the rule, its table and chain and facts worked out once per ruleset before the
rules; it does not depend on the rules before it, except through what the translator declares
for the whole table (named sets, meters, limits, ct helpers, the ipsets used: their names depend
on which rules came first).  So after the per-ruleset work, a child is forked with everything in
memory (nothing is copied or pickled but results).  The translator (this process) goes through
the rules from the first; the child takes chunks from the last backwards, claiming each chunk in
memory both processes share before it starts it, and stops when the two meet.  The child
renders the rules it translated (block syntax or JSON text, whichever the output is) and sends
the texts back with what it found (FW601/FW602 findings), in one message when it stops; the
translator then appends those in rule order, as if it had done them itself.

A rule that would declare or look up something table-wide is not done in the child: it stops
that rule at the first such step (before anything changes) and the translator does it, in its
place in the order.  A rule both processes did (they can meet in the middle of a claim) is
taken from the translator.  If the child fails, the translator does its part too: nothing is
lost but the help.  Either way the findings, the names and the output are those of a
translation in one process, byte for byte.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import mmap
import os
import pickle
import weakref
from typing import TYPE_CHECKING, Any, Callable

from fwlint.ast import Chain, Rule, Table
from fwlint.nft.ahead import _flush_before_fork, _processors, _stop
from fwlint.nft.expr import NftRule

if TYPE_CHECKING:
    from fwlint.nft.emitter import NftChain, Translator
    from fwlint.nft.names import ChainNames

# _take makes NftRules with their fields in this order (positional arguments: half the time)
assert [f.name for f in dataclasses.fields(NftRule)] == [
    "parts", "actions", "comment", "counters", "counter", "source", "spans", "family", "note", "text_only",
    "comments_by_element", "rendered"], "fwlint.nft.halves._take: NftRule's fields changed"

SPLIT_FROM = 2000
"""Rules in a ruleset from which a second process takes part (forking costs some milliseconds)."""

_CHUNK = 256  # rules the child claims at a time, at most
_SMALLEST_CHUNK = 16
_MARGIN = 8  # rules ahead of the translator the child never claims

Work = tuple[Rule, Table, Chain, "NftChain"]
RuleAt = Callable[[int], Rule]
"""The rule to translate for a place of the work list, where it holds a stand-in
(fwlint.nft.split: a rule the other process built)."""


class Pipe:
    """One end of a pipe carrying pickled objects (what multiprocessing.connection.Connection
    does, without importing multiprocessing at start): each a length, then its bytes."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, obj: Any) -> None:
        data = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
        view = memoryview(len(data).to_bytes(8, "little") + data)
        while view:
            view = view[os.write(self.fd, view):]

    def recv(self) -> Any:
        size = int.from_bytes(self._read(8), "little")
        return pickle.loads(self._read(size))

    def _read(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = os.read(self.fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError("the other process closed the pipe")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)


class SharedState(BaseException):
    """Raised in the child when a rule would declare or look up a table-wide object: the
    translator does that rule itself.  A BaseException, so that no handler of a bug in an nft
    form takes it for one."""


def can_split(rules: int) -> bool:
    """Whether a translation of ``rules`` rules is worth a second process here."""
    return rules >= SPLIT_FROM and hasattr(os, "fork") and _processors() >= 2


def translate_split(translator: Translator, work: list[Work], family: int, names: ChainNames) -> None:
    """Translate the rules of ``work`` into their nft chains (as translating them one after the
    other in this process would), the later part in a forked child."""
    total = len(work)
    shared = mmap.mmap(-1, 16)
    # [0]: where the translator is, [1]: where the child's part begins.  Each is read and written
    # as one aligned 8-byte word through this view: struct.pack_into would clear the bytes before
    # writing them, and the other process, reading then, would see 0 (the translator stopping
    # at once and leaving the rest to the child)
    cells = memoryview(shared).cast("q")
    cells[0], cells[1] = 0, total
    read_fd, write_fd = os.pipe()
    _flush_before_fork()
    pid = os.fork()
    if pid == 0:  # the child: translate from the end, send, leave without running exit handlers
        status = 1
        try:
            os.close(read_fd)
            gc.disable()
            translator.on_rule = None
            translator.in_child = True
            results = _child(translator, work, family, names, cells)
            conn = Pipe(write_fd)
            conn.send(results)
            conn.close()
            status = 0
        except BaseException:  # noqa: BLE001, S110 - the translator does the child's part itself
            pass
        finally:
            os._exit(status)
    os.close(write_fd)
    conn = Pipe(read_fd)
    finalizer = weakref.finalize(conn, _stop, pid, conn)
    try:
        stop = _parent(translator, work, family, names, cells)
        try:
            start, rendered, events = conn.recv()
        except (EOFError, OSError):
            start, rendered, events = total, [], {}
        finalizer()
        _take(translator, work, family, names, stop, start, rendered, events)
    finally:
        finalizer()
        cells.release()
        shared.close()


def _parent(translator: Translator, work: list[Work], family: int, names: ChainNames,
            cells: memoryview, rule_at: RuleAt | None = None, render: bool = False) -> int:
    """Translate from the first rule until the child's part; return where it begins.
    ``render``: render each rule as the child does (the work shared evenly includes it), unless
    it declares or looks up something table-wide (then the output renders it)."""
    renderer = _renderer(translator) if render else None
    index = 0
    while True:
        cells[0] = index
        if index >= cells[1]:
            return index
        rule, table, chain, nft_chain = work[index]
        if rule_at is not None:
            rule = rule_at(index)
        if renderer is None:
            nft_chain.rules.extend(translator.translate_rule(rule, family, table, chain, names))
        else:
            shared_before = translator.table_wide
            nft_rules = translator.translate_rule(rule, family, table, chain, names)
            if translator.table_wide == shared_before:
                for nft_rule in nft_rules:
                    nft_rule.rendered = renderer(nft_rule, nft_chain)
            nft_chain.rules.extend(nft_rules)
        index += 1


def _child(translator: Translator, work: list[Work], family: int, names: ChainNames,
           cells: memoryview, rule_at: RuleAt | None = None) -> tuple[int, list, dict]:
    """Translate chunks from the last rule backwards while the translator is far enough away:
    (where the part begins, each rule's rendered nft rules from there, or None where the
    translator must do the rule; the findings of the rules that have some, by index)."""
    render = _renderer(translator)
    low = len(work)
    chunks: list[list] = []
    events: dict[int, tuple] = {}
    failures, notes, diagnostics = translator.failures, translator.notes, translator.diagnostics
    while True:
        at = cells[0]
        size = max(_SMALLEST_CHUNK, min(_CHUNK, (low - at) // 4))
        start = max(low - size, at + _MARGIN)
        if start >= low:
            break
        cells[1] = start
        chunk: list = []
        for index in range(start, low):
            rule, table, chain, nft_chain = work[index]
            if rule_at is not None:
                rule = rule_at(index)
            marks = (len(failures), len(notes), len(diagnostics), translator.untranslated)
            try:
                nft_rules = translator.translate_rule(rule, family, table, chain, names)
            except SharedState:
                chunk.append(None)
                del failures[marks[0]:], notes[marks[1]:], diagnostics[marks[2]:]
                translator.untranslated = marks[3]
                continue
            chunk.append(tuple(render(r, nft_chain) for r in nft_rules))
            if len(failures) != marks[0] or len(notes) != marks[1] or len(diagnostics) != marks[2] \
                    or translator.untranslated != marks[3]:
                events[index] = ([err for _, err in failures[marks[0]:]],
                                 [note for _, note in notes[marks[1]:]],
                                 diagnostics[marks[2]:], translator.untranslated - marks[3])
        chunks.append(chunk)
        low = start
    rendered = [item for chunk in reversed(chunks) for item in chunk]
    return low, rendered, events


def _renderer(translator: Translator):
    """A function rendering one nft rule of a chain as the output will hold it: for the block
    syntax its line (a tuple of comment lines for a rule kept as a comment), for JSON the text
    of its command (an empty tuple for a rule kept as a comment, which JSON leaves out)."""
    from fwlint.nft.render import commented_lines, rule_json, rule_text

    if translator.output_format == "json":
        family, table = translator.table_family, translator.options.table

        def render_json(rule: NftRule, nft_chain: NftChain) -> Any:
            if rule.text_only:
                return ()
            return json.dumps(rule_json(rule, family, table, nft_chain.name), ensure_ascii=False)
        return render_json

    def render_text(rule: NftRule, nft_chain: NftChain) -> Any:
        if rule.text_only:
            return tuple(commented_lines(rule))
        return rule_text(rule)
    return render_text


def _take(translator: Translator, work: list[Work], family: int, names: ChainNames, stop: int,
          start: int, rendered: list, events: dict, rule_at: RuleAt | None = None) -> None:
    """Append the rules from ``stop`` on: the child's where it has them, else translated here."""
    on_rule = translator.on_rule
    for index in range(stop, len(work)):
        rule, table, chain, nft_chain = work[index]
        done = rendered[index - start] if index >= start else None
        if done is None:
            if rule_at is not None:
                rule = rule_at(index)
            nft_chain.rules.extend(translator.translate_rule(rule, family, table, chain, names))
            continue
        translator.rules_read += 1
        if on_rule is not None and translator.rules_read % 256 == 0:
            on_rule(translator.rules_read)
        found = events.get(index)
        if found is not None:
            errors, notes, diagnostics, untranslated = found
            translator.failures.extend((rule, err) for err in errors)
            translator.notes.extend((rule, note) for note in notes)
            translator.diagnostics.extend(diagnostics)
            translator.untranslated += untranslated
        spans = (rule.span,)
        for item in done:  # NftRule(parts, actions, source=, spans=, text_only=, rendered=)
            nft_chain.rules.append(NftRule([], [], None, None, False, rule, spans, None, None,
                                           not isinstance(item, str), (), item))
