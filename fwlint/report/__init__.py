"""Output formats: one module each, registered in :data:`FORMATS`.

Every format is a function ``write(report, out)``.  A :class:`Report` holds the findings and what
some formats need besides them: the files that were checked (junit has a test case per file),
their text (``full`` shows source lines; stdin has no file to re-read), whether to colour the
output, and whether to print only the findings (``--quiet``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence, TextIO

if TYPE_CHECKING:
    from fwlint.lint.diagnostic import Diagnostic

FORMAT_NAMES = ("text", "concise", "full", "json", "json-lines", "github", "junit", "sarif")
"""The names ``--output-format`` takes (the keys of FORMATS; kept here so the command line can
offer them without importing every writer)."""


@dataclass(frozen=True)
class Report:
    diagnostics: Sequence[Diagnostic]
    files: Sequence[str] = ()
    """Every file checked, named as the diagnostics name them (clean ones too)."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """File name -> the text that was checked.  A file missing here is read from disk if it can be."""
    color: bool = False
    quiet: bool = False
    """Only the findings: no summary line, no "All checks passed!"."""

    @property
    def checked_files(self) -> list[str]:
        """The files checked, then any file a finding names that is not among them, in order."""
        names = list(dict.fromkeys(self.files))
        seen = set(names)
        for d in self.diagnostics:
            if d.span.file not in seen:
                seen.add(d.span.file)
                names.append(d.span.file)
        return names

    def source(self, name: str) -> str | None:
        """The text of ``name`` as it was checked, or None when it is not known (stdin, gone)."""
        if name in self.sources:
            return self.sources[name]
        if name == "-":
            return None
        try:
            from fwlint.parse import read_source

            return read_source(name)
        except (OSError, ValueError):
            return None


Writer = Callable[[Report, TextIO], None]


def relative_path(name: str, cwd: str | None = None) -> str:
    """``name`` relative to the working directory when it lies below it, else as given."""
    if name == "-" or not os.path.isabs(name):
        return name
    base = Path(cwd or os.getcwd())
    try:
        return Path(name).relative_to(base).as_posix()
    except ValueError:
        return name


def use_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour when ``stream`` is a terminal and NO_COLOR is unset or empty; FORCE_COLOR (non-empty)
    turns it on for a stream that is not a terminal.  NO_COLOR wins over FORCE_COLOR."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _formats() -> dict[str, Writer]:
    from fwlint.report import concise, full, github, json_format, json_lines, junit, sarif, text

    return {
        "text": text.write,
        "concise": concise.write,
        "full": full.write,
        "json": json_format.write,
        "json-lines": json_lines.write,
        "github": github.write,
        "junit": junit.write,
        "sarif": sarif.write,
    }


def __getattr__(name: str):
    # FORMATS (output format name -> its writer) is built on first use: the writers import the
    # rule machinery, which `fwlint --version` and `fwlint --help` have no need of.
    if name == "FORMATS":
        formats = _formats()
        globals()["FORMATS"] = formats
        return formats
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def write_report(output_format: str, report: Report, out: TextIO) -> None:
    from fwlint.report import FORMATS

    FORMATS[output_format](report, out)
