"""`fwlint check`: find ruleset files, parse them, lint them."""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from fwlint.lint.diagnostic import Diagnostic
from fwlint.lint.engine import lint_rulesets
from fwlint.lint.rule import Rule
from fwlint.parse import no_gc, parse_text, read_source, read_source_encoding

RULESET_PATTERNS = ("rules.v4", "rules.v6", "*.v4", "*.v6", "*.rules", "iptables*", "ip6tables*")


class UsageError(Exception):
    """A problem with what the user asked for: exit 2 with one line."""


def is_ruleset_name(name: str, patterns: Sequence[str] = RULESET_PATTERNS) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def find_files(paths: Sequence[str], patterns: Sequence[str] = RULESET_PATTERNS) -> list[str]:
    """Files named directly, and ruleset files found below named directories."""
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
                for f in sorted(files):
                    if is_ruleset_name(f, patterns):
                        found.append(os.path.join(root, f))
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


def check_source(text: str, path: str, rules: Sequence[Rule], family: int | None = None) -> list[Diagnostic]:
    with no_gc():
        return lint_rulesets(parse_text(text, path, family), rules)


def check_paths(paths: Sequence[str], rules: Sequence[Rule], family: int | None = None,
                stdin_filename: str | None = None) -> CheckResult:
    result = CheckResult()
    for f in find_files(paths):
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
        result.diagnostics.extend(check_source(text, name, rules, family))
    return result


def write_atomically(path: str, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` in one rename, keeping its permissions.

    A symbolic link is followed: the file it points to is replaced, the link stays."""
    import tempfile

    target = Path(os.path.realpath(path))
    mode = target.stat().st_mode & 0o7777
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


def fix_paths(paths: Sequence[str], rules: Sequence[Rule], family: int | None = None,
              unsafe: bool = False) -> tuple[CheckResult, int]:
    """Apply fixes to each file (repeatedly, until nothing more applies), then lint what is left."""
    from fwlint.lint.fix import apply_fixes

    applicability = ("safe", "unsafe") if unsafe else ("safe",)
    result = CheckResult()
    fixed = 0
    for f in find_files(paths):
        if f == "-":
            raise UsageError("--fix cannot rewrite standard input")
        try:
            original, encoding = read_source_encoding(f)
        except OSError as exc:
            raise UsageError(f"{f}: cannot read: {exc.strerror or exc}") from None
        text = original
        for _ in range(10):
            diagnostics = check_source(text, f, rules, family)
            text, count = apply_fixes(text, diagnostics, applicability)
            fixed += count
            if count == 0:
                break
        if text != original:
            try:
                write_atomically(f, text, encoding)
            except OSError as exc:
                raise UsageError(f"{f}: cannot write: {exc.strerror or exc}") from None
        result.files += 1
        result.diagnostics.extend(check_source(text, f, rules, family))
    return result, fixed
