"""The two sides of an agreement test: what the kernel does with a ruleset, what fwlint says.

:class:`KernelOracle` keeps one worker process inside a throwaway network namespace and has it
run ``iptables-legacy-restore`` (or ``ip6tables-legacy-restore``) on each ruleset, with commit,
so the kernel's own checks count.  One worker serves every case: starting ``ip netns exec``
for each restore would double the time per case.  A restore replaces the tables it names, so a
case never sees the rules of the one before; what can outlive a table is kernel state a rule
creates by name (a recent list, a hashlimit table, a rate estimator, an idle timer) and a later
rule of the same name finds: after a case that committed such a rule, the worker empties the
tables it named, so that no case fares differently for the cases before it.

:func:`fwlint_verdict` runs every validity rule (FW1xx) over the same text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

from fwlint.ast import BUILTIN_CHAINS
from fwlint.extensions import default_registry
from fwlint.extensions.values import Unresolved
from fwlint.lint.diagnostic import Diagnostic
from fwlint.lint.engine import catalogue, lint_rulesets
from fwlint.parse import parse_text
from fwlint.rules.validity._options import holders

RESTORE = {4: "iptables-legacy-restore", 6: "ip6tables-legacy-restore"}

# The worker, run inside the namespace: reads one request per line (JSON: the family and the
# ruleset), answers one line (JSON: the exit status and the error output of the restore, and
# what the kernel logged while it failed).
_WORKER = r"""
import errno, json, os, re, subprocess, sys
RESTORE = {4: "iptables-legacy-restore", 6: "ip6tables-legacy-restore"}
TABLE = re.compile(r"^\*(\S+)", re.M)
NAMED_STATE = re.compile(r"recent|hashlimit|rateest|IDLETIMER", re.I)
try:  # the kernel's log says why a commit failed ("x_tables: ... only valid in raw table")
    kmsg = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(kmsg, 0, os.SEEK_END)
except OSError:
    kmsg = None

def kernel_log():
    lines = []
    while kmsg is not None:
        try:
            record = os.read(kmsg, 8192).decode(errors="replace")
        except BlockingIOError:
            break
        except OSError as err:  # EPIPE: records were overwritten before we read them
            if err.errno == errno.EPIPE:
                continue
            break
        lines.append(record.partition(";")[2].strip())
    return lines

for line in sys.stdin:
    request = json.loads(line)
    tool = RESTORE[request["family"]]
    kernel_log()
    done = subprocess.run([tool], input=request["text"].encode(), capture_output=True)
    log = kernel_log() if done.returncode else []
    if done.returncode == 0 and NAMED_STATE.search(request["text"]):
        tables = sorted(set(TABLE.findall(request["text"])))
        empty = "".join(f"*{t}\nCOMMIT\n" for t in tables)
        if empty:
            subprocess.run([tool], input=empty.encode(), capture_output=True)
    answer = {"rc": done.returncode, "stderr": done.stderr.decode(errors="replace"), "log": log}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
"""


@dataclass(frozen=True)
class KernelAnswer:
    refused: bool
    stderr: str
    log: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """The first line of iptables' complaint, without the restore's own trailer, and what
        the kernel logged (other tests may log at the same time: a hint, not evidence)."""
        lines = [ln for ln in self.stderr.splitlines() if ln.strip() and not ln.startswith("Error occurred")]
        said = lines[0].strip() if lines else ""
        return f"{said} [kernel: {'; '.join(self.log)}]" if self.log else said


class KernelOracle:
    """iptables-legacy-restore with commit, in the namespace ``netns`` (tests/kernel/conftest.py)."""

    def __init__(self, netns) -> None:
        self.netns = netns
        self._process = subprocess.Popen(
            ["ip", "netns", "exec", netns.name, sys.executable, "-c", _WORKER],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def restore(self, text: str, family: int) -> KernelAnswer:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"family": family, "text": text}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the restore worker in the namespace died")
        answer = json.loads(line)
        return KernelAnswer(answer["rc"] != 0, answer["stderr"], tuple(answer.get("log", ())))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


@cache
def _validity_rules() -> tuple:
    return tuple(catalogue().select(["FW1"]))


def fwlint_findings(text: str, family: int) -> list[Diagnostic]:
    """What the validity rules (FW1xx) find in ``text``."""
    return lint_rulesets(parse_text(text, f"rules.v{family}", family), _validity_rules())


@dataclass(frozen=True)
class FwlintVerdict:
    errors: tuple[Diagnostic, ...]
    warnings: tuple[Diagnostic, ...]

    @property
    def refuses(self) -> bool:
        return bool(self.errors)

    def describe(self) -> str:
        said = [f"{d.code} {d.severity} {d.span.line}:{d.span.column} {d.message}"
                for d in (*self.errors, *self.warnings)]
        return "; ".join(said) or "nothing"


def fwlint_verdict(text: str, family: int) -> FwlintVerdict:
    found = fwlint_findings(text, family)
    return FwlintVerdict(tuple(d for d in found if str(d.severity) == "error"),
                         tuple(d for d in found if str(d.severity) == "warning"))


def one_rule(body: str, table: str = "filter", chain: str = "INPUT") -> str:
    """A ruleset of one rule in a built-in chain (a user chain is declared first)."""
    head = f"*{table}\n"
    if chain not in BUILTIN_CHAINS.get(table, ()):
        head += f":{chain} - [0:0]\n"
    return f"{head}-A {chain} {body}\nCOMMIT\n"


def host_dependent(text: str, family: int) -> list[str]:
    """The values in ``text`` that iptables looks up on the host when it loads the rules (host
    names, user and group names): whether the restore succeeds depends on the host, and fwlint
    warns about them (FW108) instead of judging."""
    registry = default_registry()
    found: list[str] = []
    for ruleset in parse_text(text, f"rules.v{family}", family):
        for rule in ruleset.rules():
            for holder in holders(rule, registry):
                for opt in holder.node.options:
                    spec = holder.ext.option(opt.name) if opt.known else None
                    if spec is None:
                        continue
                    for vtype, value in zip(spec.value_types(), opt.values):
                        try:
                            vtype.parse(value, family)
                        except Unresolved:
                            found.append(value)
                        except ValueError:
                            pass
    return found
