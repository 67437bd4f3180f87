"""`fwlint convert`: the iptables-save file(s) a firewall script leaves behind.

The script is replayed in exact mode (fwlint.parse.script with the validity rules deciding
what iptables refuses, fwlint.parse.script_lint): a command iptables would refuse is left out,
as on a real machine, and said on standard error.  IPv4 rules go to ``-o`` (standard output by
default), IPv6 rules to ``--v6-output``; a script that changes IPv6 without ``--v6-output`` is
an error rather than a silent loss.  Files are written atomically.

Exit status: 0 when the output is what the script builds; 1 when it was written but is not
complete: a value the script does not set stayed a placeholder (``$WAN``), an input the
script loads could not be read, or (an iptables-save input) a line it could not read or a rule
of a chain never declared was left out, where iptables-restore would refuse the whole file;
2 for usage errors (no such file, IPv6 rules and nowhere to put
them).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TextIO

from fwlint.ast import Ruleset
from fwlint.emit.save import emit_ruleset
from fwlint.extensions import default_registry


@dataclass
class Conversion:
    """What converting one source gave."""

    rulesets: dict[int, Ruleset]
    families: tuple[int, ...]
    messages: list[str] = field(default_factory=list)  # for standard error, one per line
    incomplete: bool = False


def convert_text(text: str, path: str, source_format: str = "auto") -> Conversion:
    """Replay ``text`` (a script, or an iptables-save file) and gather what to say about it."""
    from fwlint.parse import no_gc, parse_text, source_format as detect
    from fwlint.parse.script import parse_script
    from fwlint.parse.script_lint import ValidityRefusal

    registry = default_registry()
    if detect(path, text, source_format) != "script":
        rulesets = parse_text(text, path, source_format_name="save")
        conversion = Conversion({rs.family: rs for rs in rulesets}, tuple(rs.family for rs in rulesets))
        for problem in rulesets[0].problems:
            conversion.messages.append(f"{problem.span}: {problem.message}")
            if not problem.warning:
                conversion.incomplete = True  # the line is not in the output
        for rs in rulesets:
            for table in rs.tables:
                for rule in table.undeclared_rules:
                    conversion.messages.append(f"{rule.span}: left out: chain {rule.chain} is never "
                                               f"declared in *{table.name}")
                    conversion.incomplete = True
        return conversion
    with no_gc():
        rulesets = parse_script(text, path, registry=registry, refusal=ValidityRefusal(registry),
                                exact=True)
    facts = rulesets[0].script
    assert facts is not None
    conversion = Conversion({rs.family: rs for rs in rulesets}, facts.families)
    messages = conversion.messages
    problems = rulesets[0].problems
    for p in problems:
        if p.message.startswith("shell syntax:"):
            messages.append(f"{p.span}: {p.message} (the shell stops reading the script there)")
    for rs in rulesets:
        for step in rs.script.steps if rs.script else ():
            if step.refused and step.command in ("append", "insert", "replace") and step.rule is not None:
                messages.append(f"{step.span}: left out, iptables refuses this command: {step.refused}")
    for note in facts.notes:
        if note.kind == "input-not-read":
            messages.append(f"{note.span}: {note.message}")
            conversion.incomplete = True
    unresolved = sorted({name for rs in rulesets for rule in rs.rules() for name in rule.unresolved})
    if unresolved:
        count = sum(1 for rs in rulesets for rule in rs.rules() if rule.unresolved)
        names = ", ".join(f"${n}" for n in unresolved)
        messages.append(f"{path}: {count} rule{'s keep' if count != 1 else ' keeps'} the placeholder of "
                        f"a variable the script does not set ({names}): replace it before loading "
                        "the output")
        conversion.incomplete = True
    flow = [n for n in facts.notes if n.kind == "control-flow"]
    if flow:
        messages.append(f"{path}: {len(flow)} function{'s' if len(flow) != 1 else ''}, conditional"
                        f"{'s' if len(flow) != 1 else ''} or loop{'s' if len(flow) != 1 else ''} read "
                        "in textual order, each command once (see FW505 in `fwlint check`)")
    return conversion


def _write(path: str, text: str) -> None:
    """Write ``text`` to ``path`` in one rename."""
    from fwlint.check import write_atomically

    write_atomically(path, text)


def convert(source: str, output: str | None = None, v6_output: str | None = None,
            source_format: str = "auto", stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`fwlint convert SOURCE [-o FILE] [--v6-output FILE]`: see the module's documentation."""
    from fwlint.check import UsageError
    from fwlint.parse import read_source

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if output == "-" and v6_output == "-":
        raise UsageError("-o - and --v6-output - cannot both be standard output")
    if source == "-":
        text, name = sys.stdin.read(), "-"
    else:
        if not os.path.exists(source):
            raise UsageError(f"{source}: no such file or directory")
        if os.path.isdir(source):
            raise UsageError(f"{source}: is a directory; convert takes one script")
        try:
            text = read_source(source)
        except OSError as exc:
            raise UsageError(f"{source}: cannot read: {exc.strerror or exc}") from None
        name = source
    conversion = convert_text(text, name, source_format)
    has_v6 = 6 in conversion.families
    has_v4 = 4 in conversion.families or not conversion.families
    if has_v6 and v6_output is None:
        raise UsageError(f"{name} changes IPv6 rules too (ip6tables): give --v6-output FILE for them "
                         "(- for standard output); nothing was written")
    for message in conversion.messages:
        print(f"fwlint: {message}", file=stderr)
    header = f"Generated by fwlint convert from {name}"
    outputs = []
    if has_v4 or output is not None:
        outputs.append((output, 4))
    if v6_output is not None:
        outputs.append((v6_output, 6))
    try:
        for target, family in outputs:
            rs = conversion.rulesets.get(family)
            body = emit_ruleset(rs, header=header) if rs is not None else f"# {header}\n"
            if target is None or target == "-":
                stdout.write(body)
            else:
                _write(target, body)
    except OSError as exc:
        raise UsageError(f"cannot write the output: {exc.strerror or exc}") from None
    return 1 if conversion.incomplete else 0
