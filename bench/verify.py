"""Figures for bench/results-verify.md: fwlint's translation compared on the kernel.

For every ruleset of corpus/ and ../shared/corpus/real: translated by fwlint, loaded with
iptables-legacy-restore into one private network namespace and with nft into another, probed
with the packets fwlint.verify makes from its rules (run as root):

    .venv/bin/python bench/verify.py [--seed N] > table.md

Rules fwlint does not translate yet are left out of both sides (and counted), so what is
compared is the rest; rules iptables refuses are left out too (no kernel would hold them).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fwlint.nft.command import load_rulesets  # noqa: E402
from fwlint.verify.lab import missing_prerequisites  # noqa: E402
from fwlint.verify.translation import verify_rulesets  # noqa: E402

PATTERNS = ("*.v4", "*.v6", "*.rules", "*.sh")


def sources() -> list[Path]:
    out = sorted(p for pattern in PATTERNS for p in (ROOT / "corpus").glob(pattern))
    real = ROOT.parent / "shared" / "corpus" / "real"
    if real.is_dir():
        out += sorted(p for p in real.iterdir() if p.name != "SOURCES.tsv")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    why = missing_prerequisites()
    if why:
        print(f"bench/verify.py: {why}", file=sys.stderr)
        return 2
    rows = []
    totals = dict(files=0, probes=0, differences=0, omitted=0, rules=0, probed=0, seconds=0.0)
    for path in sources():
        rulesets = load_rulesets([str(path)], None, "auto", io.StringIO())
        if not rulesets:
            rows.append(f"| {path.name} | - | - | - | - | - | - | no ruleset fwlint can read |")
            continue
        started = time.monotonic()
        prepared, report = verify_rulesets(rulesets, seed=args.seed, leave_out_untranslated=True)
        seconds = time.monotonic() - started
        families = "+".join(f"v{rs.family}" for rs in rulesets)
        refused = len(prepared.left_out) - prepared.omitted
        notes = []
        if prepared.omitted:
            notes.append(f"{prepared.omitted} untranslated rule(s) left out")
        if refused:
            notes.append(f"{refused} rule(s) iptables refuses left out")
        rows.append(f"| {path.name} | {families} | {report.rules_probed}/{report.rules_total} "
                    f"| {report.probes} "
                    f"| {report.rounds}/{report.batches} | {len(report.differences)} | {seconds:.1f} "
                    f"| {'; '.join(notes)} |")
        totals["files"] += 1
        totals["probes"] += report.probes
        totals["differences"] += len(report.differences)
        totals["omitted"] += prepared.omitted
        totals["rules"] += report.rules_total
        totals["probed"] += report.rules_probed
        totals["seconds"] += seconds
    print("| file | families | rules probed | probes | rounds/batches | differences | seconds | notes |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nTotal: {totals['files']} rulesets verified, {totals['probed']} of {totals['rules']} rules "
          f"probed, {totals['probes']} probes sent into each namespace, {totals['differences']} "
          f"differences, {totals['omitted']} untranslated rules left out, {totals['seconds']:.0f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
