"""`fwlint check`: find ruleset files, parse them, lint them."""

from __future__ import annotations

import fnmatch
import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from fwlint.analysis import without_analysis
from fwlint.ast import Ruleset, Span, SyntaxProblem
from fwlint.lint.config import Configuration, Settings
from fwlint.lint.diagnostic import Diagnostic, Severity
from fwlint.lint.engine import lint_rulesets
from fwlint.lint.rule import Rule
from fwlint.parse import family_from_name, no_gc, parse_text, read_source, read_source_encoding
from fwlint.progress import progress

RULESET_PATTERNS = ("rules.v4", "rules.v6", "*.v4", "*.v6", "*.rules", "iptables*", "ip6tables*")
SCRIPT_PATTERNS = ("*.sh", "*.bash", "rc.firewall*", "firewall*")
"""Names of files that may be firewall scripts: below a directory, such a file is checked only
when its text runs iptables (a folder of build scripts is not a folder of firewalls)."""


class UsageError(Exception):
    """A problem with what the user asked for: exit 2 with one line."""


def is_ruleset_name(name: str, patterns: Sequence[str] = RULESET_PATTERNS) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def is_firewall_script(path: str) -> bool:
    """A file named like a script (SCRIPT_PATTERNS) whose text runs iptables."""
    if not is_ruleset_name(os.path.basename(path), SCRIPT_PATTERNS):
        return False
    from fwlint.parse.script import calls_iptables

    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return False
    return calls_iptables(head.decode("utf-8", "replace"))


def _binary(path: str) -> bool:
    """A NUL byte near the start: a program or an archive (`iptables-save` itself in a folder of
    binaries, a compressed backup), which a folder's search passes over (named on the command
    line, it is reported: see not_text)."""
    try:
        with open(path, "rb") as f:
            return b"\x00" in f.read(8192)
    except OSError:
        return False  # reading it again reports why


def find_files(paths: Sequence[str], patterns: Sequence[str] = RULESET_PATTERNS,
               patterns_for: Callable[[str], Sequence[str]] | None = None) -> list[str]:
    """Files named directly, and ruleset files found below named directories (``patterns_for``
    gives the name patterns for one directory, when the configuration adds some; binary files
    there are left out)."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            found = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                names = patterns_for(root) if patterns_for is not None else patterns
                for f in sorted(files):
                    full = os.path.join(root, f)
                    if (is_ruleset_name(f, names) or is_firewall_script(full)) and not _binary(full):
                        found.append(full)
            out.extend(found)
        elif path.exists():
            out.append(p)
        else:
            raise UsageError(f"{p}: no such file or directory")
    return out


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    sources: dict[str, str] = field(default_factory=dict)
    """Each file's name (as findings name it) -> the text that was checked: reporters show lines."""
    fail_levels: dict[str, Severity] = field(default_factory=dict)
    """Each file's name -> the lowest severity that makes the exit code 1 (its configuration's)."""
    originals: dict[str, str] = field(default_factory=dict)
    """With fixes: each file the fixes change -> its text before them."""


def not_text(text: str) -> str | None:
    """Why ``text`` is no ruleset or script at all, or None: a NUL character, which no text file
    holds and programs, archives and compressed files are full of."""
    if "\x00" not in text:
        return None
    if text.startswith(("\xff\xfe", "\xfe\xff")):  # a UTF-16 byte order mark, read as Latin-1
        return ("not a text file iptables can read: it is UTF-16 (Windows \"Unicode\"); iptables-restore "
                "and the shell read ASCII or UTF-8: convert it (iconv -f UTF-16 -t UTF-8)")
    return ("not a text file: it holds NUL bytes (a program, an archive or a compressed file?); "
            "fwlint checks iptables-save output and firewall scripts")


def read_rulesets(text: str, path: str, family: int | None = None,
                  source_format: str = "auto") -> list[Ruleset]:
    """The rulesets of one source; a file that is not text is one syntax problem (FW109) at
    its start, not a finding for every line of bytes."""
    reason = not_text(text)
    if reason is None:
        return parse_text(text, path, family, source_format_name=source_format)
    fam = family if family is not None else family_from_name(path) or 4
    return [Ruleset(path, fam, (), problems=(SyntaxProblem(reason, Span(path, 1, 1, 1, 1)),))]


def check_source(text: str, path: str, rules: Sequence[Rule], family: int | None = None,
                 settings: Settings | None = None, partner: Sequence[Ruleset] = (),
                 source_format: str = "auto") -> list[Diagnostic]:
    """Lint one source; ``partner``: the rulesets of the IPv4 file paired with this IPv6 one;
    ``source_format``: auto, save or script (see fwlint.parse.SOURCE_FORMATS)."""
    with no_gc():
        return lint_rulesets(read_rulesets(text, path, family, source_format), rules,
                             settings=settings, partner=partner)


def _v6_partner_name(name: str) -> str | None:
    """The name of the IPv6 file that pairs with the IPv4 file called ``name``."""
    if name.endswith(".v4"):
        return name[:-3] + ".v6"  # rules.v4 + rules.v6, NAME.v4 + NAME.v6
    if name in ("before.rules", "after.rules", "user.rules"):
        return name[:-6] + "6.rules"  # ufw
    if name.startswith("iptables"):
        return "ip6tables" + name[len("iptables"):]  # iptables[-NAME].rules, /etc/sysconfig/iptables
    return None


def host_partners(files: Sequence[str]) -> dict[str, str]:
    """IPv6 file -> the IPv4 file of the same host, for files checked together that sit in one
    directory and are named as a pair (FW405 looks at the two together)."""
    by_place = {(os.path.dirname(os.path.abspath(f)), os.path.basename(f)): f for f in files if f != "-"}
    out: dict[str, str] = {}
    for (directory, name), f in by_place.items():
        v6_name = _v6_partner_name(name)
        if v6_name is not None and (directory, v6_name) in by_place:
            out[by_place[(directory, v6_name)]] = f
    return out


def _partner_rulesets(v4_file: str | None, rules: Sequence[Rule], sources: dict[str, str],
                      source_format: str = "auto") -> list[Ruleset]:
    """The rulesets of the IPv4 partner of the file being checked (none when it has no partner
    or no rule looks at pairs); its text as already read, else from disk."""
    if v4_file is None or not any(r.checks_host() for r in rules):
        return []
    text = sources.get(v4_file)
    if text is None:
        try:
            text = read_source(v4_file)
        except OSError as exc:
            raise UsageError(f"{v4_file}: cannot read: {exc.strerror or exc}") from None
    with no_gc():
        return read_rulesets(text, v4_file, source_format=source_format)


def _configuration(rules: Sequence[Rule] | Configuration) -> Configuration:
    """Rules chosen by the caller run on every file, with no configuration file read."""
    return rules if isinstance(rules, Configuration) else Configuration(rules=rules)


def check_paths(paths: Sequence[str], rules: Sequence[Rule] | Configuration, family: int | None = None,
                stdin_filename: str | None = None, source_format: str = "auto",
                analysis: bool = True) -> CheckResult:
    """Lint each file; ``rules`` is the rules for every file, or a Configuration that decides
    the rules and settings of each file.  ``analysis`` False: without the reachability model
    (``--no-analysis``, see fwlint.analysis.without_analysis)."""
    configuration = _configuration(rules)
    result = CheckResult()
    files = find_files(paths, patterns_for=lambda d: configuration.patterns_for(d, RULESET_PATTERNS))
    partners = host_partners(files) if family is None else {}
    with progress("Checking", total=len(files), unit="files") as bar:
        for f in files:
            bar.item = f
            if f == "-":
                text = sys.stdin.read()
                name = stdin_filename or "-"
            else:
                try:
                    text = read_source(f)
                except OSError as exc:
                    raise UsageError(f"{f}: cannot read: {exc.strerror or exc}") from None
                name = f
            result.files += 1
            result.sources[name] = text
            settings = configuration.settings_for(name)
            result.fail_levels[name] = configuration.fail_level_for(name, settings)
            file_rules = configuration.rules_for(name, settings)
            if not analysis:
                file_rules = without_analysis(file_rules)
            partner = _partner_rulesets(partners.get(name), file_rules, result.sources, source_format)
            result.diagnostics.extend(check_source(text, name, file_rules, family, settings, partner,
                                                   source_format))
            bar.advance()
    return result


def write_atomically(path: str, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` in one rename, keeping its permissions (or create it).

    A symbolic link is followed: the file it points to is replaced, the link stays.  What is not
    a regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is written to, never replaced."""
    import stat
    import tempfile

    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_dir() and not stat.S_ISREG(target.stat().st_mode):
        with open(target, "w", encoding=encoding, newline="") as f:
            f.write(text)
        return
    if target.exists():
        mode = target.stat().st_mode & 0o7777
    else:  # a new file (`-o rules.nft`) gets the usual permissions
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".fwlint-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def fix_paths(paths: Sequence[str], rules: Sequence[Rule] | Configuration, family: int | None = None,
              unsafe: bool = False, write: bool = True,
              stdin_filename: str | None = None, source_format: str = "auto",
              analysis: bool = True) -> tuple[CheckResult, int]:
    """Apply fixes to each file (repeatedly, until nothing more applies), then lint what is left.

    With ``write`` false nothing is written (``--diff``): ``result.originals`` and
    ``result.sources`` hold each changed file's text before and after."""
    from fwlint.lint.fix import fix_source

    configuration = _configuration(rules)
    applicability = ("safe", "unsafe") if unsafe else ("safe",)
    result = CheckResult()
    fixed = 0
    files = find_files(paths, patterns_for=lambda d: configuration.patterns_for(d, RULESET_PATTERNS))
    partners = host_partners(files) if family is None else {}
    with progress("Fixing", total=len(files), unit="files") as bar:
        for f in files:
            bar.item = f
            if f == "-" and write:
                raise UsageError("--fix cannot rewrite standard input")
            name = f if f != "-" else stdin_filename or "-"
            if f == "-":
                original, encoding = sys.stdin.read(), "utf-8"
            else:
                try:
                    original, encoding = read_source_encoding(f)
                except OSError as exc:
                    raise UsageError(f"{f}: cannot read: {exc.strerror or exc}") from None
            settings = configuration.settings_for(name)
            file_rules = configuration.rules_for(name, settings)
            if not analysis:
                file_rules = without_analysis(file_rules)
            partner = _partner_rulesets(partners.get(name), file_rules, result.sources, source_format)
            lint = functools.partial(check_source, path=name, rules=file_rules, family=family,
                                     settings=settings, partner=partner, source_format=source_format)
            outcome = fix_source(original, lint, applicability, path=name)
            text = outcome.text
            fixed += outcome.fixed
            if text != original:
                result.originals[name] = original
                if write:
                    try:
                        write_atomically(f, text, encoding)
                    except OSError as exc:
                        raise UsageError(f"{f}: cannot write: {exc.strerror or exc}") from None
            result.files += 1
            result.sources[name] = text
            result.fail_levels[name] = configuration.fail_level_for(name, settings)
            result.diagnostics.extend(outcome.diagnostics)
            bar.advance()
    return result, fixed
