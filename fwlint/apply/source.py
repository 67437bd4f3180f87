"""The input of ``fwlint apply``, made ready to load: an nft file as it is, or iptables rulesets
linted and translated, with a way back from each line of what is loaded to the user's line.

An iptables ruleset (an iptables-save file or a firewall script, as ``fwlint check`` and
``fwlint translate`` read them) goes through the same lint as ``fwlint check`` (its
configuration too) and the same translation as ``fwlint translate``.  Any FW1xx error or FW601
stops it: a rule iptables refuses, or one nftables cannot express, would leave the kernel with
a ruleset that is not the user's.  Other error-severity findings stop it unless ``--force``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fwlint.apply.nftfile import NftFile, NftFileError, read_nft
from fwlint.ast import Ruleset
from fwlint.check import UsageError, not_text
from fwlint.lint.diagnostic import Diagnostic, Severity

NFT_FIRST_WORDS = frozenset({"table", "flush", "add", "create", "insert", "delete", "destroy", "define",
                             "redefine", "undefine", "include", "list", "reset", "rename", "replace"})
"""Words an nft file's first command starts with (no iptables-save line or shell command does)."""


class SourceError(Exception):
    """The input cannot be applied; ``lines`` say why (each a finding or a message)."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


@dataclass
class Prepared:
    """What apply loads: ``text`` (nft's block syntax, without apply's own first commands), the
    tables it names, and where each of its lines comes from."""

    kind: str  # "nft" or "iptables"
    paths: list[str]
    text: str
    nft: NftFile
    rulesets: list[Ruleset] = field(default_factory=list)  # iptables input
    origins: list[Any] = field(default_factory=list)  # iptables input: the rule of each line of text
    overridden: list[Diagnostic] = field(default_factory=list)  # error findings --force let through
    notes: list[str] = field(default_factory=list)

    def where(self, line: int) -> tuple[str, str | None]:
        """``file:line[:column]`` of the user's text behind ``line`` of :attr:`text`, and the
        user's text there (None when the line is the translation's own, such as a chain header)."""
        if self.kind == "nft":
            lines = self.text.splitlines()
            shown = lines[line - 1] if 0 < line <= len(lines) else None
            return f"{self.paths[0]}:{line}", shown
        rule = self.origins[line - 1] if 0 < line <= len(self.origins) else None
        if rule is None:
            return f"{' and '.join(self.paths)} (the translation's line {line})", None
        return f"{rule.span.file}:{rule.span.line}:{rule.span.column}", rule.text


def looks_like_nft(path: str, text: str) -> bool:
    """An nft file: named ``*.nft``, an ``nft -f`` shebang, or first command one of nft's."""
    if path.endswith(".nft"):
        return True
    for line in text[:65536].splitlines():
        stripped = line.strip()
        if stripped.startswith("#!"):
            if re.search(r"\bnft\b", stripped):
                return True
            return False
        if not stripped or stripped.startswith("#"):
            continue
        return stripped.split(None, 1)[0] in NFT_FIRST_WORDS
    return False


def _read(path: str) -> str:
    from fwlint.parse import read_source

    if path == "-":
        return sys.stdin.read()
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file or directory")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a directory; apply takes a ruleset file")
    try:
        return read_source(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


def prepare(paths: Sequence[str], *, force: bool, family: str | None = None, table: str = "fwlint",
            source_format: str = "auto") -> Prepared:
    """Read, lint and translate the input; :class:`SourceError` when it cannot be applied."""
    if not 1 <= len(paths) <= 2:
        raise UsageError("apply takes one nft file, or one or two iptables rulesets (IPv4 and IPv6)")
    texts = [(path, _read(path)) for path in paths]
    if "-" in paths and len(paths) > 1:
        raise UsageError("standard input (-) is for one nft file")
    for path, text in texts:
        reason = not_text(text)
        if reason is not None:
            raise SourceError([f"{path}:1:1: {reason}"])
    kinds = {looks_like_nft(path, text) for path, text in texts}
    if kinds == {True}:
        if len(texts) != 1:
            raise UsageError("apply takes one nft file (it may hold several tables)")
        if family is not None or table != "fwlint":
            raise UsageError("--family and --table are for iptables input: an nft file names its tables")
        path, text = texts[0]
        return _prepare_nft(path, text)
    if kinds == {True, False}:
        raise UsageError("give either one nft file or iptables rulesets, not both")
    return _prepare_iptables(dict(texts), force=force, family=family, table=table,
                             source_format=source_format)


def _read_structure(path: str, text: str) -> NftFile:
    try:
        return read_nft(text)
    except NftFileError as err:
        raise SourceError([f"{path}:{err.line}:{err.column}: {err}"]) from None


def _prepare_nft(path: str, text: str) -> Prepared:
    structure = _read_structure(path, text)
    if structure.includes:
        raise SourceError([f"{path}:{line}:{column}: `include` brings in tables apply cannot see (and so cannot "
                           "tell whose they are): give the whole ruleset in one file"
                           for line, column in structure.includes])
    if not structure.tables:
        raise SourceError([f"{path}:1:1: no table: the file names no nft table to apply"])
    from fwlint.nft.names import is_identifier

    problems = [f"{path}:{line}:{column}: `{word}` is no part of a ruleset (it would act on every table, other "
                "tools' too): apply loads tables; leave it out" for line, column, word in structure.not_ruleset]
    problems.extend(f"{path}:{use.line}:{use.column}: table name {use.name!r}: apply takes names nft reads bare "
                    "(letters, digits, _ . - /, not a keyword such as counter or filter's families)"
                    for use in structure.tables.values() if not is_identifier(use.name))
    if problems:
        raise SourceError(problems)
    prepared = Prepared("nft", [path], text, structure)
    for line in structure.flush_ruleset:
        prepared.notes.append(f"{path}:{line}: `flush ruleset` left out: it would delete every table, other "
                              "tools' too; apply replaces only the tables this file names")
    for line, spec in structure.table_comments:
        prepared.notes.append(f"{path}:{line}: the comment of table {spec} is not kept: apply marks its "
                              f'tables with comment "managed by fwlint"')
    return prepared


def _lint(texts: dict[str, str], rulesets: Sequence[Ruleset], source_format: str) -> list[Diagnostic]:
    """The error findings of ``fwlint check`` on the files, under their configuration (its
    selection, suppressions and severities).  Only the rules that can stop the apply run: those
    of error severity, but the validity rules (FW1xx) and the translation's, whose errors the
    translation finds itself (what iptables refuses is FW601 there)."""
    from fwlint.analysis import without_analysis
    from fwlint.check import check_source
    from fwlint.lint.config import ConfigError, Configuration
    from fwlint.lint.engine import catalogue, lint_rulesets
    from fwlint.parse import source_format as detect

    try:
        configuration = Configuration(catalogue=catalogue())
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    found: list[Diagnostic] = []
    for path, text in texts.items():
        settings = configuration.settings_for(path)
        # the translation runs the validity rules that check each rule (FW1xx: what iptables
        # refuses is FW601 there) and is FW6xx itself; the others (CRLF line ends, FW115) run here
        rules = [r for r in configuration.rules_for(path, settings)
                 if (settings.severity_for(r.code) or r.severity) >= Severity.ERROR
                 and not (r.code.startswith("FW1") and r.checks_rules()) and not r.code.startswith("FW6")]
        if not rules:
            continue
        if not any(getattr(r, "analysis", None) == "required" for r in rules):
            rules = without_analysis(rules)
        if detect(path, text, source_format) == "script":
            found.extend(check_source(text, path, rules, None, settings, source_format=source_format))
        else:
            mine = [rs for rs in rulesets if rs.path == path]
            found.extend(lint_rulesets(mine, rules, settings=settings))
    return [d for d in found if d.severity >= Severity.ERROR]


def _translation_structure(tables: Sequence[Any], text: str) -> NftFile:
    """What :func:`~fwlint.apply.nftfile.read_nft` would read in the translation, from the
    tables themselves (reading a 50,000-rule translation again would take a second)."""
    structure = NftFile()
    lines = text.split("\n")
    for table in tables:
        use = structure.table(table.family, table.name, 1)
        use.chains = {chain.name for chain in table.chains}
        use.rules = sum(1 for chain in table.chains for rule in chain.rules if not rule.text_only)
        use.filled = True
        use.mentions = 2  # `table X` before the delete, `table X { ... }` after it
        own = f"delete table {table.family} {table.name}"
        line = lines.index(own) + 1  # the translation's second line for the table
        place = (line, 1, len(own) + 1)
        structure.own_deletes.append(((table.family, table.name), place))
        structure.left_out.append(place)
    return structure


def _prepare_iptables(texts: dict[str, str], *, force: bool, family: str | None, table: str,
                      source_format: str) -> Prepared:
    from fwlint.nft import TranslateError, translate
    from fwlint.nft.command import IPTABLES_NFT_TABLES, _translate_big, load_sources
    from fwlint.nft.emitter import Options
    from fwlint.nft.names import is_identifier
    from fwlint.nft.render import to_text
    from fwlint.report.text import format_line

    if family is not None and family not in ("4", "6", "inet"):
        raise UsageError(f"--family {family}: expected 4, 6 or inet")
    if not is_identifier(table):
        raise UsageError(f"--table {table}: not a name nft takes")
    if table in IPTABLES_NFT_TABLES and family != "inet":
        raise UsageError(f"--table {table}: ip {table} and ip6 {table} are iptables-nft's tables: choose "
                         "another name (the default is fwlint), or --family inet")
    paths = list(texts)
    if "-" in paths:
        raise UsageError("apply reads iptables rulesets from files (standard input is for nft files)")
    options = Options(table=table, parallel=True)
    big = _translate_big(paths[0], family, source_format, options) \
        if len(paths) == 1 and family != "inet" else None
    if big is not None:  # a big save file: parsed and translated by two processes, as translate does
        loaded, result = big
    else:
        loaded = load_sources(paths, int(family) if family in ("4", "6") else None, source_format)
        if not loaded.rulesets:
            raise SourceError([format_line(d) for d in loaded.diagnostics] or [f"no rules in {', '.join(paths)}"])
        try:
            result = translate(loaded.rulesets, options, "inet" if family == "inet" else None)
        except TranslateError as err:
            raise UsageError(str(err)) from None
    from fwlint.nft.emitter import _tables

    empty = [rs for rs in loaded.rulesets if not _tables(rs)]
    if empty:  # its empty table would delete the rules of an earlier apply
        raise SourceError([f"{rs.path or '-'}:1:1: no table: "
                           + ("read as a script, it runs no iptables command" if rs.script is not None else
                              "it holds no table iptables-restore applies (*filter ... COMMIT)")
                           + "; nothing applied" for rs in empty])
    found = _lint(texts, loaded.rulesets, source_format)
    errors = [d for d in found if not d.code.startswith("FW1")]
    # what iptables refuses (FW1xx: CRLF line ends; the rules' own, FW601 of the translation)
    stopping = sorted((d for d in (*found, *loaded.diagnostics, *result.diagnostics)
                       if d.code == "FW601" or d.code.startswith("FW1")), key=lambda d: d.sort_key)
    if stopping:
        lines = [format_line(d) for d in stopping]
        count = len({(d.span.file, d.span.line) for d in stopping})
        lines.append(f"fwlint: nothing applied: {count} line{'s' if count != 1 else ''} iptables refuses (FW1xx) "
                     "or nftables cannot express (FW601); --force does not override these")
        raise SourceError(lines)
    if errors and not force:
        lines = [format_line(d) for d in errors]
        lines.append(f"fwlint: nothing applied: {len(errors)} error finding{'s' if len(errors) != 1 else ''} "
                     "(--force applies anyway)")
        raise SourceError(lines)
    origins: list[Any] = []
    text = to_text(result.tables, f"Translated by fwlint apply from {' and '.join(paths)}", origins)
    prepared = Prepared("iptables", list(paths), text, _translation_structure(result.tables, text),
                        rulesets=list(loaded.rulesets), origins=origins, overridden=errors)
    approximations = [d for d in result.diagnostics if d.code == "FW602"]
    prepared.notes.extend(format_line(d) for d in approximations)
    return prepared
