#!/usr/bin/env python3
"""Apply speed: `fwlint apply` against `nft -f` of the same text, on gen_ruleset.py dumps (root).

    python bench/apply.py [--rules 10000,50000] [--repeat 3]

For each size, ../shared/bench/gen_ruleset.py --seed 1 makes the dump and `fwlint translate`
its nft text; then, in network namespaces made for the purpose and deleted after, best of
--repeat, wall-clock seconds:

- ``iptables-restore-translate -f DUMP`` (the C translator, for scale: it writes text, loads
  nothing);
- ``nft -f TEXT`` into an empty namespace (the table created) and again (the table replaced:
  the text starts with ``table ip fwlint`` / ``delete table ip fwlint``);
- ``fwlint apply DUMP`` end to end, as a user runs it (interpreter start, the lint rules that can
  stop it, parse and translation, libnftables' dry run, the backup with the check that it
  loads, the transaction), the table created and replaced;
- ``fwlint apply TEXT`` (the nft file ``fwlint translate`` wrote), created and replaced;
- ``fwlint apply --dry-run DUMP`` with the table there, and ``fwlint apply --restore BACKUP``.

Writes bench/results-apply.md.  Not a test: timings depend on what else the machine runs (the
load average at the start and the end is in the results).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_ruleset.py"


class Namespace:
    def __init__(self) -> None:
        self.name = f"fwlint-bench-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> Namespace:
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(["ip", "netns", "del", self.name], check=False)

    def run(self, *args: str, check: bool = True) -> float:
        start = time.perf_counter()
        done = subprocess.run(["ip", "netns", "exec", self.name, *args], capture_output=True, text=True)
        took = time.perf_counter() - start
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {done.returncode}: {done.stderr[-2000:]}")
        return took


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def fwlint(*args: str) -> list[str]:
    return [sys.executable, "-m", "fwlint", *args]


def best(repeat: int, one) -> float:
    return min(one() for _ in range(repeat))


def bench_size(rules: int, repeat: int, work: Path) -> dict[str, float]:
    dump = work / f"g{rules}.v4"
    with dump.open("w") as f:
        subprocess.run([sys.executable, str(GEN), "--rules", str(rules), "--seed", "1"], stdout=f, check=True)
    text = work / f"g{rules}.nft"
    subprocess.run(fwlint("translate", "-q", str(dump), "-o", str(text)), check=True, cwd=ROOT)
    backup = work / "backup.json"
    times: dict[str, float] = {}

    def fresh(*command: str, prepare: tuple[str, ...] | None = None) -> float:
        with Namespace() as ns:
            if prepare:
                ns.run(*prepare)
            return ns.run(*command)

    def c_translator() -> float:
        start = time.perf_counter()
        subprocess.run(["iptables-restore-translate", "-f", str(dump)], stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - start

    times["iptables-restore-translate -f DUMP (no load)"] = best(repeat, c_translator)
    times["nft -f TEXT, created"] = best(repeat, lambda: fresh("nft", "-f", str(text)))
    times["nft -f TEXT, replaced"] = best(repeat, lambda: fresh("nft", "-f", str(text),
                                                                prepare=("nft", "-f", str(text))))
    apply_dump = fwlint("apply", "--backup", str(backup), str(dump))
    apply_text = fwlint("apply", "--backup", str(backup), str(text))
    times["fwlint apply DUMP, created"] = best(repeat, lambda: fresh(*apply_dump))
    times["fwlint apply DUMP, replaced"] = best(repeat, lambda: fresh(*apply_dump, prepare=tuple(apply_dump)))
    times["fwlint apply TEXT, created"] = best(repeat, lambda: fresh(*apply_text))
    times["fwlint apply TEXT, replaced"] = best(repeat, lambda: fresh(*apply_text, prepare=tuple(apply_text)))
    times["fwlint apply --dry-run DUMP, table there"] = best(
        repeat, lambda: fresh(*fwlint("apply", "--dry-run", str(dump)), prepare=tuple(apply_dump)))

    def restore() -> float:
        with Namespace() as ns:
            ns.run(*apply_dump)
            ns.run(*apply_dump)  # the backup now holds the first apply's table
            return ns.run(*fwlint("apply", "--restore", str(backup)))

    times["fwlint apply --restore BACKUP (the table replaced)"] = best(repeat, restore)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", default="10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/apply.py: needs root (network namespaces, nft)", file=sys.stderr)
        return 2
    sizes = [int(n) for n in args.rules.split(",")]
    start_load = load_average()
    results = {}
    with tempfile.TemporaryDirectory(prefix="fwlint-bench-apply-") as tmp:
        for rules in sizes:
            results[rules] = bench_size(rules, args.repeat, Path(tmp))
            print(f"{rules}: " + ", ".join(f"{k} {v:.2f} s" for k, v in results[rules].items()), file=sys.stderr)
    end_load = load_average()
    lines = ["# Apply benchmark (gen_ruleset.py --seed 1)", "",
             f"Python {sys.version.split()[0]}, {os.cpu_count()} processors; load average {start_load} at the "
             f"start, {end_load} at the end; best of {args.repeat}, wall-clock seconds, each run in a network "
             "namespace made for it (python bench/apply.py).", ""]
    header = "| | " + " | ".join(f"{n:,} rules" for n in sizes) + " |"
    lines += [header, "|---|" + "---:|" * len(sizes)]
    for name in results[sizes[0]]:
        lines.append(f"| {name} | " + " | ".join(f"{results[n][name]:.2f}" for n in sizes) + " |")
    lines.append("")
    (HERE / "results-apply.md").write_text("\n".join(lines) + "\n")
    print((HERE / "results-apply.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
