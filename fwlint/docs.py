"""Generate the documentation that is derived from the code: the rule reference
(docs/rules.md, from the rule docstrings) and the man page (docs/fwlint.1, from the
argument parser and its examples).

    python -m fwlint.docs            # rewrite docs/rules.md and docs/fwlint.1
    python -m fwlint.docs --check    # exit 1, naming them, when they are out of date

Only fwlint's own rules are documented, never those of plugins that happen to be installed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Iterable, Sequence

from fwlint.lint.rule import Rule, sections
from fwlint.testing import DOC_SECTIONS

REGENERATE = "python -m fwlint.docs"
"""The command that rewrites the generated documents (run from the top of the checkout)."""

PACK_TITLES = {
    "validity": "Validity: what iptables would refuse or misread",
    "reachability": "Reachability: rules that can never match or never matter",
    "stateful": "Stateful filtering: connection tracking",
    "security": "Security: rulesets that let through more than they mean to",
    "script": "Firewall scripts: shell scripts that call iptables",
    "translate": "Translation: what nftables cannot express, or only approximately",
    "meta": "Meta: suppressions and the linter itself",
}


def builtin_rule_classes() -> list[type[Rule]]:
    """fwlint's own rules, by code."""
    from fwlint.rules import builtin_rules

    return sorted(builtin_rules(), key=lambda r: r.code)


def _pack(rule: type[Rule]) -> str:
    parts = rule.__module__.split(".")
    if len(parts) >= 3 and parts[:2] == ["fwlint", "rules"]:
        return parts[2]
    return "other"


def _pack_order() -> list[str]:
    from fwlint.rules import PACKS

    return [*PACKS, "other"]


def _pack_title(pack: str, rules: Sequence[type[Rule]]) -> str:
    title = PACK_TITLES.get(pack, pack.capitalize())
    prefixes = sorted({r.code[:-2] + "xx" for r in rules if len(r.code) > 2})
    return f"{title} ({', '.join(prefixes)})" if prefixes else title


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _anchor(rule: type[Rule]) -> str:
    return rule.code.lower()


def rules_markdown(rules: Iterable[type[Rule]] | None = None) -> str:
    """docs/rules.md: a table of every rule, then each rule's documentation, by pack."""
    rules = list(builtin_rule_classes() if rules is None else rules)
    by_pack: dict[str, list[type[Rule]]] = {}
    for rule in rules:
        by_pack.setdefault(_pack(rule), []).append(rule)
    order = [p for p in _pack_order() if p in by_pack] + sorted(set(by_pack) - set(_pack_order()))
    out = [
        "# Rules",
        "",
        f"<!-- Generated from the rule docstrings by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "Every rule fwlint ships. All are on by default; `--select` and `--ignore` choose among",
        "them by code, prefix (`FW2`) or name. The severity decides the exit code (see",
        "`--fail-level`), the fix column says whether `fwlint check --fix` repairs the finding",
        "(`unsafe`: only with `--unsafe-fixes`). `fwlint rule CODE` prints the same text as below.",
        "",
        f"{len(rules)} rules.",
        "",
        "| code | name | severity | fix | what it finds |",
        "|---|---|---|---|---|",
    ]
    for pack in order:
        for rule in sorted(by_pack[pack], key=lambda r: r.code):
            out.append(f"| [{rule.code}](#{_anchor(rule)}) | `{rule.name}` | {rule.severity} | "
                       f"{rule.fixable or '-'} | {_cell(rule.summary())} |")
    for pack in order:
        pack_rules = sorted(by_pack[pack], key=lambda r: r.code)
        out += ["", f"## {_pack_title(pack, pack_rules)}"]
        for rule in pack_rules:
            out += ["", f'<a id="{_anchor(rule)}"></a>', "", f"### {rule.code} `{rule.name}`", "",
                    f"Severity: {rule.severity}. Fix: {rule.fixable or 'none'}."]
            documented = sections(rule)
            titles = [t for t in DOC_SECTIONS if t in documented] + \
                     [t for t in documented if t not in DOC_SECTIONS]
            if not titles:
                doc = rule.documentation()
                out += ["", doc if doc else "(This rule has no documentation yet.)"]
            for title in titles:
                out += ["", f"#### {title}", "", documented[title]]
    return "\n".join(out).rstrip() + "\n"


# The man page ------------------------------------------------------------------------------


def _roff(text: str) -> str:
    """Text for a roff line: backslashes and hyphens escaped, no line starting with a control
    character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line
                     for line in text.splitlines())


def _bold(text: str) -> str:
    return f"\\fB{_roff(text)}\\fR"


def _italic(text: str) -> str:
    return f"\\fI{_roff(text)}\\fR"


def _help(action: argparse.Action, prog: str) -> str:
    text = action.help or ""
    if "%(" in text:
        try:
            text = text % {**vars(action), "prog": prog}
        except (KeyError, TypeError, ValueError):
            pass
    return text


def _option_label(action: argparse.Action) -> str:
    if not action.option_strings:
        name = action.metavar or action.dest
        label = _italic(str(name))
        if action.nargs in ("*", "+"):
            label += " ..."
        elif action.nargs == "?":
            label = f"[{label}]"
        return label
    names = ", ".join(_bold(s) for s in action.option_strings)
    if action.nargs == 0:
        return names
    if action.choices is not None:
        value = "{" + ",".join(str(c) for c in action.choices) + "}"
        return f"{names} {_roff(value)}"
    metavar = action.metavar or action.dest.upper()
    return f"{names} {_italic(str(metavar))}"


def _documented_actions(parser: argparse.ArgumentParser, *,
                        with_help: bool = True) -> list[argparse.Action]:
    """The arguments to document, positionals first; ``with_help``: include -h/--help."""
    actions = [a for a in parser._actions
               if a.help is not argparse.SUPPRESS and not isinstance(a, argparse._SubParsersAction)
               and (with_help or not isinstance(a, argparse._HelpAction))]
    return sorted(actions, key=lambda a: bool(a.option_strings))


def subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """Every subcommand of ``parser``: (name, one-line help, its parser), aliases left out."""
    out: list[tuple[str, str, argparse.ArgumentParser]] = []
    seen: set[int] = set()
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help or "" for a in action._choices_actions}
        for name, sub in action.choices.items():
            if id(sub) in seen:
                continue
            seen.add(id(sub))
            out.append((name, helps.get(name, ""), sub))
    return out


def man_page() -> str:
    """docs/fwlint.1, from fwlint's argument parser and the examples of each subcommand."""
    from fwlint import __version__
    from fwlint.cli import EXAMPLES, build_parser

    parser = build_parser()
    out = [
        f'.\\" Generated by `{REGENERATE}` from fwlint/cli.py; do not edit by hand.',
        f'.TH FWLINT 1 "" "fwlint {__version__}" "User Commands"',
        ".SH NAME",
        "fwlint \\- lint, analyse and translate iptables rulesets",
        ".SH SYNOPSIS",
        f"{_bold('fwlint')} [{_italic('options')}] {_italic('COMMAND')} [{_italic('arguments')}]",
        ".br",
        f"{_bold('fwlint')} [{_italic('check options')}] {_italic('PATH')} ...",
        ".SH DESCRIPTION",
        _roff(parser.description or ""),
        ".PP",
        _roff("Each finding is reported as path:line:column, a rule code, a severity and a "
              "message. A path given without a command is checked: fwlint rules.v4 is "
              "fwlint check rules.v4."),
        ".SH OPTIONS",
    ]
    for action in _documented_actions(parser):
        out += [".TP", _option_label(action), _roff(_help(action, "fwlint"))]
    out.append(".SH COMMANDS")
    for name, summary, sub in subcommands(parser):
        positionals = " ".join(_option_label(a) for a in sub._actions
                               if not a.option_strings and a.help is not argparse.SUPPRESS)
        synopsis = f"{_bold('fwlint ' + name)} [{_italic('options')}]"
        out += [".SS " + _roff(f"fwlint {name}"),
                f"{synopsis} {positionals}" if positionals else synopsis,
                ".PP", _roff(sub.description or summary)]
        for action in _documented_actions(sub, with_help=False):
            out += [".TP", _option_label(action), _roff(_help(action, f"fwlint {name}"))]
        examples = EXAMPLES.get(name, ())
        if examples:
            out += [".PP", "Examples:"]
            for command, what in examples:
                out += [".TP", _bold(command), _roff(what)]
    out += [
        ".SH PLUGINS",
        _roff("Rules and iptables extensions come from plugins: packages with an entry point in "
              "the group fwlint (fwlint's own rules register the same way). A plugin that fails to "
              "load is reported on standard error and skipped. See docs/plugins.md."),
        ".SH ENVIRONMENT",
        ".TP", _bold("FWLINT_DISABLE_PLUGIN_AUTOLOAD"),
        _roff("When set to anything but 0 or empty, third-party plugins are not loaded (as with "
              "--no-plugins)."),
        ".TP", _bold("NO_COLOR"),
        _roff("When set, output is never coloured."),
        ".SH EXIT STATUS",
        ".TP", "0", _roff("Nothing at or above the failure level was found."),
        ".TP", "1", _roff("Findings at or above the failure level."),
        ".TP", "2", _roff("A usage error, an unreadable file or an internal error (one line on "
                         "standard error)."),
        ".SH SEE ALSO",
        _roff("fwlint rules lists every rule and fwlint rule CODE shows one; docs/rules.md is the "
              "reference of every rule, docs/plugins.md the plugin API."),
        ".BR iptables (8),",
        ".BR iptables\\-save (8),",
        ".BR iptables\\-restore (8),",
        ".BR nft (8)",
    ]
    return "\n".join(out) + "\n"


GENERATED: dict[str, Callable[[], str]] = {
    "rules.md": rules_markdown,
    "fwlint.1": man_page,
}
"""Each generated file under docs/, and the function that writes its text."""


def out_of_date(docs_dir: Path) -> list[Path]:
    """The generated files under ``docs_dir`` whose text differs from what the code says."""
    stale = []
    for name, generate in GENERATED.items():
        path = docs_dir / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != generate():
            stale.append(path)
    return stale


def write(docs_dir: Path) -> list[Path]:
    """Rewrite the generated files that changed; returns them."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, generate in GENERATED.items():
        path = docs_dir / name
        text = generate()
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs-dir", default="docs", type=Path,
                        help="where the generated files live (default: docs)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a generated file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_date(args.docs_dir)
        for path in stale:
            print(f"{path} is out of date: run `{REGENERATE}` to regenerate it", file=sys.stderr)
        return 1 if stale else 0
    for path in write(args.docs_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
