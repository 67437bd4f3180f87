"""Helpers the command-line tests share: rulesets written line by line, and fwlint run as
its command line."""

from __future__ import annotations

from pathlib import Path

from fwlint.cli import main


def src(*lines: str) -> str:
    """The lines joined, each ending in a newline."""
    return "\n".join(lines) + "\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """fwlint's exit code, standard output and standard error for ``argv``."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path | str, text: str) -> Path:
    """``text`` written to ``path``, its folders made as needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
