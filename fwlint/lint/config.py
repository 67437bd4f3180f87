"""Configuration files: ``[tool.fwlint]`` in pyproject.toml, or fwlint.toml / .fwlint.toml.

Where a file's settings come from, decided as ruff decides it:

- the configuration nearest to the checked file wins, whole: fwlint walks up from the file's
  directory to the filesystem root and takes the first directory holding ``.fwlint.toml``,
  ``fwlint.toml`` or a ``pyproject.toml`` with a ``[tool.fwlint]`` table (in that order of
  preference within one directory); a ``pyproject.toml`` without that table is passed over.
  Files are not merged, and the walk does not stop at a ``.git`` directory (ruff's does not);
- standard input is checked with the configuration found from ``--stdin-filename``'s directory,
  else from the current directory;
- ``--config PATH`` names one file for everything, ``--isolated`` ignores every file;
- command-line options override the file: ``--select`` replaces the file's ``select`` and
  ``extend-select`` (and its ``ignore``, which applied to them), ``--extend-select`` and
  ``--ignore`` add to what is left, ``--fail-level`` replaces ``fail-on``.

Keys (kebab-case, as in ruff): ``select``, ``extend-select``, ``ignore`` (lists of rule codes,
prefixes or names, or ``ALL``), ``per-file-ignores`` (glob -> codes; a glob matches the file's
name or its path relative to the configuration's directory), ``severity`` (code or prefix ->
``error`` | ``warning`` | ``info``; the longest prefix wins), ``fail-on`` (the lowest severity
that makes the exit code 1), ``management-ports`` (ports an INPUT drop must not cut off, default
``[22]``) and ``include`` (more file name patterns for directory search, beside
:data:`fwlint.check.RULESET_PATTERNS`).  Anything else, or a value of the wrong type, is one
:class:`ConfigError` naming the file and the key.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from fwlint.lint.diagnostic import Severity

if TYPE_CHECKING:
    from fwlint.lint.engine import Catalogue
    from fwlint.lint.rule import Rule

CONFIG_NAMES = (".fwlint.toml", "fwlint.toml", "pyproject.toml")
"""Configuration file names, most preferred first when one directory holds several."""

KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "severity", "fail-on",
        "management-ports", "include")

DEFAULT_MANAGEMENT_PORTS = (22,)


class ConfigError(Exception):
    """A configuration file fwlint cannot use: exit 2 with this one line."""


@dataclass(frozen=True)
class Settings:
    """What one configuration file says, with the defaults where it says nothing.

    Lint rules read it as ``ctx.settings`` (``ctx.settings.management_ports``).
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    fail_on: Severity | None = None
    management_ports: tuple[int, ...] = DEFAULT_MANAGEMENT_PORTS
    include: tuple[str, ...] = ()
    path: str | None = None  # the configuration file, None for the defaults
    root: str | None = None  # its directory: per-file-ignores globs are relative to it

    def severity_for(self, code: str) -> Severity | None:
        """The severity the file sets for ``code`` (the longest matching prefix), or None."""
        best: tuple[int, Severity] | None = None
        for key, severity in self.severity:
            upper = key.upper()
            length = 0 if upper == "ALL" else len(upper)
            if (upper == "ALL" or code.startswith(upper)) and (best is None or length >= best[0]):
                best = (length, severity)
        return best[1] if best else None

    def ignored_for(self, path: str) -> tuple[str, ...]:
        """The codes ``per-file-ignores`` turns off for ``path``."""
        out: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if _path_matches(pattern, path, self.root):
                out.extend(codes)
        return tuple(out)


DEFAULT_SETTINGS = Settings()


def _path_matches(pattern: str, path: str, root: str | None) -> bool:
    if fnmatch.fnmatchcase(os.path.basename(path), pattern):
        return True
    absolute = os.path.abspath(path)
    if root is not None:
        relative = os.path.relpath(absolute, root)
        if not relative.startswith(".." + os.sep) and relative != ".." \
                and fnmatch.fnmatchcase(Path(relative).as_posix(), pattern):
            return True
    return fnmatch.fnmatchcase(Path(absolute).as_posix(), pattern)


def display_path(path: str | Path) -> str:
    """``path`` relative to the current directory when it is below it, else absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative == ".." or relative.startswith(".." + os.sep) else relative


# --- reading and checking one file -----------------------------------------------------------

def read_config(path: str | Path, catalogue: "Catalogue | None" = None) -> Settings | None:
    """The settings of one configuration file; None for a pyproject.toml without [tool.fwlint]."""
    path = Path(path)
    shown = display_path(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: not valid TOML: not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        if not isinstance(tool, dict) or "fwlint" not in tool:
            return None
        table = tool["fwlint"]
        prefix = "tool.fwlint."
        if not isinstance(table, dict):
            raise ConfigError(f"{shown}: 'tool.fwlint' must be a table, not {_kind(table)}")
    else:
        table, prefix = data, ""
    return _settings(table, shown, prefix, path.parent, catalogue)


def _kind(value: Any) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    for t, name in kinds.items():
        if type(value) is t:
            return name
    return f"a {type(value).__name__}"


def _settings(table: dict, shown: str, prefix: str, directory: Path,
              catalogue: "Catalogue | None") -> Settings:
    from fwlint.lint.facts import close_names

    if catalogue is None:
        from fwlint.lint.engine import catalogue as default_catalogue

        catalogue = default_catalogue()

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{shown}: '{prefix}{key}' {message}")

    for key in table:
        if key not in KEYS:
            close = close_names(key.replace("_", "-"), frozenset(KEYS)) or \
                close_names(key, frozenset(KEYS))
            hint = f" (did you mean '{prefix}{close[0]}'?)" if close else \
                f" (fwlint knows: {', '.join(KEYS)})"
            raise ConfigError(f"{shown}: unknown key '{prefix}{key}'{hint}")

    def string_list(key: str, value: Any, what: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            shown_kind = _kind(value) if not isinstance(value, list) else "a list with " + \
                next(_kind(v) for v in value if not isinstance(v, str))
            raise fail(key, f"must be a list of {what}, not {shown_kind}")
        return tuple(value)

    def codes(key: str, value: Any) -> tuple[str, ...]:
        items = string_list(key, value, "rule codes")
        unknown = catalogue.unknown_selectors(items)
        if unknown:
            raise fail(key, f"names an unknown rule code or prefix: {', '.join(unknown)} "
                            "(see `fwlint rules`)")
        return items

    def severity_value(key: str, value: Any) -> Severity:
        if not isinstance(value, str):
            raise fail(key, f"must be \"error\", \"warning\" or \"info\", not {_kind(value)}")
        try:
            return Severity.parse(value)
        except ValueError:
            raise fail(key, f"must be \"error\", \"warning\" or \"info\", not {value!r}") from None

    select = codes("select", table["select"]) if "select" in table else None
    extend_select = codes("extend-select", table["extend-select"]) if "extend-select" in table else ()
    ignore = codes("ignore", table["ignore"]) if "ignore" in table else ()

    per_file: list[tuple[str, tuple[str, ...]]] = []
    if "per-file-ignores" in table:
        value = table["per-file-ignores"]
        if not isinstance(value, dict):
            raise fail("per-file-ignores", f"must be a table of glob = [codes], not {_kind(value)}")
        for pattern, pattern_codes in value.items():
            per_file.append((pattern, codes(f"per-file-ignores.{_toml_key(pattern)}", pattern_codes)))

    severity: list[tuple[str, Severity]] = []
    if "severity" in table:
        value = table["severity"]
        if not isinstance(value, dict):
            raise fail("severity", f"must be a table of code = \"error\" | \"warning\" | \"info\", "
                                   f"not {_kind(value)}")
        for code, level in value.items():
            key = f"severity.{_toml_key(code)}"
            if catalogue.unknown_selectors([code]):
                raise fail(key, "names an unknown rule code or prefix (see `fwlint rules`)")
            severity.append((code, severity_value(key, level)))

    fail_on = severity_value("fail-on", table["fail-on"]) if "fail-on" in table else None

    ports = DEFAULT_MANAGEMENT_PORTS
    if "management-ports" in table:
        value = table["management-ports"]
        if not isinstance(value, list) or not all(type(v) is int for v in value):
            what = _kind(value) if not isinstance(value, list) else "a list with " + \
                next(_kind(v) for v in value if type(v) is not int)
            raise fail("management-ports", f"must be a list of port numbers, not {what}")
        bad = [v for v in value if not 1 <= v <= 65535]
        if bad:
            raise fail("management-ports", f"holds {bad[0]}, which is no port (1 to 65535)")
        ports = tuple(value)

    include = string_list("include", table["include"], "file name patterns") \
        if "include" in table else ()

    return Settings(select=select, extend_select=extend_select, ignore=ignore,
                    per_file_ignores=tuple(per_file), severity=tuple(severity), fail_on=fail_on,
                    management_ports=ports, include=include, path=shown,
                    root=str(directory.resolve()))


def _toml_key(key: str) -> str:
    bare = key and all(c.isalnum() or c in "-_" for c in key)
    return key if bare else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def find_config(directory: str | Path, catalogue: "Catalogue | None" = None) -> Path | None:
    """The configuration file nearest to ``directory`` (itself, then each parent), or None."""
    found = _nearest(Path(os.path.abspath(directory)), {}, catalogue)
    return Path(os.path.abspath(found.path)) if found is not None and found.path is not None else None


def _nearest(directory: Path, cache: dict[Path, Settings | None],
             catalogue: "Catalogue | None") -> Settings | None:
    """The settings of the configuration nearest to ``directory`` (None: there is none).

    ``cache`` maps each directory already looked at to its answer, and every configuration
    file already read (by its own path) to its settings."""
    walked: list[Path] = []
    current = directory
    found: Settings | None = None
    while True:
        if current in cache:
            found = cache[current]
            break
        walked.append(current)
        for name in CONFIG_NAMES:
            candidate = current / name
            if not candidate.is_file():
                continue
            if candidate not in cache:
                cache[candidate] = read_config(candidate, catalogue)
            found = cache[candidate]
            if found is not None:  # else: a pyproject.toml without [tool.fwlint]
                break
        if found is not None or current.parent == current:
            break
        current = current.parent
    for d in walked:
        cache[d] = found
    return found


# --- settings and rules for each checked file --------------------------------------------------

class Configuration:
    """Which rules run on each file and with which settings: the command line over the nearest
    configuration file.  One per run; what it reads is cached.

    With ``rules`` given, every file gets exactly those rules and the default settings, and no
    configuration file is read (what callers that chose their rules themselves want)."""

    def __init__(self, *, select: Sequence[str] = (), extend_select: Sequence[str] = (),
                 ignore: Sequence[str] = (), fail_level: str | Severity | None = None,
                 config_file: str | None = None, isolated: bool = False,
                 catalogue: "Catalogue | None" = None, rules: Sequence["Rule"] | None = None) -> None:
        self._catalogue = catalogue
        self.cli_select = tuple(select) or None
        self.cli_extend_select = tuple(extend_select)
        self.cli_ignore = tuple(ignore)
        self.cli_fail_level = Severity.parse(fail_level) if isinstance(fail_level, str) else fail_level
        self.fixed_rules = list(rules) if rules is not None else None
        self.isolated = isolated or rules is not None
        self._explicit: Settings | None = None
        if config_file is not None and not self.isolated:
            self._explicit = read_config(config_file, self.catalogue) or \
                Settings(path=display_path(config_file), root=str(Path(config_file).resolve().parent))
        self._cache: dict[Path, Settings | None] = {}
        self._rules: dict[frozenset[str], list[Rule]] = {}

    @property
    def catalogue(self) -> "Catalogue":
        if self._catalogue is None:
            from fwlint.lint.engine import catalogue

            self._catalogue = catalogue()
        return self._catalogue

    def settings_for(self, path: str) -> Settings:
        """The settings for a checked file (``-``, standard input: the current directory's)."""
        directory = "." if path == "-" else os.path.dirname(os.path.abspath(path))
        return self.settings_for_directory(directory)

    def settings_for_directory(self, directory: str) -> Settings:
        if self._explicit is not None:
            return self._explicit
        if self.isolated:
            return DEFAULT_SETTINGS
        return _nearest(Path(os.path.abspath(directory)), self._cache, self.catalogue) \
            or DEFAULT_SETTINGS

    def rules_for(self, path: str, settings: Settings | None = None) -> list["Rule"]:
        """Instances of the rules that run on ``path``."""
        if self.fixed_rules is not None:
            return self.fixed_rules
        settings = settings or self.settings_for(path)
        cat = self.catalogue
        # Rules off by default (the translation rules) run only when a selector names them.
        codes = {code for code, rule in cat.by_code.items() if getattr(rule, "default_enabled", True)}
        layers = [(settings.select, settings.extend_select, settings.ignore),
                  (self.cli_select, self.cli_extend_select, self.cli_ignore)]
        for select, extend, ignore in layers:
            if select is not None:
                codes = _matching(cat, select)
            codes |= _matching(cat, extend)
            codes -= _matching(cat, ignore)
        codes -= _matching(cat, settings.ignored_for(path))
        key = frozenset(codes)
        if key not in self._rules:
            self._rules[key] = [rule() for rule in cat if rule.code in key]
        return self._rules[key]

    def fail_level_for(self, path: str, settings: Settings | None = None) -> Severity:
        """The lowest severity that makes the exit code 1 for findings in ``path``."""
        if self.cli_fail_level is not None:
            return self.cli_fail_level
        settings = settings or self.settings_for(path)
        return settings.fail_on or Severity.WARNING

    def patterns_for(self, directory: str, base: Iterable[str]) -> tuple[str, ...]:
        """The file name patterns directory search uses in ``directory``: ``base`` and the
        configuration's ``include``."""
        return (*base, *self.settings_for_directory(directory).include)


def _matching(cat: "Catalogue", keys: Iterable[str]) -> set[str]:
    """The codes of the rules ``keys`` (codes, prefixes, names or ALL) name."""
    out: set[str] = set()
    for key in keys:
        upper = key.upper()
        for rule in cat.by_code.values():
            if upper == "ALL" or rule.code.startswith(upper) or rule.name == key:
                out.add(rule.code)
    return out
