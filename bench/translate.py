#!/usr/bin/env python3
"""Translation speed: `fwlint translate` against iptables-restore-translate on the same dumps.

    python bench/translate.py [--rules 10000,50000,100000] [--repeat 3] [--no-kernel]

For each size, ../shared/bench/gen_ruleset.py --seed 1 makes the dump; then, in this one run and
on the same file, best of --repeat, wall-clock time and CPU time (user + system, of the process
and the children it waits for):

- ``iptables-restore-translate -f`` (iptables' C translator);
- ``fwlint translate FILE -o OUT`` end to end, as a user runs it (a new process: interpreter
  start, imports, parse, the validity pass, translation, writing), after one warm-up run so that
  the byte-code and grammar caches exist as they do in an installed copy (the byte-code goes to
  a private PYTHONPYCACHEPREFIX, never into the source tree);
- the same work in stages, each in a fresh process (cold caches, as in a run): parse (text to
  AST), emit (AST to nft rules without the validity pass), translate with the validity pass (the
  FW1xx rules on every rule, which the translator runs to leave out what iptables refuses) in
  one process and shared with a second one (fwlint.nft.halves: each takes a part of the rules,
  the second renders its part), parse and translation both shared as `fwlint translate` shares
  them (fwlint.nft.split: each process builds the rules it translates), and render (nft rules
  to text); their CPU time is the main process's only;
- loading the result into a kernel, in a network namespace made for the purpose and deleted
  after (root only): fwlint's output through libnftables (the ``nftables`` Python module, text
  and JSON) and with ``nft -f``, against ``nft -f`` of the C translator's output.  The C output
  does not load when the dump has kube-proxy endpoint rules (``-p tcp -m tcp -j DNAT`` loses its
  protocol match); the time of a copy repaired by adding ``meta l4proto tcp`` to those rules is
  given next to it.

Writes bench/results-translate.md.  Nothing here is a test: timings depend on the machine and on
what else runs on it (the load average at the start and the end is in the results; on a busy
machine the CPU times are the steadier figures).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
GEN = HERE.parent.parent / "shared" / "bench" / "gen_ruleset.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def best_run(repeat: int, cmd: list[str], env: dict[str, str] | None = None,
             stdout_path: Path | None = None) -> tuple[float, float, int]:
    """Best wall-clock and best CPU time of running ``cmd`` ``repeat`` times, and its status."""
    walls, cpus = [], []
    status = 0
    for _ in range(repeat):
        cpu = children_cpu()
        start = time.perf_counter()
        if stdout_path is not None:
            with open(stdout_path, "w") as out:
                status = subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env,
                                        check=False).returncode
        else:
            status = run(cmd, env)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    return min(walls), min(cpus), status


def fwlint_command() -> list[str]:
    """How a user starts fwlint: the console script next to this interpreter, if installed."""
    script = Path(sys.executable).parent / "fwlint"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from fwlint.cli import entry; sys.argv[0] = 'fwlint'; "
                                  "sys.exit(entry())"]


def user_environment(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def run(cmd: list[str], env: dict[str, str] | None = None, stdout=subprocess.DEVNULL) -> int:
    return subprocess.run(cmd, stdout=stdout, stderr=subprocess.DEVNULL, env=env, check=False).returncode


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --- stages, each in a fresh process ----------------------------------------------------------------

STAGE_SCRIPT = r"""
import json, sys, time
from fwlint.nft import ahead, translate
from fwlint.nft.emitter import Options
from fwlint.nft.render import to_text
from fwlint.parse import parse_text

path, mode = sys.argv[1], sys.argv[2]
text = open(path).read()
parse_text("*filter\nCOMMIT\n", "warm.rules")  # the grammar loaded, as in every run
out = {}

def clock(name, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    out[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    return result

if mode == "shared parse":
    from fwlint.nft.split import translate_save
    done = clock("translate", lambda: translate_save(text, path, None, Options(parallel=True)))
    assert done is not None, "not taken by the shared parse"
    print(json.dumps(out))
    sys.exit(0)
rulesets = clock("parse", lambda: parse_text(text, path))
if mode == "one process":
    ahead.AHEAD_FROM = 10 ** 12
options = Options(validity=mode != "emit", parallel=mode == "two processes")
translation = clock("translate", lambda: translate(rulesets, options))
clock("render", lambda: to_text(translation.tables, "x"))
print(json.dumps(out))
"""

STAGES = ("emit", "one process", "two processes", "shared parse")


def stage_times(path: Path, repeat: int, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) of each stage: parse, render, and translate in each mode."""
    best: dict[str, tuple[float, float]] = {}

    def keep(name: str, value: list[float]) -> None:
        old = best.get(name)
        best[name] = (min(value[0], old[0]), min(value[1], old[1])) if old else (value[0], value[1])

    for mode in STAGES:
        for _ in range(repeat):
            done = subprocess.run([sys.executable, "-c", STAGE_SCRIPT, str(path), mode], env=env,
                                  capture_output=True, text=True, check=True)
            found = json.loads(done.stdout.strip().splitlines()[-1])
            if mode == "shared parse":
                keep(mode, found["translate"])
                continue
            keep("parse", found["parse"])
            if mode != "two processes":  # there the second process rendered its part already
                keep("render", found["render"])
            keep(mode, found["translate"])
    return best


# --- kernel loads --------------------------------------------------------------------------------

LIBNFT_SCRIPT = r"""
import json, sys, time
import nftables
nft = nftables.Nftables()
text = open(sys.argv[1]).read()
as_json = sys.argv[2] == "json"
nft.cmd("flush ruleset")
start = time.perf_counter()
if as_json:
    rc, out, err = nft.json_cmd(json.loads(text))
else:
    rc, out, err = nft.cmd(text)
took = time.perf_counter() - start
nft.cmd("flush ruleset")
print(rc, took)
if rc:
    print(str(err)[:400], file=sys.stderr)
"""


def repair_c_output(text: str) -> tuple[str, int]:
    """iptables-restore-translate writes `-p tcp -m tcp -j DNAT --to-destination A:P` as
    `dnat to A:P` without a protocol match, which nft refuses; add one (meta l4proto tcp)."""
    count = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return m.group(1) + "meta l4proto tcp " + m.group(2)

    pattern = re.compile(r"^(add rule [^\n]*?)((?:counter )?dnat to [^\n]*:\d+)$", re.M)
    lines = []
    for line in text.splitlines(keepends=True):
        if " dnat to " in line and not re.search(r"\b(tcp|udp|sctp|dccp|l4proto)\b", line):
            line = pattern.sub(fix, line)
        lines.append(line)
    return "".join(lines), count


class Namespace:
    """A network namespace of our own, deleted on exit."""

    def __init__(self) -> None:
        self.name = f"fwlint-bench-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> "Namespace":
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run(["ip", "netns", "del", self.name], check=False)

    def cmd(self, *args: str) -> list[str]:
        return ["ip", "netns", "exec", self.name, *args]


def nft_load(ns: Namespace, path: str, repeat: int) -> tuple[float | None, str]:
    """Best time of `nft -f path` in the namespace (flushed before each), or None and why."""
    times = []
    for _ in range(repeat):
        subprocess.run(ns.cmd("nft", "flush", "ruleset"), check=False)
        start = time.perf_counter()
        done = subprocess.run(ns.cmd("nft", "-f", path), capture_output=True, text=True, check=False)
        took = time.perf_counter() - start
        if done.returncode:
            first = next((line for line in done.stderr.splitlines() if "Error:" in line), "?")
            return None, "does not load: " + first.split("Error:", 1)[-1].strip()[:100]
        times.append(took)
    subprocess.run(ns.cmd("nft", "flush", "ruleset"), check=False)
    return min(times), ""


def libnft_load(ns: Namespace, python: str, path: str, kind: str, repeat: int) -> tuple[float | None, str]:
    times = []
    for _ in range(repeat):
        done = subprocess.run(ns.cmd(python, "-c", LIBNFT_SCRIPT, path, kind), capture_output=True,
                              text=True, check=False)
        fields = done.stdout.split()
        if done.returncode or len(fields) != 2 or fields[0] != "0":
            return None, "fails: " + (done.stderr.strip().splitlines() or ["?"])[-1][:120]
        times.append(float(fields[1]))
    return min(times), ""


def libnft_python() -> str | None:
    """An interpreter that has the `nftables` module (Debian: python3-nftables)."""
    for python in (sys.executable, SYSTEM_PYTHON):
        if Path(python).exists() and run([python, "-c", "import nftables"]) == 0:
            return python
    return None


# --- one size ------------------------------------------------------------------------------------

def bench_size(rules: int, seed: int, repeat: int, kernel: bool, work: Path, fwlint: list[str],
               env: dict[str, str]) -> list[str]:
    dump = work / f"bench-{rules}.rules"
    with open(dump, "w") as f:
        subprocess.run([sys.executable, str(GEN), "--rules", str(rules), "--seed", str(seed)],
                       stdout=f, check=True)
    text = dump.read_text()
    lines = text.count("\n")
    rule_lines = sum(1 for line in text.splitlines() if line.startswith("-A"))
    out_fwlint = work / f"fwlint-{rules}.nft"
    out_json = work / f"fwlint-{rules}.json"
    out_c = work / f"c-{rules}.nft"

    rows: list[tuple[str, tuple[float, float] | None, str]] = []
    translate_c = shutil.which("iptables-restore-translate")
    c_time: tuple[float, float] | None = None
    if translate_c:
        wall, cpu, _ = best_run(repeat, [translate_c, "-f", str(dump)], stdout_path=out_c)
        c_time = (wall, cpu)
        rows.append(("iptables-restore-translate -f", c_time, ""))
    else:
        rows.append(("iptables-restore-translate -f", None, "not installed (apt install iptables)"))

    command = [*fwlint, "translate", str(dump), "-o", str(out_fwlint), "-q"]
    run(command, env)  # warm-up: byte-code and grammar caches
    wall, cpu, status = best_run(repeat, command, env)
    fwlint_time = (wall, cpu)
    rows.append(("fwlint translate (end to end)", fwlint_time,
                 "" if status == 0 else f"exit status {status}"))
    json_command = [*fwlint, "translate", "--format", "json", str(dump), "-o", str(out_json), "-q"]
    run(json_command, env)
    wall, cpu, status = best_run(repeat, json_command, env)
    rows.append(("fwlint translate --format json (end to end)", (wall, cpu),
                 "" if status == 0 else f"exit status {status}"))
    tiny = work / "one-rule.v4"
    tiny.write_text("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n")
    tiny_command = [*fwlint, "translate", str(tiny), "-o", str(work / "one-rule.nft"), "-q"]
    run(tiny_command, env)
    wall, cpu, _ = best_run(repeat, tiny_command, env)
    rows.append(("  of which: start, imports, grammar (translating a one-rule file)", (wall, cpu), ""))

    stages = stage_times(dump, repeat, env)
    rows.append(("  stage: parse (text to AST)", stages["parse"], ""))
    rows.append(("  stage: emit (AST to nft rules, no validity pass)", stages["emit"], ""))
    rows.append(("  stage: translate with the validity pass, one process", stages["one process"], ""))
    rows.append(("  stage: translate with the validity pass, two processes", stages["two processes"],
                 "CPU: the main process's"))
    rows.append(("  stage: parse and translate, both shared by two processes", stages["shared parse"],
                 "text to nft rules as `fwlint translate` does it (fwlint.nft.split); CPU: the main "
                 "process's"))
    rows.append(("  stage: render (nft rules to text)", stages["render"], ""))

    kernel_rows: list[tuple[str, float | None, str]] = []
    if kernel:
        kernel_rows = kernel_loads(out_fwlint, out_json, out_c if c_time is not None else None, work,
                                   rules, repeat)

    out = [f"## {rules} rules ({rule_lines} rule lines, {lines} lines)", "",
           "| what | wall s | CPU s | lines/second (wall) | note |", "|---|---:|---:|---:|---|"]
    for name, measured, note in rows:
        if measured is None:
            out.append(f"| {name} | - | - | - | {note} |")
        else:
            out.append(f"| {name} | {measured[0]:.3f} | {measured[1]:.3f} | {lines / measured[0]:,.0f} | "
                       f"{note} |")
    if c_time:
        out += ["", (f"fwlint translate / iptables-restore-translate: **{fwlint_time[0] / c_time[0]:.2f}x** "
                     f"wall, {fwlint_time[1] / c_time[1]:.2f}x CPU (goal: within 4x); parse alone: "
                     f"{stages['parse'][0] / c_time[0]:.2f}x wall")]
    if kernel_rows:
        out += ["", "Loading into a kernel (a network namespace of our own; best of "
                    f"{repeat}; libnftables times are of the call alone):", "",
                "| what | seconds | note |", "|---|---:|---|"]
        for name, t, note in kernel_rows:
            out.append(f"| {name} | {'-' if t is None else f'{t:.3f}'} | {note} |")
    out.append("")
    for path in (dump, out_fwlint, out_json, out_c):
        path.unlink(missing_ok=True)
    return out


def kernel_loads(out_fwlint: Path, out_json: Path, out_c: Path | None, work: Path, rules: int,
                 repeat: int) -> list[tuple[str, float | None, str]]:
    if os.geteuid() != 0:
        return [("kernel loads", None, "skipped: root is needed for a network namespace")]
    if not (shutil.which("ip") and shutil.which("nft")):
        return [("kernel loads", None, "skipped: ip and nft are needed (apt install iproute2 nftables)")]
    rows: list[tuple[str, float | None, str]] = []
    python = libnft_python()
    with Namespace() as ns:
        if python is None:
            rows.append(("libnftables", None, "skipped: no Python with the nftables module "
                                              "(apt install python3-nftables)"))
        else:
            t, note = libnft_load(ns, python, str(out_fwlint), "text", repeat)
            rows.append(("fwlint's output (nft syntax) through libnftables", t, note))
            t, note = libnft_load(ns, python, str(out_json), "json", repeat)
            rows.append(("fwlint's output (JSON) through libnftables", t, note))
        t, note = nft_load(ns, str(out_fwlint), repeat)
        rows.append(("nft -f fwlint's output", t, note))
        if out_c is not None:
            t, note = nft_load(ns, str(out_c), 1)
            rows.append(("nft -f iptables-restore-translate's output", t, note))
            if t is None:
                repaired, count = repair_c_output(out_c.read_text())
                fixed = work / f"c-{rules}-repaired.nft"
                fixed.write_text(repaired)
                t, note = nft_load(ns, str(fixed), repeat)
                rows.append(("nft -f the same, repaired", t,
                             note or f"{count} DNAT rules given `meta l4proto tcp`"))
                fixed.unlink()
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", default="10000,50000,100000", help="sizes, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-kernel", action="store_true", help="skip the kernel load times")
    args = ap.parse_args()
    if not GEN.is_file():
        print(f"bench: {GEN} not found (../shared is needed)", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.rules.split(",") if s.strip()]
    fwlint = fwlint_command()
    load_before = load_average()
    report = ["# Translation benchmark (gen_ruleset.py --seed %d)" % args.seed, "",
              f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; best of {args.repeat}; "
              f"load average at the start {load_before}.", ""]
    with tempfile.TemporaryDirectory(prefix="fwlint-bench-") as tmp:
        work = Path(tmp)
        env = user_environment(str(work / "pycache"))
        for rules in sizes:
            report += bench_size(rules, args.seed, args.repeat, not args.no_kernel, work, fwlint, env)
            print("\n".join(report[-3:]), file=sys.stderr)
    report.append(f"Load average at the end: {load_average()}.")
    text = "\n".join(report) + "\n"
    print(text)
    (HERE / "results-translate.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
