#!/usr/bin/env python3
"""Speed of the exact reachability analysis (fwlint.analysis): parse time, analysis time, peak memory.

    python bench/analysis.py [--sizes 10000 50000 100000] [--prefix-rules 20000] [--seed 1]

Cases: ../shared/bench/gen_ruleset.py output at each size, and one chain of N `-s PREFIX -j DROP`
rules (random prefixes, /16 to /32).  Each case runs in a process of its own, so that the peak
resident memory (getrusage maxrss, which counts CUDD's tables too) is that case's.  "analysis"
is build_model: every rule encoded, every chain walked and summarised, and the FW201-FW204
findings worked out; parsing is timed apart.  CPU seconds (process time), as the machine may be
shared.  Writes bench/results-analysis.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
GEN = HERE.parent.parent / "shared" / "bench" / "gen_ruleset.py"

NOTES = """Issue 5 asks for the 50,000-rule case under 5 s: not met (16-19 s CPU here, from 38 s).
The 50k -> 100k growth measured 1.82x, 2.09x and 2.19x in three runs within the same hour
(the machine shared): linear within the noise. What still grows with the ruleset is kept on
purpose: each finding's packets (for sampling) and the summaries of mid-size chains.

## Where the time goes

Per-phase CPU seconds at 50,000 rules (timers around each step; this machine is shared with
other work, load 2-10 while measuring, so figures move by ±20% between runs): encoding rules
to BDDs 3.5 s (~70 µs a rule: Python per match and value, a few small BDD operations; meanings
cached per match text, values per value); the walks 6.6 s; FW202's "decided the same way by
the later rules" 3.7 s; finding the blockers of shadowed rules 1.5 s; the rest (entries,
catch-all checks, chain order) ~1 s. CUDD's garbage collection is 1.8 s of those (11
collections); dynamic reordering is off (0 s); the Python cost of a dd call (~0.5 µs) is not
what matters. Before this round: 38.4 s in all, of which FW202's pass 17 s, the walks 10 s,
encoding 4 s, blockers 2.6 s, CUDD collection 5.8 s.

- gen_ruleset.py puts 80% of the rules in filter chains of ~50 rules, each a random box over
  independent fields. The set of packets still unmatched after k of them is the complement of a
  union of k unrelated boxes, ~1,500-2,500 nodes after 50, and each rule costs one operation on
  it (~100-200 µs here): that walk is the floor of this design, ~6 s for 40,000 such rules.
- Emptiness and inclusion ("do these packets reach rule i?", "are they all taken by these
  rules?") are asked with CUDD's Cudd_bddLeq (fwlint/analysis/native.py), which stops at the
  first path that decides and builds nothing; building the conjunction and comparing it with
  false cost 4x more in the FW202 pass.
- The address-type fields sit last in the variable order: the universe's "one type per IPv4
  address" test was copied under every distinct rest of a remaining set (a third of its nodes).
- Live nodes are kept to about one chain's worth: a user chain without jumps or header changes
  is encoded when its turn comes, every chain's rules are released after its findings (encoded
  again if read), and the value caches are emptied past a size. At 50,000 rules: 1.9 M live
  nodes at the end before, 0.45 M now; peak RSS 890 -> 420 MiB; CUDD collection 5.8 -> 1.9 s.
- Tried, no gain: other variable orders (source address first, ports last ...: equal or up to
  2x worse), a larger or capped CUDD cache, walking from "any packet" instead of the universe
  (11% fewer nodes after the reorder), a balanced tree of unions with witness packets in place
  of the running set (at most 1.5x on the walk, and every user of the per-rule sets would have
  to work on implicit sets).
- Kept linear by design: a built-in chain that jumps to hundreds of chains stops taking their
  decisions off its set past REACH_BUDGET nodes; a chain whose "comes back" set is large is
  used coarsely at its jumps (SUMMARY_BUDGET); a shadowed rule deep in a long chain finds its
  blockers by bisecting the reach sets; a rule's packets are followed at most FOLLOW_BUDGET
  rules before one backward pass decides.
- `fwlint check --no-analysis` skips the model (FW201/FW202 off, FW203/FW204 as written).
"""


def prefix_chain(rules: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    for _ in range(rules):
        bits = rng.choice([16, 20, 24, 24, 24, 28, 32])
        address = (rng.randint(1, 223) << 24) | rng.getrandbits(24)
        address &= ~((1 << (32 - bits)) - 1) & 0xFFFFFFFF
        dotted = ".".join(str(address >> shift & 0xFF) for shift in (24, 16, 8, 0))
        lines.append(f"-A INPUT -s {dotted}/{bits} -j DROP")
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def run_case(path: str) -> dict:
    """Parse and analyse one file in this process; what was measured."""
    from fwlint.analysis.model import build_model
    from fwlint.extensions import default_registry
    from fwlint.parse import no_gc, parse_text

    text = Path(path).read_text()
    registry = default_registry()
    parse_text("*filter\nCOMMIT\n", "warm.rules")  # grammar loaded
    import dd.cudd  # noqa: F401  (imported before the clock starts, as in a real check)
    with no_gc():
        t0 = time.process_time()
        rulesets = parse_text(text, path)
        t1 = time.process_time()
        w1 = time.perf_counter()
        findings: Counter = Counter()
        nodes = 0
        rules = 0
        for ruleset in rulesets:
            model = build_model(ruleset, registry)
            findings.update(f.code for f in model.findings)
            with warnings.catch_warnings():  # dd warns that a key it returns changed unit
                warnings.simplefilter("ignore")
                nodes = max(nodes, int(model.encoding.bdd.statistics()["peak_live_nodes"]))
            rules += sum(len(r) for tm in model.tables for r in tm.rules.values())
        t2 = time.process_time()
        w2 = time.perf_counter()
    return {"lines": text.count("\n"), "rules": rules, "parse": t1 - t0, "analysis": t2 - t1,
            "wall": w2 - w1,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "nodes": nodes, "findings": dict(sorted(findings.items()))}


def measure(path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--case", str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[10000, 50000, 100000])
    ap.add_argument("--prefix-rules", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    if not GEN.is_file():
        print(f"bench: {GEN} not found (../shared is needed)", file=sys.stderr)
        return 2
    cases: list[tuple[str, Path]] = []
    for n in args.sizes:
        dump = HERE / f"bench-{n}.rules"
        with open(dump, "w") as f:
            subprocess.run([sys.executable, str(GEN), "--rules", str(n), "--seed", str(args.seed)],
                           stdout=f, check=True)
        cases.append((f"gen_ruleset.py --rules {n}", dump))
    if args.prefix_rules:
        dump = HERE / f"bench-prefix-{args.prefix_rules}.rules"
        dump.write_text(prefix_chain(args.prefix_rules, args.seed))
        cases.append((f"one chain of {args.prefix_rules} -s PREFIX -j DROP", dump))
    rows = []
    for name, path in cases:
        result = measure(path)
        rows.append((name, result))
        print(f"{name}: parse {result['parse']:.2f}s, analysis {result['analysis']:.2f}s, "
              f"peak {result['peak_mib']:.0f} MiB, {result['findings']}", file=sys.stderr)
        path.unlink()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = [f"# Analysis benchmark (gen_ruleset.py --seed {args.seed})", "",
           (f"Python {sys.version.split()[0]}, {platform.machine()}, {os.cpu_count()} cores, "
            f"load average {load:.1f} when it finished; CPU seconds of one process per case "
            "(the analysis runs in one process), and the analysis's wall-clock seconds."), "",
           ("| case | rules | parse s | analysis s | analysis wall s | analysis µs/rule | peak RSS MiB | "
            "peak live BDD nodes | findings |"),
           "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, r in rows:
        per_rule = r["analysis"] / max(1, r["rules"]) * 1e6
        shown = ", ".join(f"{k} {v}" for k, v in r["findings"].items()) or "none"
        out.append(f"| {name} | {r['rules']} | {r['parse']:.2f} | {r['analysis']:.2f} | {r['wall']:.2f} | "
                   f"{per_rule:.0f} | "
                   f"{r['peak_mib']:.0f} | {r['nodes']:,} | {shown} |")
    sized = [(n, r) for n, (_, r) in zip(args.sizes, rows)]
    if len(sized) >= 2:
        (n1, r1), (n2, r2) = sized[-2], sized[-1]
        growth = r2["analysis"] / r1["analysis"]
        out += ["", f"From {n1} to {n2} rules the analysis time grows {growth:.2f}x for {n2 / n1:.1f}x the rules."]
    out += ["", NOTES]
    report = "\n".join(out) + "\n"
    (HERE / "results-analysis.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
