"""Command-line interface: argument handling only; each subcommand calls one function."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from fwlint import __version__
from fwlint.report import FORMAT_NAMES

SUBCOMMANDS = ("check", "rules", "rule", "convert", "trace", "translate", "apply")

EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "check": (
        ("fwlint check /etc/iptables/rules.v4", "lint one file (`fwlint rules.v4` says the same)"),
        ("iptables-save | fwlint check -", "lint the ruleset the kernel has now"),
        ("fwlint check --select FW1 --output-format json corpus/",
         "validity rules only, every ruleset file below corpus/, as JSON"),
        ("fwlint check --fix rules.v4", "apply the safe fixes, then report what is left"),
    ),
    "rules": (("fwlint rules", "list every rule: code, name, severity, fix, summary"),),
    "convert": (
        ("fwlint convert firewall.sh -o rules.v4", "the iptables-save file the script builds"),
        ("fwlint convert rc.firewall -o rules.v4 --v6-output rules.v6",
         "a script that calls ip6tables too: both families"),
    ),
    "rule": (("fwlint rule FW101", "show the documentation of FW101 (or: fwlint rule unknown-target)"),),
    "translate": (
        ("fwlint translate rules.v4 -o rules.nft", "the nftables ruleset (table ip fwlint) for nft -f"),
        ("fwlint translate rules.v4 rules.v6 --family inet --optimize -o rules.nft",
         "both families in one inet table, adjacent rules merged into sets and verdict maps"),
        ("fwlint translate --format json --allow-partial rules.v4",
         "libnftables JSON; rules nftables cannot express are reported, not written"),
        ("fwlint translate --verify rules.v4 -o rules.nft",
         "then compare both on the kernel, packet by packet, in two private network namespaces (root)"),
    ),
    "apply": (
        ("fwlint apply --dry-run rules.v4", "lint, translate and check with libnftables; say what would change"),
        ("fwlint apply --confirm 30 rules.v4 rules.v6",
         "apply both families, then restore the previous tables unless `yes` is typed within 30 s"),
        ("fwlint apply rules.nft --backup /root/before.json", "an nft file, saving what it replaces there"),
        ("fwlint apply --restore /var/lib/fwlint/backup-20261121T101500Z.json", "put a backup back"),
    ),
    "trace": (
        ("fwlint trace rules.v4 --packet 'tcp 203.0.113.7:40000 -> 192.0.2.1:22 in eth0'",
         "follow one packet through the tables and chains: each rule, each match, the verdict"),
        ("fwlint trace rules.v4 --local 192.0.2.1 --packet 'udp 198.51.100.7:5353 -> 192.0.2.9:53 in eth1'",
         "with this host's addresses given, a packet for another one is traced as forwarded"),
    ),
}
"""Examples for `fwlint --help`, `fwlint COMMAND --help` and the man page: every subcommand
has at least one (tests/test_docs.py checks that each parses)."""


def _add_examples(parser: argparse.ArgumentParser) -> None:
    """Put each subcommand's examples in the epilogs of ``parser`` and of the subcommand."""
    lines = ["Examples:"]
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, sub in action.choices.items():
            shown = [f"  {command}\n      {what}" for command, what in EXAMPLES.get(name, ())]
            lines.extend(shown)
            if shown and sub.epilog is None:
                sub.epilog = "Examples:\n" + "\n".join(shown)
                sub.formatter_class = argparse.RawDescriptionHelpFormatter
    lines.append("A path given without a command is checked: `fwlint rules.v4` is `fwlint check rules.v4`.")
    parser.epilog = "\n".join(lines)


def _codes(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fwlint",
        description="Lint iptables rulesets (iptables-save / iptables-restore files).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"fwlint {__version__}")
    parser.add_argument("--no-plugins", action="store_true",
                        help="do not load third-party plugins (also FWLINT_DISABLE_PLUGIN_AUTOLOAD=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="lint ruleset files (the default command)",
                           description="Lint iptables-save files and firewall scripts; directories "
                                       "are searched for rules.v4, rules.v6, *.v4, *.v6, *.rules, "
                                       "iptables*, ip6tables*, and for *.sh, *.bash, rc.firewall*, "
                                       "firewall* files that call iptables.")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; - for stdin")
    check.add_argument("--select", action="append", metavar="CODES",
                       help="only these rule codes or prefixes (comma-separated): FW1,FW203")
    check.add_argument("--extend-select", action="append", metavar="CODES",
                       help="these rule codes or prefixes as well as the selected ones")
    check.add_argument("--ignore", action="append", metavar="CODES",
                       help="leave out these rule codes or prefixes")
    check.add_argument("--output-format", choices=FORMAT_NAMES, default="text", metavar="FORMAT",
                       help="text (default), concise, full (source lines, carets, fixes as diffs), "
                            "json, json-lines, github (Actions annotations), junit, sarif")
    check.add_argument("--family", choices=("4", "6"), help="read the input as IPv4 or IPv6 "
                       "(default: from the file name or header)")
    check.add_argument("--fail-level", choices=("error", "warning", "info"), default=None,
                       help="lowest severity that makes the exit code 1 (default: the "
                            "configuration's fail-on, else warning)")
    check.add_argument("--stdin-filename", metavar="NAME", help="name to report for stdin")
    check.add_argument("--fix", action="store_true", help="apply safe fixes to the files")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix, apply unsafe ones too")
    check.add_argument("--diff", action="store_true",
                       help="print the diff --fix would make, change no file (exit 1 if there is one)")
    check.add_argument("--config", metavar="PATH",
                       help="use this configuration file (fwlint.toml, or a pyproject.toml with "
                            "[tool.fwlint]) instead of the one nearest to each file")
    check.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    check.add_argument("--no-analysis", action="store_true",
                       help="skip the exact reachability model: no FW201/FW202, and FW203/FW204 "
                            "compare rules as written (faster on huge rulesets)")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings (2 still means an error)")
    check.add_argument("--statistics", action="store_true",
                       help="show how many findings each rule has instead of the findings")
    check.add_argument("-q", "--quiet", action="store_true",
                       help="print the findings and nothing else: no summary, no progress")
    check.add_argument("--format", choices=("auto", "save", "script"), default="auto",
                       dest="source_format",
                       help="read the files as iptables-save text or as shell scripts calling "
                            "iptables (default: auto, from each file's content)")
    check.add_argument("--no-plugins", action="store_true", default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)

    convert = sub.add_parser("convert", help="write the iptables-save file a firewall script builds",
                             description="Replay a shell script's iptables commands and write the "
                                         "ruleset it leaves behind, as iptables-save prints it.")
    convert.add_argument("source", metavar="SCRIPT", help="the script (- for stdin)")
    convert.add_argument("-o", "--output", metavar="FILE",
                         help="where the IPv4 ruleset goes (default: standard output)")
    convert.add_argument("--v6-output", metavar="FILE",
                         help="where the IPv6 ruleset goes; needed when the script calls ip6tables")
    convert.add_argument("--format", choices=("auto", "save", "script"), default="auto",
                         dest="source_format", help="read SCRIPT as a script or as iptables-save text "
                                                    "(default: auto)")
    convert.add_argument("--no-plugins", action="store_true", default=argparse.SUPPRESS,
                         help=argparse.SUPPRESS)

    trace = sub.add_parser(
        "trace", help="follow one packet through a ruleset",
        description="Follow one packet through the ruleset's hooks, tables and chains in the "
                    "kernel's order and show every rule it meets, each match's result (yes, no, "
                    "unknown) and the verdict, with NAT rewrites.")
    trace.add_argument("source", metavar="FILE",
                       help="an iptables-save file or a firewall script (- for stdin)")
    trace.add_argument("--packet", required=True, metavar="PACKET",
                       help="the packet: PROTOCOL [SRC[:PORT] -> DST[:PORT]] [in IF] [out IF] "
                            "[state S] [flags F,..] [type T] [mark N] [forward] ...")
    trace.add_argument("--local", action="append", metavar="ADDR",
                       help="an address of this host (repeat, or comma-separated): decides whether "
                            "the packet is for this host, sent by it, or forwarded")
    trace.add_argument("--output-format", choices=("text", "json"), default="text", metavar="FORMAT",
                       help="text (default) or json")
    trace.add_argument("--family", choices=("4", "6"), help="read the file as IPv4 or IPv6 "
                       "(default: from the file name or header)")
    trace.add_argument("--format", choices=("auto", "save", "script"), default="auto",
                       dest="source_format", help="read FILE as iptables-save text or as a shell script "
                                                  "(default: auto)")
    trace.add_argument("--no-plugins", action="store_true", default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)

    translate = sub.add_parser(
        "translate", help="translate rulesets to nftables",
        description="Translate iptables rulesets (save files or firewall scripts) to an nftables "
                    "ruleset: one table per family (or one inet table), base chains at iptables' "
                    "priorities.  What nftables cannot express is reported (FW601) and nothing is "
                    "written unless --allow-partial; approximations are warnings (FW602).")
    translate.add_argument("sources", nargs="+", metavar="FILE",
                           help="an IPv4 and/or an IPv6 ruleset (- for stdin)")
    translate.add_argument("-o", "--output", metavar="FILE",
                           help="write the nftables ruleset here (default: standard output)")
    translate.add_argument("--format", choices=("nft", "json"), default="nft", dest="output_format",
                           help="nft block syntax (default) or libnftables JSON")
    translate.add_argument("--family", choices=("4", "6", "inet"),
                           help="read the input as IPv4 or IPv6, or merge both families into one "
                                "inet table (default: each file's own family, a table each)")
    translate.add_argument("--table", default="fwlint", metavar="NAME",
                           help="name of the nft table (default: fwlint); filter, nat, mangle, raw "
                                "and security only with --family inet (ip and ip6 tables of those "
                                "names are iptables-nft's)")
    translate.add_argument("--optimize", action="store_true",
                           help="merge adjacent rules of one shape into sets and verdict maps")
    translate.add_argument("--counters", action="store_true",
                           help="give every rule a counter, with the packet and byte counts of the dump")
    translate.add_argument("--allow-partial", action="store_true",
                           help="write the translation even when rules cannot be translated, each "
                                "of them as a comment (the exit status is still 1)")
    translate.add_argument("--ipset", action="append", metavar="FILE",
                           help="the sets -m set uses, as `ipset save` prints them; they become "
                                "named nft sets")
    translate.add_argument("--resolve", action="store_true",
                           help="look host names up now (DNS) instead of reporting them")
    translate.add_argument("--input-format", choices=("auto", "save", "script"), default="auto",
                           dest="source_format",
                           help="read the files as iptables-save text or as shell scripts (default: "
                                "auto, from each file's content)")
    translate.add_argument("-q", "--quiet", action="store_true", help="no summary line, no progress")
    translate.add_argument("--verify", action="store_true",
                           help="then load the rulesets with iptables-legacy-restore and the translation "
                                "with nft into two private network namespaces, send the same probe "
                                "packets into both and report (on standard error) every packet whose "
                                "fate differs, with the rule on each side that decided it; exit 1 if "
                                "one does (needs root)")
    translate.add_argument("--no-plugins", action="store_true", default=argparse.SUPPRESS,
                           help=argparse.SUPPRESS)

    apply = sub.add_parser(
        "apply", help="put a ruleset into the kernel through libnftables (root)",
        description="Put a ruleset into the running kernel: an nft file, or iptables rulesets (linted "
                    "and translated first).  The tables the input names are replaced in one "
                    "transaction (checked first by libnftables' dry run); other tables (Docker's, "
                    "iptables-nft's) are left as they are, a table fwlint did not create is "
                    "replaced only with --force (iptables-nft's never), and fwlint's own tables "
                    "for the same packets go.  What it replaces is saved first (--backup).  Exit "
                    "status: 0 applied (or, with --confirm, confirmed), 1 refused and nothing changed, "
                    "2 usage errors and missing root or libnftables, 3 applied and then rolled back.")
    apply.add_argument("sources", nargs="*", metavar="FILE",
                       help="an nft file (- for stdin), or an IPv4 and/or an IPv6 iptables ruleset")
    apply.add_argument("--dry-run", action="store_true",
                       help="check only (lint, translation, libnftables' dry run) and say what would change")
    apply.add_argument("--force", action="store_true",
                       help="apply despite error findings, a lockout warning or a table that is not fwlint's "
                            "(each is said); never despite FW1xx or FW601, never over iptables-nft's tables")
    apply.add_argument("--backup", metavar="PATH",
                       help="save the tables it replaces here (default: /var/lib/fwlint/backup-TIME.json)")
    apply.add_argument("--restore", metavar="BACKUP",
                       help="put a backup back (the tables it holds as they were; those the apply created "
                            "deleted) instead of applying a file")
    apply.add_argument("--confirm", type=float, metavar="SECONDS",
                       help="after applying, wait this long for `yes` on the terminal; without it (no "
                            "answer, another answer, end of input, Ctrl-C, a hangup, fwlint killed: a "
                            "watchdog process) restore the previous ruleset and exit 3")
    apply.add_argument("--family", choices=("4", "6", "inet"),
                       help="iptables input: as for translate (default: a table per family)")
    apply.add_argument("--table", default="fwlint", metavar="NAME",
                       help="iptables input: the nft table's name (default: fwlint)")
    apply.add_argument("--input-format", choices=("auto", "save", "script"), default="auto",
                       dest="source_format", help="iptables input: as for check (default: auto)")
    apply.add_argument("--no-plugins", action="store_true", default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)

    rules = sub.add_parser("rules", help="list every rule", description="List every rule.")
    rules.add_argument("--output-format", choices=("text", "json"), default="text")
    rules.add_argument("--no-plugins", action="store_true", default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)
    rule = sub.add_parser("rule", help="show one rule's documentation",
                          description="Show one rule's documentation: fwlint rule FW101.")
    rule.add_argument("code", metavar="CODE", help="rule code (FW101) or name (unknown-target)")
    rule.add_argument("--no-plugins", action="store_true", default=argparse.SUPPRESS,
                      help=argparse.SUPPRESS)
    _add_examples(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-") or a == "-"), None)
    if first is not None and first not in SUBCOMMANDS and "--help" not in args_list \
            and "-h" not in args_list and "--version" not in args_list:
        # `fwlint [options] PATH...` means `fwlint check [options] PATH...`.  The first word
        # not starting with - may be the value of an option (`--select FW1 rules.v4`), so
        # `check` goes first; it accepts the top-level --no-plugins too.
        args_list.insert(0, "check")
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        return _run(args, parser)
    except KeyboardInterrupt:
        print("fwlint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a traceback is always a bug: one line, exit 2
        from fwlint.check import UsageError

        if isinstance(exc, UsageError):
            print(f"fwlint: error: {exc}", file=sys.stderr)
        else:
            print(f"fwlint: internal error: {type(exc).__name__}: {exc} "
                  "(please report this with the input that caused it)", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from fwlint import commands
    from fwlint.plugins import set_autoload

    if getattr(args, "no_plugins", False):
        set_autoload(False)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "check":
        if not args.paths:
            print("fwlint: error: give at least one PATH (or - for stdin)", file=sys.stderr)
            return 2
        return commands.check(args.paths, select=_codes(args.select), ignore=_codes(args.ignore),
                              output_format=args.output_format,
                              family=int(args.family) if args.family else None,
                              fail_level=args.fail_level, stdin_filename=args.stdin_filename,
                              fix=args.fix, unsafe_fixes=args.unsafe_fixes,
                              exit_zero=args.exit_zero, statistics=args.statistics, quiet=args.quiet,
                              extend_select=_codes(args.extend_select), diff=args.diff,
                              config=args.config, isolated=args.isolated,
                              source_format=args.source_format, analysis=not args.no_analysis)
    if args.command == "convert":
        return commands.convert(args.source, args.output, args.v6_output, args.source_format)
    if args.command == "trace":
        return commands.trace(args.source, args.packet, local=args.local or (),
                              output_format=args.output_format,
                              family=int(args.family) if args.family else None,
                              source_format=args.source_format)
    if args.command == "translate":
        return commands.translate(args.sources, args.output, output_format=args.output_format,
                                  family=args.family, table=args.table, optimize=args.optimize,
                                  counters=args.counters, allow_partial=args.allow_partial,
                                  ipset_files=args.ipset or (), resolve=args.resolve,
                                  source_format=args.source_format, quiet=args.quiet,
                                  verify=args.verify)
    if args.command == "apply":
        from fwlint.apply.command import apply_command, restore_command

        if args.restore is not None:
            if args.sources:
                print("fwlint: error: --restore takes a backup and no FILE", file=sys.stderr)
                return 2
            given = [name for name, value in (("--confirm", args.confirm), ("--force", args.force),
                                              ("--backup", args.backup)) if value not in (None, False)]
            if given:
                print(f"fwlint: error: --restore puts a backup back as it is: {', '.join(given)} "
                      f"{'is' if len(given) == 1 else 'are'} not for it", file=sys.stderr)
                return 2
            return restore_command(args.restore, dry_run=args.dry_run)
        if not args.sources:
            print("fwlint: error: give a FILE to apply (or --restore BACKUP)", file=sys.stderr)
            return 2
        return apply_command(args.sources, force=args.force, dry_run=args.dry_run, backup_path=args.backup,
                             confirm=args.confirm, family=args.family, table=args.table,
                             source_format=args.source_format)
    if args.command == "rules":
        return commands.list_rules(args.output_format)
    if args.command == "rule":
        return commands.show_rule(args.code)
    return 2


def entry() -> None:
    status = main()
    translation = sys.modules.get("fwlint.nft.command")
    if translation is not None and translation.KEPT:
        # a big translation: its output is written; leave without freeing its objects one by one
        import os

        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(status)
        os._exit(status or 0)
    sys.exit(status)


if __name__ == "__main__":
    entry()
