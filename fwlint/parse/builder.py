"""From the words of one iptables command line to a command and its Rule.

Option lookup follows iptables (getopt_long over the merged option table):
an option belongs to iptables itself, else to the extension (match or target)
whose options were merged most recently and has it, going to that extension's
latest instance, or else to the match the protocol implies (``-p tcp --dport
22``).  Long options may be abbreviated to a prefix no other option shares.
Options nothing takes are kept in ``Rule.unclaimed``; nothing written is dropped.

getopt's other spellings are read as iptables reads them: ``--dport=22`` (a long
option with its value after ``=``), ``-mstate`` (a short option with its value
attached) and ``-4f`` (short options run together).  For ``-p``, ``-s``, ``-d``,
``-i``, ``-o`` and ``-j`` iptables 1.8.9 takes the whole word as the value
(``argv[optind-1]``, not getopt's ``optarg``), so ``-ptcp`` names the protocol
"-ptcp" and ``-ieth0`` the interface "-ieth0"; the option then keeps that whole
word as its value and as its written form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fwlint.ast import Match, Option, Rule, Span, Target, Word
from fwlint.extensions import Extension, OptionSpec, Registry
from fwlint.parse.commands import CORE_LONG, CORE_SHORT, CoreOption


@dataclass
class CommandLine:
    """One iptables command: what it does, to which chain, and the rule it carries."""

    command: str | None = None  # canonical long name: append, insert, new-chain, policy ...
    command_span: Span | None = None
    chain: str | None = None
    chain_span: Span | None = None
    args: list[Word] = field(default_factory=list)  # positions, policy, new name ...
    table: str | None = None
    family: int | None = None
    rule: Rule | None = None
    problems: list[tuple[str, Span]] = field(default_factory=list)
    # taken, but not as the line reads (-h: iptables prints its help and exits with success)
    warnings: list[tuple[str, Span]] = field(default_factory=list)
    # -w / -W: fine on a command line, refused by iptables-restore
    wait_options: list[Span] = field(default_factory=list)
    # -h / -V: iptables prints and exits there, with success: the line does nothing
    exits: bool = False


def _join(a: Span, b: Span) -> Span:
    return Span(a.file, a.line, a.column, b.end_line, b.end_column)


class _MatchBuilder:
    __slots__ = ("ext", "name", "span", "options", "implicit", "known")

    def __init__(self, ext: Extension | None, name: str, span: Span, implicit: bool = False) -> None:
        self.ext = ext
        self.name = name
        self.span = span
        self.options: list[Option] = []
        self.implicit = implicit
        self.known = ext is not None

    def freeze(self) -> Match:
        span = self.span
        if self.options:
            last = self.options[-1].span
            span = _join(span, last) if not self.implicit else _join(self.options[0].span, last)
        return Match(self.name, tuple(self.options), span, self.implicit, self.known)


def _take_values(words: list[Word], i: int, count: int) -> tuple[list[Word], int]:
    taken = words[i:i + count]
    return taken, i + len(taken)


def _guess_values(words: list[Word], i: int) -> tuple[list[Word], int]:
    """For an option nothing knows: the value words that follow it."""
    j = i
    while j < len(words) and words[j].kind in ("value", "attached"):
        j += 1
    return words[i:j], j


# Options whose value iptables 1.8.9 takes from the word that holds it rather than from
# getopt's optarg: given attached (-ptcp, --protocol=tcp), the value is the whole word.
_WHOLE_WORD_VALUE = frozenset({"protocol", "source", "destination", "in-interface", "out-interface",
                               "jump"})


def _short_takes_value(letter: str, registry: Registry) -> bool | None:
    """Whether the short option -LETTER takes a value (an optional one counts: getopt gives it
    the rest of the word); None when iptables has no such short option."""
    core = CORE_SHORT.get(letter)
    if core is not None:
        return bool(core.arity or core.optional)
    spec = registry.builtin.short_option(letter) if registry.builtin is not None else None
    if spec is not None:
        return spec.arity > 0
    return None


def _getopt_split(w: Word, registry: Registry) -> tuple[list[Word], int | None]:
    """What getopt_long makes of a word where it looks for an option: ``--name=value`` is
    ``--name`` with the value attached; ``-xVALUE`` is ``-x`` with VALUE attached when -x takes
    a value, else ``-x`` followed by the rest as more short options.  A value given that way
    has the kind "attached"; the second result is its index in the list (None: no value).
    (A word an option takes as its value is never split: getopt hands it over whole.)"""
    text = w.text
    if w.kind in ("bang", "attached") or not text.startswith("-") or len(text) < 2 or \
            (w.kind == "option" and (text.startswith("--") or len(text) == 2)):
        return [w], None
    span = w.span
    if text.startswith("--"):
        name, equals, value = text.partition("=")
        if not equals or len(name) == 2:
            return [Word(text, w.raw, span, "option")], None
        cut = w.raw.find("=")
        if cut == len(name):
            name_span = Span(span.file, span.line, span.column, span.line, span.column + cut)
            value_span = Span(span.file, span.line, span.column + cut + 1, span.end_line,
                              span.end_column)
        else:
            name_span = value_span = span
        return [Word(name, name, name_span, "option"),
                Word(value, w.raw[cut + 1:] if cut >= 0 else value, value_span, "attached")], 1
    out: list[Word] = []
    exact = w.raw == text
    for offset in range(1, len(text)):
        letter = text[offset]
        column = span.column + offset - 1 if exact else span.column
        out.append(Word("-" + letter, "-" + letter,
                        Span(span.file, span.line, column, span.line, column + 2) if exact else span,
                        "option"))
        rest = text[offset + 1:]
        if rest and _short_takes_value(letter, registry):
            rest_span = Span(span.file, span.line, column + 2, span.end_line, span.end_column) \
                if exact else span
            out.append(Word(rest, rest, rest_span, "attached"))
            return out, len(out) - 1
    return out, None


def build_command(words: list[Word], registry: Registry, line_span: Span, text: str,
                  counters=None, family: int | None = None) -> CommandLine:
    """Build the command a line of words spells; ``family`` (4 or 6, when the program reading
    the line is known) leaves the other family's options out of abbreviations, as that
    family's iptables has none of them."""
    cmd = CommandLine()
    words = list(words)
    attached_in: dict[int, Word] = {}  # index of a value given attached -> the word it was in
    builtin = _MatchBuilder(registry.builtin, "builtin", line_span, implicit=True)
    loaded: list[_MatchBuilder] = []  # -m matches in load order (and implied protocol matches)
    target: Extension | None = None
    target_name: str | None = None
    target_span: Span | None = None
    target_name_span: Span | None = None
    target_opts: list[Option] = []
    goto = False
    unclaimed: list[Option] = []
    negate: Word | None = None
    current_unknown: _MatchBuilder | None = None
    target_unknown = False
    protocol: str | None = None
    # Extensions in the order iptables merged their options into its getopt table (a match on
    # its first load, a target at -j): a later one's option of the same name shadows an earlier.
    merged: list[Extension] = []
    proto_used = False  # iptables loads the match a protocol implies once at most
    core_used: list[tuple[CoreOption, Word, list[Word]]] = []
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        if w.text == "--" and w.raw == "--":
            # getopt: the end of the options; iptables refuses any word after it
            if i + 1 < n:
                cmd.problems.append(("`--` ends the options: iptables refuses the words after it "
                                     "(unknown arguments)", w.span))
            break
        split, value_at = _getopt_split(w, registry)
        if len(split) > 1 or split[0] is not w:
            words[i:i + 1] = split
            n = len(words)
            if value_at is not None:
                attached_in[i + value_at] = w
            w = words[i]
        if w.kind == "bang":
            if negate is not None:
                cmd.problems.append(("two `!` in a row: only one may precede an option", w.span))
            negate = w
            i += 1
            continue
        if w.kind == "attached":
            # a value given with an option that takes none (--syn=1): getopt refuses it
            message = f"{words[i - 1].text} takes no value: iptables refuses {attached_in[i].text!r}"
            cmd.problems.append((message, attached_in[i].span))
            i += 1
            continue
        if w.kind == "value":
            cmd.problems.append((f"stray word {w.raw!r}: it follows no option that takes a value", w.span))
            unclaimed.append(Option("", (w.text,), False, w.span, w.raw, known=False, value_spans=(w.span,)))
            i += 1
            continue
        i += 1
        opt_text = w.text
        is_long = opt_text.startswith("--")
        key = opt_text[2:] if is_long else opt_text[1:]

        # 1. iptables' own options.
        core: CoreOption | None = None
        if is_long:
            core = CORE_LONG.get(key)
        elif len(key) == 1:
            core = CORE_SHORT.get(key)
        spec: OptionSpec | None = None
        owner: _MatchBuilder | None = None
        on_target = False
        if core is None:
            # 2. getopt_long over the merged table: an exact name (the built-in match's, then
            #    the most recently merged extension's), else a unique prefix of one of them.
            # (after -j naming no target fwlint knows, iptables' own options still count: to
            # iptables such a name is a chain, which brings no options)
            core_prefix = current_unknown is None
            if is_long:
                spec, owner, on_target, core = _find_long(key, builtin, loaded, target, merged,
                                                          core_prefix, family)
            else:
                spec = registry.builtin.short_option(key) if registry.builtin else None
                owner = builtin if spec else None
                if spec is None:
                    for mb in reversed(loaded):
                        if mb.ext is not None and (s := mb.ext.short_option(key)) is not None:
                            spec, owner = s, mb
                            break
            # 3. nothing has it: the match the protocol implies is loaded and getopt runs again.
            if spec is None and core is None and is_long and not proto_used:
                implied = registry.implied_match(protocol)
                if implied is not None and implied not in merged:
                    mb = _MatchBuilder(implied, implied.name, w.span, implicit=True)
                    s, found, _, _ = _find_long(key, builtin, [*loaded, mb], target,
                                                [*merged, implied], core_prefix, family)
                    if s is not None and found is mb:
                        loaded.append(mb)
                        merged.append(implied)
                        proto_used = True
                        spec, owner = s, mb
        if core is not None and _value_refused(core, words, i):
            # --ipv4=x, --version=1: getopt refuses the value before iptables acts on the
            # option (no family is chosen, nothing is printed); the value is reported next
            negate = None
            continue
        if core is not None:
            if core.name == "verbose" and any(c.name == "verbose" for c, _, _ in core_used):
                negate = None  # iptables 1.8.9 checks the `!` at the first -v only; later ones just count
            i, core_values = _core_option(core, w, words, i, cmd, negate)
            core_used.append((core, w, core_values))
            if core.name in ("help", "version"):
                negate = None
                cmd.exits = True
                break  # iptables prints and exits here: it reads nothing after
            if core.kind == "jump" and core_values and core_values[0].kind == "attached":
                original = attached_in[i - len(core_values)]
                core_values[0] = Word(original.text, original.raw, original.span, "value")
            name_word = core_values[0] if core_values else None
            if core.kind == "match":
                if name_word is not None:
                    ext = registry.match(name_word.text)
                    mb = _MatchBuilder(ext, name_word.text, _join(w.span, name_word.span))
                    loaded.append(mb)
                    if ext is not None and ext not in merged:
                        merged.append(ext)
                    current_unknown = None if ext is not None else mb
            elif core.kind in ("jump", "goto"):
                if name_word is not None:
                    if target_name is not None:
                        cmd.problems.append(("a rule has one target: -j/-g given twice", w.span))
                    target_name = name_word.text
                    target = registry.target(name_word.text)
                    if target is not None and target not in merged:
                        merged.append(target)
                    target_span = _join(w.span, name_word.span)
                    target_name_span = name_word.span
                    goto = core.kind == "goto"
                    target_unknown = target is None
                    current_unknown = None
            elif core.kind == "family":
                cmd.family = 4 if core.name == "ipv4" else 6
            elif core.kind == "table":
                if name_word is not None:
                    cmd.table = name_word.text
            negate = None
            continue

        neg = negate is not None
        negate_span = negate.span if negate is not None else None
        start_span = negate.span if negate is not None else w.span
        negate = None
        if spec is not None:
            values, i = _take_values(words, i, spec.arity)
            if values and values[0].kind == "attached" and owner is builtin and \
                    spec.name in _WHOLE_WORD_VALUE:
                # -ptcp, --protocol=tcp: iptables reads the whole word as the value
                original = attached_in[i - len(values)]
                values[0] = Word(original.text, original.raw, original.span, "value")
                opt_text = original.text
                start_span = original.span if negate_span is None else _join(negate_span, original.span)
            after = i - len(values) + 1  # the word after a `!` given as the first value
            if spec.arity and values and values[0].kind == "bang" and spec.invertible and \
                    after < n and words[after].kind == "value":
                # intrapositioned negation, `--dport ! 22`: iptables 1.4 took it with a warning,
                # 1.8.9 refuses it (it reads `!` as the value, and the word after is left over);
                # kept as the negation it meant, for the fix (FW503), and refused here.  (A `!`
                # followed by an option is just the value `!`: `-o ! -j ACCEPT` names the
                # interface "!".)
                bang = values[0]
                neg = True
                values, i = _take_values(words, i - len(values) + 1, spec.arity)
                shown = " ".join(v.text for v in values)
                cmd.problems.append(((f"`{opt_text} ! {shown}`: iptables 1.8.9 refuses a `!` after "
                                      f"the option (older versions took it); write ! {opt_text} {shown}"),
                                     bang.span))
            # Fewer values than the option takes (the line ends): kept as written; the
            # invalid-value rule (FW108) reports it.
            end = values[-1].span if values else w.span
            option = Option(spec.name, tuple(v.text for v in values), neg, _join(start_span, end),
                            opt_text, True, tuple(v.span for v in values))
            if on_target:
                target_opts.append(option)
            elif owner is not None:
                owner.options.append(option)
                if owner is builtin and spec.name == "protocol" and not neg and values:
                    protocol = values[0].text.lower()
            continue

        # Nothing takes this option: keep it where it was written.
        values, i = _guess_values(words, i)
        end = values[-1].span if values else w.span
        option = Option(key, tuple(v.text for v in values), neg, _join(start_span, end), opt_text,
                        False, tuple(v.span for v in values))
        if target_name is not None and target_unknown:
            target_opts.append(option)
        elif current_unknown is not None:
            current_unknown.options.append(option)
        else:
            unclaimed.append(option)

    if negate is not None:
        cmd.problems.append(("`!` at the end of the line inverts nothing", negate.span))
    _check_core_options(cmd, core_used, builtin, target_span)

    if cmd.command in ("append", "insert", "delete", "replace", "check") and not _delete_by_number(cmd):
        matches: list[Match] = []
        if builtin.options:
            matches.append(builtin.freeze())
        matches.extend(mb.freeze() for mb in loaded)
        tgt = None
        if target_name is not None:
            tspan = target_span
            if target_opts:
                tspan = _join(target_span, target_opts[-1].span)  # type: ignore[arg-type]
            tgt = Target(target_name, tuple(target_opts), tspan, target_name_span, goto)  # type: ignore[arg-type]
        position = None
        if cmd.command in ("insert", "replace") and cmd.args and cmd.args[0].text.isdigit():
            position = int(cmd.args[0].text)
        cmd.rule = Rule(
            chain=cmd.chain or "",
            matches=tuple(matches),
            target=tgt,
            span=line_span,
            text=text,
            command=cmd.command,
            position=position,
            counters=counters,
            family=cmd.family,
            unclaimed=tuple(unclaimed),
            chain_span=cmd.chain_span,
        )
    return cmd


# iptables' table of which options each command takes (commands_v_options in iptables 1.8.9):
# the rule options (-s -d -p -i -o -f -j/-g) go with these commands only, -c with these, and
# the listing flags with -L only.
_RULE_COMMANDS = frozenset({"append", "insert", "replace", "delete", "check"})
_COUNTER_COMMANDS = frozenset({"append", "insert", "replace", "policy"})
_LISTING_FLAGS = frozenset({"numeric", "exact", "line-numbers"})
# what sscanf("%llu") reads as a number: blanks, a sign, a digit
_COUNTER = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]")


def _check_core_options(cmd: CommandLine, core_used: list[tuple[CoreOption, Word, list[Word]]],
                        builtin: _MatchBuilder, target_span: Span | None) -> None:
    if cmd.command is None:
        return
    short = next((o.short for o in CORE_LONG.values() if o.name == cmd.command), None)
    command = f"-{short}" if short else f"--{cmd.command}"
    rule_options = cmd.command in _RULE_COMMANDS and not _delete_by_number(cmd)
    if not rule_options:
        for opt in builtin.options:
            cmd.problems.append((f"{opt.written}: iptables refuses it with {command} (Illegal option)",
                                 opt.span))
        if target_span is not None:
            cmd.problems.append((f"-j/-g: iptables refuses a target with {command} (Illegal option)",
                                 target_span))
    counters = 0
    for core, word, values in core_used:
        if core.name in _LISTING_FLAGS and cmd.command != "list":
            cmd.problems.append((f"{word.text} is for listing (-L): iptables refuses it with {command}",
                                 word.span))
        elif core.name in ("help", "version"):
            what = "help" if core.name == "help" else "version"
            cmd.warnings.append(((f"{word.text}: iptables prints its {what} and exits there, with "
                                  "success: nothing of this line is applied (iptables-restore: nor "
                                  "anything after it)"), word.span))
        elif core.kind == "wait":
            cmd.wait_options.append(word.span)
        elif core.kind == "counters":
            counters += 1
            if counters > 1:
                cmd.problems.append(("multiple -c flags not allowed", word.span))
            elif cmd.command not in _COUNTER_COMMANDS:
                refused = f"{word.text}: iptables refuses counters with {command} (Illegal option)"
                cmd.problems.append((refused, word.span))
            if len(values) > 1 and values[1].text[:1] in ("-", "!"):
                # iptables takes the byte counter from the next word only if it does not start
                # with - or !
                cmd.problems.append(((f"{word.text} requires packet and byte counter: iptables does "
                                      f"not take {values[1].text!r} as one"), values[1].span))
                continue
            for what, text, span in _counter_values(values):
                if not _COUNTER.match(text):
                    cmd.problems.append((f"{word.text}: the {what} counter {text!r} is not a number", span))


def _counter_values(values: list[Word]) -> list[tuple[str, str, Span]]:
    """The packet and byte counters of -c as iptables 1.8.9 reads them: ``-c PKTS BYTES``, or
    ``-c PKTS,BYTES`` in one word when a comma follows its first character (the byte counter is
    what follows that comma; the next word is then left to be read as an option, or refused as a
    stray argument).  Each is read with sscanf("%llu"): the number at its start."""
    if len(values) != 1 or "," not in values[0].text[1:]:
        return [(what, v.text, v.span) for what, v in zip(("packet", "byte"), values)]
    word = values[0]
    cut = word.text.index(",", 1) + 1
    span = word.span
    if word.raw == word.text and span.line == span.end_line:
        span = Span(span.file, span.line, span.column + cut, span.end_line, span.end_column)
    return [("packet", word.text, word.span), ("byte", word.text[cut:], span)]


def _delete_by_number(cmd: CommandLine) -> bool:
    return cmd.command == "delete" and bool(cmd.args) and cmd.args[0].text.isdigit()


def _find_long(key: str, builtin: _MatchBuilder, loaded: list[_MatchBuilder],
               target: Extension | None, merged: list[Extension], core_prefix: bool,
               family: int | None = None
               ) -> tuple[OptionSpec | None, _MatchBuilder | None, bool, CoreOption | None]:
    """What getopt_long makes of ``--key`` (iptables' own exact names are looked up before):
    an exact name of the built-in match, else of the most recently merged extension that has
    it; else the one option (or iptables' own option, when ``core_prefix``) it is a prefix of.
    Two different options with that prefix make it ambiguous: nothing; an option of the other
    family than ``family`` is no candidate.  An extension's option goes to its latest instance (`-m tcp --dport 1 -m tcp --dport 2` is two tcp matches)."""
    def owned(ext: Extension, spec: OptionSpec
              ) -> tuple[OptionSpec | None, _MatchBuilder | None, bool, CoreOption | None]:
        if ext is builtin.ext:
            return spec, builtin, False, None
        if ext is target:
            return spec, None, True, None
        for mb in reversed(loaded):
            if mb.ext is ext:
                return spec, mb, False, None
        return None, None, False, None

    extensions = [builtin.ext] if builtin.ext is not None else []
    extensions.extend(reversed(merged))
    for ext in extensions:
        if (s := ext.option(key)) is not None:
            return owned(ext, s)
    if not key:
        return None, None, False, None
    hits: dict[int, tuple[Extension | None, OptionSpec | CoreOption]] = {}
    if core_prefix:
        for name, core in CORE_LONG.items():
            if name.startswith(key):
                hits.setdefault(id(core), (None, core))
    for ext in extensions:
        for name, spec in ext.long_names():
            if name.startswith(key) and (family is None or spec.family in (None, family)):
                hits.setdefault(id(spec), (ext, spec))
    if len(hits) != 1:
        return None, None, False, None
    ext, found = next(iter(hits.values()))
    if ext is None:
        return None, None, False, found  # type: ignore[return-value]
    return owned(ext, found)  # type: ignore[arg-type]


def _value_refused(core: CoreOption, words: list[Word], i: int) -> bool:
    """An option of iptables' own that takes no value given one attached (``--ipv4=x``): getopt
    refuses it.  -h is declared with an optional value (``h::``): ``--help=x`` is taken."""
    return not core.arity and not core.optional and core.name != "help" and i < len(words) and \
        words[i].kind == "attached"


# iptables 1.8.9 lets `!` stand before these and forgets it (checked: `! -4`, `! -M x`, `! -h`)
_BANG_IGNORED = frozenset({"ipv4", "ipv6", "modprobe", "help", "version"})


def _core_option(core: CoreOption, w: Word, words: list[Word], i: int, cmd: CommandLine,
                 negate: Word | None) -> tuple[int, list[Word]]:
    if negate is not None and core.name not in _BANG_IGNORED:
        cmd.problems.append((f"{w.text} cannot be inverted with `!`", negate.span))
    count = core.arity
    if core.kind == "counters" and i < len(words) and "," in words[i].text[1:]:
        count = 1  # -c PKTS,BYTES: a comma after the first character ends the packet counter
    values, i = _take_values(words, i, count)
    if len(values) < count:
        cmd.problems.append((f"option {w.text} needs {core.arity} value(s)", w.span))
    for _ in range(core.optional):
        if i < len(words) and (words[i].kind == "attached" or words[i].kind == "value" and (
                words[i].text.isdigit() or (core.kind == "command" and not values))):
            values.append(words[i])
            i += 1
    if core.kind == "command":
        if cmd.command is not None:
            cmd.problems.append((f"only one command per line: {w.text} after an earlier command",
                                 w.span))
        cmd.command = core.name
        cmd.command_span = w.span
        if values:
            cmd.chain = values[0].text
            cmd.chain_span = values[0].span
            cmd.args.extend(values[1:])
    return i, values
