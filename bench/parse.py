#!/usr/bin/env python3
"""Parsing speed: fwlint against iptables-restore-translate on the same 50k-rule dump.

    python bench/parse.py [--rules 50000] [--repeat 3]

Generates the dump with ../shared/bench/gen_ruleset.py, then times, in this one run:
fwlint's parse (text to AST), a full `fwlint check` in-process, and
`iptables-restore-translate -f` (the C parser and translator) when it is installed.
Prints lines/second for each and writes bench/results-parse.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GEN = HERE.parent.parent / "shared" / "bench" / "gen_ruleset.py"


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", type=int, default=50000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not GEN.is_file():
        print(f"bench: {GEN} not found (../shared is needed)", file=sys.stderr)
        return 2
    dump = HERE / f"bench-{args.rules}.rules"
    with open(dump, "w") as f:
        subprocess.run([sys.executable, str(GEN), "--rules", str(args.rules), "--seed", str(args.seed)],
                       stdout=f, check=True)
    text = dump.read_text()
    lines = text.count("\n")

    from fwlint.check import check_source
    from fwlint.lint.engine import catalogue
    from fwlint.parse import parse_text

    parse_text("*filter\nCOMMIT\n", "warm.rules")  # load (or build) the cached grammar
    rules = catalogue().select()
    t_parse = best_of(args.repeat, lambda: parse_text(text, str(dump)))
    t_check = best_of(args.repeat, lambda: check_source(text, str(dump), rules))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [("fwlint parse", t_parse), ("fwlint check (parse + lint)", t_check)]
    translate = shutil.which("iptables-restore-translate")
    if translate:
        def run_c() -> None:
            subprocess.run([translate, "-f", str(dump)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
        rows.append(("iptables-restore-translate -f", best_of(args.repeat, run_c)))
    else:
        print("bench: iptables-restore-translate not installed; apt install iptables", file=sys.stderr)

    out = [f"# Parse benchmark: {args.rules} rules, {lines} lines (gen_ruleset.py --seed {args.seed})",
           "", f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; best of {args.repeat}.", "",
           "| what | seconds | lines/second |", "|---|---:|---:|"]
    for name, t in rows:
        out.append(f"| {name} | {t:.3f} | {lines / t:,.0f} |")
    out += ["", f"fwlint peak RSS in this process: {peak_mib:.0f} MiB"]
    if translate:
        out.append(f"fwlint parse / iptables-restore-translate: {t_parse / rows[-1][1]:.2f}x")
    report = "\n".join(out) + "\n"
    print(report)
    (HERE / "results-parse.md").write_text(report)
    dump.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
