"""``fwlint translate rules.v4 [rules.v6] [-o rules.nft]``: iptables rulesets to nftables.

Sources are iptables-save files or firewall scripts (scripts are replayed as ``fwlint convert``
replays them: what iptables refuses is left out, and said).  Each family gets a table of its own
(``table ip fwlint``, ``table ip6 fwlint``), or with ``--family inet`` one inet table for both.

Every rule nftables cannot express is reported (FW601, an error) and every approximation
(FW602, a warning), on standard error.  Without ``--allow-partial`` a translation with an FW601
finding writes nothing; with it, each such rule is written as a comment carrying its iptables
text.  A script's commands iptables refuses are another matter: the script builds no such
rule, so the translation of what it builds leaves them out and is written even without
``--allow-partial``; each is an FW601 finding and listed in the output's header.  The exit
status is 1 whenever a rule was not translated or a command left out, or a source holds no
table (an empty file: its empty table, which would delete an earlier translation when loaded, is
not written; a file that is not text is one finding), 0 when every rule was translated (an approximation is a warning, not a failure), 2 for usage errors.  The output
file is replaced in one rename.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field
from typing import Sequence, TextIO

from fwlint.ast import Ruleset, Span
from fwlint.check import UsageError, not_text
from fwlint.lint.diagnostic import Diagnostic, Severity
from fwlint.nft import TranslateError, translate
from fwlint.nft.emitter import Options, Translation
from fwlint.nft.names import is_identifier
from fwlint.progress import progress

FAMILIES = ("4", "6", "inet")
IPTABLES_NFT_TABLES = frozenset({"filter", "nat", "mangle", "raw", "security"})
"""The ip and ip6 tables iptables-nft manages: --table refuses them (an inet table of those names
is nobody's but the user's: Debian's /etc/nftables.conf writes ``table inet filter``)."""
FORMATS = ("nft", "json")

KEEP_FROM = 10000
KEPT: list = []
"""What a translation of ``KEEP_FROM`` rules or more leaves (the AST, the nft rules: millions of
objects), kept to the end of the process instead of freed one by one (a quarter of a second for
50,000 rules): the console script then leaves without freeing them (fwlint.cli.entry)."""


def _read(source: str, stdin_used: list[bool]) -> tuple[str, str]:
    from fwlint.parse import read_source

    if source == "-":
        if stdin_used[0]:
            raise UsageError("standard input (-) can be given once")
        stdin_used[0] = True
        return sys.stdin.read(), "-"
    if not os.path.exists(source):
        raise UsageError(f"{source}: no such file or directory")
    if os.path.isdir(source):
        raise UsageError(f"{source}: is a directory; translate takes ruleset files")
    try:
        return read_source(source), source
    except OSError as exc:
        raise UsageError(f"{source}: cannot read: {exc.strerror or exc}") from None


@dataclass
class Loaded:
    """The rulesets of the sources, and what the sources hold that no ruleset does: the commands
    of a script that iptables refuses (left out of what the script builds), as FW601 findings
    and the commands' text."""

    rulesets: list[Ruleset] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # where, command text


def load_rulesets(sources: Sequence[str], family: int | None, source_format: str = "auto",
                  stderr: TextIO | None = None) -> list[Ruleset]:
    """The rulesets of the sources (see :func:`load_sources`)."""
    return load_sources(sources, family, source_format, stderr).rulesets


def load_sources(sources: Sequence[str], family: int | None, source_format: str = "auto",
                 stderr: TextIO | None = None) -> Loaded:
    """The rulesets of the sources: a save file gives its family's (both with -4/-6 lines), a
    script those of the families it changes, replayed as ``fwlint convert`` replays it;
    ``family`` reads save files as that family and keeps only that family of a script."""
    from fwlint.parse import parse_text
    from fwlint.parse import source_format as detect

    stderr = stderr or sys.stderr
    loaded = Loaded()
    stdin_used = [False]
    for source in sources:
        text, name = _read(source, stdin_used)
        reason = not_text(text)
        if reason is not None:  # one finding, not one for every line of bytes (as fwlint check)
            loaded.diagnostics.append(Diagnostic("FW601", "untranslatable", reason, Severity.ERROR,
                                                 Span(name, 1, 1, 1, 1)))
            continue
        if detect(name, text, source_format) != "script":
            loaded.rulesets.extend(parse_text(text, name, family, source_format_name="save"))
            continue
        from fwlint.emit.convert import convert_text

        conversion = convert_text(text, name, "script")
        found = [conversion.rulesets[f] for f in sorted(conversion.rulesets)
                 if f in conversion.families or len(conversion.rulesets) == 1]
        if family is not None:
            found = [rs for rs in found if rs.family == family]
        loaded.rulesets.extend(found)
        for ruleset in found:
            for step in ruleset.script.steps if ruleset.script else ():
                if step.refused and step.rule is not None and step.command in ("append", "insert", "replace"):
                    loaded.diagnostics.append(Diagnostic(
                        "FW601", "untranslatable", f"iptables refuses this command, so the script "
                        f"builds no such rule: {step.refused}", Severity.ERROR, step.span))
                    loaded.left_out.append((f"{step.span.file}:{step.span.line}", step.rule.text))
            for note in ruleset.script.notes if ruleset.script else ():
                if note.kind == "input-not-read":
                    loaded.diagnostics.append(Diagnostic("FW601", "untranslatable", note.message,
                                                         Severity.ERROR, note.span))
        for message in conversion.messages:
            if "left out, iptables refuses" in message or "cannot read" in message:
                continue  # findings above
            print(f"fwlint: {message}", file=stderr)
    return loaded


SPLIT_BYTES = 100_000
"""Size of a save file from which its parse may be shared by two processes (fwlint.nft.split)."""


def _translate_big(source: str, family: str | None, source_format: str,
                   options: Options) -> tuple[Loaded, Translation] | None:
    """A big save file parsed and translated by two processes (fwlint.nft.split), or None
    when it is not for that path."""
    from fwlint.nft.split import translate_save
    from fwlint.parse import source_format as detect

    try:
        if source == "-" or os.path.getsize(source) < SPLIT_BYTES:
            return None
    except OSError:
        return None  # said when it is read
    text, name = _read(source, [False])
    if detect(name, text, source_format) == "script" or not_text(text) is not None:
        return None
    with contextlib.ExitStack() as stack:
        bars = []

        def count(total: int) -> None:  # the bar starts once the rules are counted, as for a whole parse
            bars.append(stack.enter_context(progress("Translating", total=total if total > 2048 else None,
                                                     unit="rules")))

        done = translate_save(text, name, int(family) if family in ("4", "6") else None, options,
                              on_rule=lambda n: bars[0].advance(256), on_count=count)
    if done is None:
        return None
    translation, ruleset = done
    return Loaded([ruleset]), translation


def refused_source_lines(rulesets: Sequence[Ruleset]) -> list[tuple[str, str]]:
    """The lines of the sources that are in no chain of the translation, each with its text
    (a table without COMMIT: what is said of it), for the output's header: lines iptables-restore
    refuses and rules of chains never declared (FW601 findings)."""
    from fwlint.nft.emitter import _tables, problem_message, uncommitted

    found: list[tuple[Span, str]] = []
    for ruleset in rulesets:
        lines = ruleset.source.splitlines() if ruleset.source else []
        for problem in ruleset.problems:
            if problem.warning:
                continue  # iptables-restore takes the line; so does the translation (FW602)
            line = problem.span.line
            if uncommitted(ruleset, problem) or not 1 <= line <= len(lines):
                found.append((problem.span, problem_message(ruleset, problem)))
            else:
                found.append((problem.span, lines[line - 1]))
        for table in _tables(ruleset):
            found.extend((rule.span, rule.text) for rule in table.undeclared_rules)
    found.sort(key=lambda item: (item[0].file, item[0].line, item[0].column))
    return [(f"{span.file}:{span.line}", text) for span, text in found]


def write_output(path: str, text: str) -> None:
    """Write ``text`` to ``path`` in one rename."""
    from fwlint.check import write_atomically

    write_atomically(path, text)


def translate_command(sources: Sequence[str], output: str | None = None, *, output_format: str = "nft",
                      family: str | None = None, table: str = "fwlint", optimize: bool = False,
                      counters: bool = False, allow_partial: bool = False,
                      ipset_files: Sequence[str] = (), resolve: bool = False,
                      source_format: str = "auto", quiet: bool = False,
                      stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`fwlint translate`: see the module's documentation."""
    from fwlint.nft.render import to_json, to_text
    from fwlint.report.text import format_line

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if not 1 <= len(sources) <= 2:
        raise UsageError("translate takes one or two rulesets (an IPv4 and an IPv6 one)")
    if family is not None and family not in FAMILIES:
        raise UsageError(f"--family {family}: expected 4, 6 or inet")
    if output_format not in FORMATS:
        raise UsageError(f"--format {output_format}: expected nft or json")
    if not is_identifier(table):
        raise UsageError(f"--table {table}: not a name nft takes (letters, digits, _ . - /, not a "
                         "keyword)")
    if table in IPTABLES_NFT_TABLES and family != "inet":
        raise UsageError(f"--table {table}: ip {table} and ip6 {table} are iptables-nft's tables (Docker's "
                         f"rules live there too), and the output begins with `delete table "
                         f"ip {table}`: choose another name (the default is fwlint), or --family inet")
    ipsets = {}
    if ipset_files:
        from fwlint.nft.ipset import IpsetError, read_ipset_file

        for path in ipset_files:
            try:
                ipsets.update(read_ipset_file(path))
            except IpsetError as err:
                raise UsageError(str(err)) from None
            except OSError as exc:
                raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    options = Options(table=table, output_format=output_format, counters=counters, optimize=optimize,
                      allow_partial=allow_partial, resolve=resolve, ipsets=ipsets, parallel=True)
    big = _translate_big(sources[0], family, source_format, options) \
        if len(sources) == 1 and family != "inet" and not optimize else None
    if big is not None:
        loaded, result = big
    else:
        loaded = load_sources(sources, int(family) if family in ("4", "6") else None, source_format, stderr)
        if not loaded.rulesets:
            if loaded.diagnostics:  # no source is a text file
                for d in loaded.diagnostics:
                    stderr.write(format_line(d) + "\n")
                return 1
            raise UsageError(f"no IPv{family} rules in {', '.join(sources)}")
        total = sum(1 for rs in loaded.rulesets for _ in rs.rules())
        with progress("Translating", total=total if total > 2048 else None, unit="rules") as bar:
            try:
                result = translate(loaded.rulesets, options, "inet" if family == "inet" else None,
                                   on_rule=lambda n: bar.advance(256))
            except TranslateError as err:
                raise UsageError(str(err)) from None
    rulesets = loaded.rulesets
    diagnostics = sorted([*loaded.diagnostics, *result.diagnostics], key=lambda d: d.sort_key)
    # a script's commands iptables refuses build nothing: the translation of what the script
    # builds leaves them out (written without --allow-partial too); each is listed, exit status 1
    refused = len(loaded.left_out)
    untranslated = result.untranslated + sum(1 for d in loaded.diagnostics if d.code == "FW601") - refused
    for d in diagnostics:
        stderr.write(format_line(d) + "\n")
    written = not untranslated or allow_partial
    # a source with no table (an empty file, a save file read as a script) would make an empty
    # table, whose loading deletes an earlier translation: said, left out, exit status 1
    from fwlint.nft.emitter import _tables

    empty = [rs for rs in rulesets if not _tables(rs)]
    for rs in empty:
        what = "read as a script, it runs no iptables command" if rs.script is not None else \
            "it holds no table iptables-restore applies (*filter ... COMMIT)"
        print(f"fwlint: {rs.path or '-'}: {what}: no IPv{rs.family} table translated", file=stderr)
    empty_tables = " and ".join(f"table {t.family} {t.name}" for t in result.tables)
    if empty and family != "inet":
        gone = {"ip" if rs.family == 4 else "ip6" for rs in empty}
        result.tables = [t for t in result.tables if t.family not in gone]
    nothing = bool(empty) and (len(empty) == len(rulesets) or not result.tables)
    if nothing:
        written = False
    if refused and not quiet:
        print(f"fwlint: {refused} command{'s' if refused != 1 else ''} of the script left out: iptables "
              f"refuses {'them' if refused != 1 else 'it'}, so the script builds no such rule", file=stderr)
    if untranslated and not quiet:
        count = untranslated
        what = f"{count} rule{'s' if count != 1 else ''} or line{'s' if count != 1 else ''}"
        if allow_partial and nothing:
            print(f"fwlint: {what} not translated (FW601)", file=stderr)
        elif allow_partial:
            print(f"fwlint: {what} not translated (FW601): each is a comment in the output"
                  + (" (the JSON leaves them out)" if output_format == "json" else ""), file=stderr)
        else:
            print(f"fwlint: {what} not translated (FW601): nothing written (--allow-partial writes "
                  "the rest, each of them as a comment)", file=stderr)
    if nothing and (allow_partial or not untranslated):
        print(f"fwlint: nothing written: the empty {empty_tables} would delete an earlier translation "
              "when loaded", file=stderr)
    if written:
        names = " and ".join(dict.fromkeys(rs.path for rs in rulesets if rs.path)) or "-"
        header = f"Translated by fwlint from {names}"
        if loaded.left_out:
            header += "\nLeft out: what iptables refuses, so the script builds no such rule"
            for where, text in loaded.left_out:
                header += f"\n{where}: {text}"
        refused_lines = refused_source_lines(rulesets)
        if refused_lines:
            header += "\nNot translated (FW601): lines iptables-restore refuses, and rules of chains never declared"
            for where, text in refused_lines:
                header += f"\n{where}: {text}"
        if output_format == "json":
            body = to_json(result.tables)
        else:
            body = to_text(result.tables, header)
        try:
            if output is None or output == "-":
                stdout.write(body)
            else:
                write_output(output, body)
        except OSError as exc:
            where = "standard output" if output is None or output == "-" else output
            raise UsageError(f"cannot write {where}: {exc.strerror or exc}") from None
    if result.rules >= KEEP_FROM:
        KEPT.append((loaded, result))
    return 1 if untranslated or refused or empty else 0
