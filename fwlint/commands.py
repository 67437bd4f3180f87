"""What each subcommand does, apart from argument handling."""

from __future__ import annotations

import json
import sys
from typing import Sequence

from fwlint.check import UsageError, check_paths, fix_paths
from fwlint.lint.config import ConfigError, Configuration
from fwlint.lint.diagnostic import Severity
from fwlint.lint.engine import catalogue
from fwlint.parse import no_gc
from fwlint.progress import enabled as progress_enabled
from fwlint.report import FORMATS, Report, use_color
from fwlint.report import statistics as report_statistics


def check(paths: Sequence[str], *, select: Sequence[str], ignore: Sequence[str],
          output_format: str, family: int | None, fail_level: str | None,
          stdin_filename: str | None = None, fix: bool = False, unsafe_fixes: bool = False,
          exit_zero: bool = False, statistics: bool = False, quiet: bool = False,
          extend_select: Sequence[str] = (), diff: bool = False, config: str | None = None,
          isolated: bool = False, source_format: str = "auto", analysis: bool = True) -> int:
    cat = catalogue()
    unknown = cat.unknown_selectors([*select, *extend_select, *ignore])
    if unknown:
        raise UsageError(f"unknown rule code or prefix: {', '.join(unknown)} (see `fwlint rules`)")
    if config is not None and isolated:
        raise UsageError("--config and --isolated contradict each other: give one of them")
    if not analysis and (select or extend_select) and not quiet:
        skipped = [r.code for r in cat.select([*select, *extend_select], ignore)
                   if getattr(r, "analysis", None) == "required"]
        if skipped:
            print(f"fwlint: warning: --no-analysis: {', '.join(skipped)} not run (they need the "
                  "reachability analysis)" if len(skipped) > 1 else
                  f"fwlint: warning: --no-analysis: {skipped[0]} not run (it needs the reachability "
                  "analysis)", file=sys.stderr)
    try:
        configuration = Configuration(select=select, extend_select=extend_select, ignore=ignore,
                                      fail_level=fail_level, config_file=config, isolated=isolated,
                                      catalogue=cat)
        with progress_enabled(not quiet):
            if diff:
                return _diff(paths, configuration, family, unsafe_fixes, stdin_filename, quiet,
                             exit_zero, source_format, analysis)
            if fix:
                result, fixed = fix_paths(paths, configuration, family, unsafe=unsafe_fixes,
                                          source_format=source_format, analysis=analysis)
                if fixed and not quiet:
                    left = len(result.diagnostics)
                    print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''} ({left} remaining).",
                          file=sys.stderr)
            else:
                result = check_paths(paths, configuration, family, stdin_filename, source_format,
                                     analysis=analysis)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if result.files == 0 and not quiet:
        # As ruff does: nothing to check is worth a line, but not a failure.
        print(f"fwlint: warning: no ruleset files found in {', '.join(paths)} (searched for "
              "rules.v4, rules.v6, *.v4, *.v6, *.rules, iptables*, ip6tables* and firewall "
              "scripts)", file=sys.stderr)
    report = Report(result.diagnostics, files=list(result.sources), sources=result.sources,
                    color=use_color(sys.stdout), quiet=quiet)
    # The report builds many small objects that all live until it is written: without the
    # cyclic collector (see fwlint.parse.no_gc), which would walk them again and again.
    with no_gc():
        if statistics:
            (report_statistics.write_json if output_format == "json" else report_statistics.write)(
                report, sys.stdout)
        else:
            FORMATS[output_format](report, sys.stdout)
    threshold = Severity.parse(fail_level) if fail_level else Severity.WARNING
    if exit_zero:
        return 0
    return 1 if any(d.severity >= result.fail_levels.get(d.span.file, threshold)
                    for d in result.diagnostics) else 0


def _diff(paths: Sequence[str], configuration: Configuration, family: int | None, unsafe: bool,
          stdin_filename: str | None, quiet: bool, exit_zero: bool,
          source_format: str = "auto", analysis: bool = True) -> int:
    """`check --diff`: the unified diff of what --fix would change, written nowhere else;
    exit 1 when there is something to fix."""
    from fwlint.lint.fix import unified_diff

    result, fixed = fix_paths(paths, configuration, family, unsafe=unsafe, write=False,
                              stdin_filename=stdin_filename, source_format=source_format,
                              analysis=analysis)
    for name, original in result.originals.items():
        sys.stdout.write(unified_diff(name, original, result.sources[name]))
    if fixed and not quiet:
        left = len(result.diagnostics)
        print(f"Would fix {fixed} finding{'s' if fixed != 1 else ''} ({left} remaining).",
              file=sys.stderr)
    return 1 if fixed and not exit_zero else 0


def list_rules(output_format: str = "text") -> int:
    rules = list(catalogue())
    if output_format == "json":
        json.dump([{"code": r.code, "name": r.name, "severity": str(r.severity),
                    "fixable": r.fixable, "summary": r.summary(),
                    "plugin": r.__module__.split(".")[0]} for r in rules],
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max((len(r.name) for r in rules), default=10)
    for r in rules:
        fix = r.fixable or "-"
        print(f"{r.code}  {r.name:<{width}}  {str(r.severity):<7}  fix:{fix:<6}  {r.summary()}")
    return 0


def show_rule(code: str) -> int:
    rule = catalogue().get(code)
    if rule is None:
        raise UsageError(f"no rule {code!r} (see `fwlint rules`)")
    print(f"# {rule.code} {rule.name}")
    print()
    print(f"Severity: {rule.severity}. Fix: {rule.fixable or 'none'}.")
    print()
    print(rule.documentation())
    return 0


def convert(source: str, output: str | None = None, v6_output: str | None = None,
            source_format: str = "auto") -> int:
    """`fwlint convert`: the iptables-save file(s) a firewall script builds (fwlint.emit.convert)."""
    from fwlint.emit.convert import convert as convert_source

    return convert_source(source, output, v6_output, source_format)


def trace(source: str, packet: str, *, local: Sequence[str] = (), output_format: str = "text",
          family: int | None = None, source_format: str = "auto") -> int:
    """`fwlint trace`: one packet through the ruleset of FILE (fwlint.analysis.trace)."""
    from fwlint.analysis.trace import TraceError, choose_ruleset, parse_local, trace as trace_packet
    from fwlint.analysis.trace import write_json, write_text
    from fwlint.parse import parse_text, read_source

    if source == "-":
        text, name = sys.stdin.read(), "-"
    else:
        try:
            text, name = read_source(source), source
        except FileNotFoundError:
            raise UsageError(f"{source}: no such file or directory") from None
        except IsADirectoryError:
            raise UsageError(f"{source}: a directory; trace takes one ruleset file") from None
        except OSError as exc:
            raise UsageError(f"{source}: {exc.strerror or exc}") from None
    try:
        addresses = parse_local(local)
        rulesets = parse_text(text, name, family, source_format_name=source_format)
        ruleset, parsed = choose_ruleset(rulesets, packet)
        result = trace_packet(ruleset, parsed, addresses)
    except TraceError as exc:
        raise UsageError(str(exc)) from None
    if ruleset.problems:
        first = ruleset.problems[0]
        print(f"fwlint: warning: {first.span}: {first.message}; the trace uses the lines that parse "
              "(fwlint check reports them all)", file=sys.stderr)
    (write_json if output_format == "json" else write_text)(result, sys.stdout)
    return 0


def translate(sources: Sequence[str], output: str | None = None, *, output_format: str = "nft",
              family: str | None = None, table: str = "fwlint", optimize: bool = False,
              counters: bool = False, allow_partial: bool = False, ipset_files: Sequence[str] = (),
              resolve: bool = False, source_format: str = "auto", quiet: bool = False,
              verify: bool = False) -> int:
    """`fwlint translate`: iptables rulesets to nftables (fwlint.nft.command); with ``verify``,
    then both compared on the kernel (fwlint.verify.translation)."""
    from fwlint.nft.command import translate_command

    if verify:
        from fwlint.verify.translation import preflight

        why = preflight(sources)
        if why is not None:
            print(f"fwlint: --verify: {why}", file=sys.stderr)
            return 2
    with progress_enabled(not quiet):
        status = translate_command(sources, output, output_format=output_format, family=family,
                                   table=table, optimize=optimize, counters=counters,
                                   allow_partial=allow_partial, ipset_files=ipset_files, resolve=resolve,
                                   source_format=source_format, quiet=quiet)
    if not verify:
        return status
    from fwlint.verify.translation import verify_command

    with progress_enabled(not quiet):
        checked = verify_command(sources, family=family, table=table, optimize=optimize,
                                 ipset_files=ipset_files, resolve=resolve, source_format=source_format)
    return max(status, checked)
