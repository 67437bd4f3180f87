"""Generated documentation (docs/rules.md, docs/fwlint.1) and the help text: up to date and
covering every rule and every subcommand."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from fwlint import docs
from fwlint.cli import EXAMPLES, SUBCOMMANDS, build_parser, main
from fwlint.lint import Rule, Severity

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.mark.parametrize("name", sorted(docs.GENERATED))
def test_generated_docs_are_up_to_date(name: str) -> None:
    path = DOCS / name
    assert path.is_file(), f"docs/{name} is missing: run `{docs.REGENERATE}` at the top of the checkout"
    assert path.read_text(encoding="utf-8") == docs.GENERATED[name](), \
        f"docs/{name} is out of date: run `{docs.REGENERATE}` at the top of the checkout to regenerate it"


def test_check_mode_names_what_is_out_of_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert docs.main(["--docs-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(docs.GENERATED)
    assert docs.main(["--check", "--docs-dir", str(tmp_path)]) == 0
    (tmp_path / "rules.md").write_text("# Rules\n")
    capsys.readouterr()
    assert docs.main(["--check", "--docs-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == \
        f"{tmp_path / 'rules.md'} is out of date: run `python -m fwlint.docs` to regenerate it\n"


def test_rule_reference_documents_every_builtin_rule() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    for rule in docs.builtin_rule_classes():
        assert f'<a id="{rule.code.lower()}"></a>\n\n### {rule.code} `{rule.name}`\n' in text
        assert f"| [{rule.code}](#{rule.code.lower()}) | `{rule.name}` |" in text


class _Documented(Rule):
    """## What it does
    Finds a | in a summary.

    ## Why is this bad
    It would split a table cell.

    ## Example
    ```
    -A INPUT -j DROP
    ```

    ## Use instead
    Nothing.

    ## In nftables
    The same.

    ## Configuration
    None.
    """

    code = "FW998"
    name = "pipe-in-summary"
    severity = Severity.INFO
    fixable = "safe"


class _Undocumented(Rule):
    code = "FW999"
    name = "no-docstring"
    severity = Severity.ERROR


def test_rule_reference_takes_rules_with_missing_or_extra_sections() -> None:
    text = docs.rules_markdown([_Undocumented, _Documented])
    table = text.split("2 rules.\n\n", 1)[1].split("\n\n", 1)[0]
    assert table == (
        "| code | name | severity | fix | what it finds |\n"
        "|---|---|---|---|---|\n"
        "| [FW998](#fw998) | `pipe-in-summary` | info | safe | Finds a \\| in a summary. |\n"
        "| [FW999](#fw999) | `no-docstring` | error | - |  |")
    body = text.split("\n## ", 1)[1]
    assert body == (
        "Other (FW9xx)\n\n"
        '<a id="fw998"></a>\n\n### FW998 `pipe-in-summary`\n\nSeverity: info. Fix: safe.\n\n'
        "#### What it does\n\nFinds a | in a summary.\n\n"
        "#### Why is this bad\n\nIt would split a table cell.\n\n"
        "#### Example\n\n```\n-A INPUT -j DROP\n```\n\n"
        "#### Use instead\n\nNothing.\n\n"
        "#### In nftables\n\nThe same.\n\n"
        "#### Configuration\n\nNone.\n\n"
        '<a id="fw999"></a>\n\n### FW999 `no-docstring`\n\nSeverity: error. Fix: none.\n\n'
        "(This rule has no documentation yet.)\n")


def _subcommands() -> list[tuple[str, str, argparse.ArgumentParser]]:
    return docs.subcommands(build_parser())


def _example_argv(command: str) -> list[str]:
    """The fwlint part of an example: `iptables-save | fwlint check -` gives [check, -]."""
    words = shlex.split(command.rsplit("|", 1)[-1])
    assert words[0] == "fwlint", command
    return words[1:]


def test_there_are_subcommands_to_walk() -> None:
    names = [name for name, _, _ in _subcommands()]
    assert {"check", "rules", "rule"} <= set(names)


@pytest.mark.parametrize("name", [name for name, _, _ in _subcommands()])
def test_help_shows_an_example_of_every_subcommand(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert EXAMPLES.get(name), f"fwlint/cli.py EXAMPLES has no example of `fwlint {name}`"
    for command, what in EXAMPLES[name]:
        assert what, f"the example {command!r} says not what it does"
        args = build_parser().parse_args(_example_argv(command))  # a stale example fails here
        assert args.command == name, f"the example {command!r} is not one of `fwlint {name}`"

    assert main(["--help"]) == 0
    top = capsys.readouterr().out
    examples = top.split("\nExamples:\n", 1)[1]
    for command, what in EXAMPLES[name]:
        assert f"\n  {command}\n      {what}\n" in f"\n{examples}", f"`fwlint --help` lacks {command!r}"

    assert main([name, "--help"]) == 0
    own = capsys.readouterr().out
    assert f"\nExamples:\n  {EXAMPLES[name][0][0]}\n" in own


@pytest.mark.parametrize("name", [name for name, _, _ in _subcommands()])
def test_every_subcommand_is_not_taken_for_a_path(name: str) -> None:
    # `fwlint PATH` means `fwlint check PATH` unless the first word is a known subcommand.
    assert name in SUBCOMMANDS, f"add {name!r} to fwlint.cli.SUBCOMMANDS, or `fwlint {name}` checks a file"


@pytest.mark.parametrize("name", [name for name, _, _ in _subcommands()])
def test_readme_shows_every_subcommand(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = readme.split("\n## Usage\n", 1)[1].split("\n## ", 1)[0]
    commands = [line.split("#")[0].strip() for block in re.findall(r"```sh\n(.*?)```", usage, re.S)
                for line in block.splitlines()]
    assert any(c.rsplit("|", 1)[-1].split()[:2] == ["fwlint", name] for c in commands if c), \
        f"the README's Usage shows no `fwlint {name}` example"


def test_man_page_covers_every_subcommand_and_option() -> None:
    page = docs.man_page()
    parser = build_parser()
    for name, _, sub in _subcommands():
        assert f"\n.SS fwlint {name}\n" in page
        for action in sub._actions:
            if action.help is argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            for option in action.option_strings:
                assert "\\fB" + option.replace("-", "\\-") + "\\fR" in page, (name, option)
        for command, _ in EXAMPLES[name]:
            assert f"\n.TP\n\\fB{command.replace('-', chr(92) + '-')}\\fR\n" in page
    for action in parser._actions:
        for option in action.option_strings:
            assert "\\fB" + option.replace("-", "\\-") + "\\fR" in page


def test_man_page_is_well_formed_roff() -> None:
    requests = {".TH", ".SH", ".SS", ".TP", ".PP", ".RS", ".RE", ".br", ".BR", '.\\"'}
    for number, line in enumerate(docs.man_page().splitlines(), 1):
        if line.startswith((".", "'")):
            assert line.split(" ", 1)[0] in requests, f"line {number}: unknown request {line!r}"
        # every font change returns to roman on the same line; no stray backslash
        assert line.count("\\fB") + line.count("\\fI") == line.count("\\fR"), f"line {number}: {line!r}"
        assert not re.search(r"\\(?![fe\-&\"])", line), f"line {number}: unescaped backslash {line!r}"
