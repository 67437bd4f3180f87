"""The two throwaway network namespaces of a verification, and what runs in them.

:class:`Lab` makes a namespace per side (``iptables``: the rules loaded with
iptables-legacy-restore / ip6tables-legacy-restore; ``nft``: the rules loaded with ``nft -f``),
with nothing but a loopback device and the agent's TUN devices: no link to the host's network.
Each side has an agent (:mod:`fwlint.verify.agent`) started inside it with ``ip netns exec``.
Leaving the ``with`` block stops the agents and deletes both namespaces, whatever happened.

For a probe whose fate differs, :meth:`Side.deciding` says which rules decided it: on the
iptables side the rules whose packet counters moved (``iptables-legacy-save -c`` before and
after), on the nft side the rules ``nft monitor trace`` reports with a verdict (a table of
its own sets ``meta nftrace`` on every packet for that run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Sequence

RESTORE = {4: "iptables-legacy-restore", 6: "ip6tables-legacy-restore"}
SAVE = {4: "iptables-legacy-save", 6: "ip6tables-legacy-save"}
TRACE_TABLE = "fwlint_verify_trace"
TRACE_RULESET = f"""table inet {TRACE_TABLE} {{
  chain prerouting {{
    type filter hook prerouting priority -1000; policy accept;
    meta nftrace set 1
  }}
  chain output {{
    type filter hook output priority -1000; policy accept;
    meta nftrace set 1
  }}
}}
"""
_HOOK_ORDER = {"raw": 0, "mangle": 1, "nat": 2, "filter": 3, "security": 4}
_TERMINAL = frozenset({"ACCEPT", "DROP", "REJECT", "RETURN", "DNAT", "SNAT", "MASQUERADE", "REDIRECT",
                       "NETMAP", "CT", "NOTRACK", "QUEUE", "NFQUEUE", "TPROXY", "SYNPROXY"})


class LabError(RuntimeError):
    """The lab could not be made or used (a tool missing, not root, a command failed)."""


class LoadError(LabError):
    """A ruleset did not load: ``side`` says which, the message is the tool's."""

    def __init__(self, side: str, message: str) -> None:
        super().__init__(f"{side}: {message}")
        self.side = side
        self.message = message


def missing_prerequisites() -> str | None:
    """Why a lab cannot be made here (one line), or None."""
    if os.geteuid() != 0:
        return "root is needed (the comparison runs in network namespaces it creates)"
    for tool in ("ip", "nft", *RESTORE.values(), *SAVE.values()):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing (the kernel has no TUN driver)"
    return None


@dataclass
class Counted:
    """A rule of the iptables side whose counters moved, with how much."""

    table: str
    chain: str
    index: int
    text: str
    packets: int


class Side:
    """One namespace and its agent."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        self.agent: subprocess.Popen | None = None

    def run(self, *argv: str, input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", self.name, *argv], input=input, capture_output=True,
                              text=True, timeout=timeout)

    def start_agent(self) -> None:
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        argv = ["ip", "netns", "exec", self.name, sys.executable, "-m", "fwlint.verify.agent"]
        self.agent = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env)

    def send(self, op: str, **arguments: Any) -> None:
        assert self.agent is not None and self.agent.stdin is not None
        try:
            self.agent.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
            self.agent.stdin.flush()
        except BrokenPipeError:
            raise self._stopped() from None

    def _stopped(self) -> LabError:
        """The error for an agent that has gone: the last line it wrote to stderr, and how it
        ended (its exit status, or the signal that killed it)."""
        assert self.agent is not None
        error = self.agent.stderr.read() if self.agent.stderr is not None else ""
        last = error.strip().splitlines()[-1] if error.strip() else "no message"
        status = self.agent.wait()
        ended = f"killed by signal {-status}" if status < 0 else f"exit status {status}"
        return LabError(f"the {self.kind} agent stopped ({ended}): {last}")

    def receive(self) -> dict[str, Any]:
        assert self.agent is not None and self.agent.stdout is not None
        line = self.agent.stdout.readline()
        if not line:
            raise self._stopped()
        reply = json.loads(line)
        if "error" in reply:
            raise LabError(f"the {self.kind} agent: {reply['error']}")
        return reply

    def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        self.send(op, **arguments)
        return self.receive()

    def ask_to_quit(self) -> None:
        if self.agent is None or self.agent.poll() is not None or self.agent.stdin is None:
            return
        try:
            self.agent.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.agent.stdin.flush()
        except (OSError, ValueError):
            pass

    def stop(self) -> None:
        if self.agent is None:
            return
        self.ask_to_quit()
        try:
            self.agent.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self.agent.poll() is None:
            self.agent.kill()
            self.agent.wait()
        for stream in (self.agent.stdin, self.agent.stdout, self.agent.stderr):
            if stream is not None:
                try:
                    stream.close()
                except BrokenPipeError:
                    pass  # what was left unsent to an agent that has gone: nothing to keep
        self.agent = None

    # --- rulesets ---

    def load_iptables(self, texts: dict[int, str], prune: int = 0) -> list[str]:
        """Load each family's text.  With ``prune``, a line the restore tool refuses (it names
        it: "Error occurred at line: N") is left out and the load tried again, up to ``prune``
        times; the lines left out are returned ("IPv4 line N: text: the tool's message")."""
        left_out: list[str] = []
        for family, text in sorted(texts.items()):
            lines = text.splitlines(keepends=True)
            while True:
                done = self.run(RESTORE[family], input="".join(lines))
                if done.returncode == 0:
                    break
                message = done.stderr.strip() or f"exit status {done.returncode}"
                found = re.search(r"Error occurred at line: (\d+)", message)
                if not found or len(left_out) >= prune or not 0 < int(found.group(1)) <= len(lines):
                    raise LoadError(f"{RESTORE[family]}", message)
                number = int(found.group(1))
                first = message.splitlines()[0]
                left_out.append(f"IPv{family} line {number}: {lines[number - 1].strip()}: {first}")
                lines[number - 1] = "\n"
        return left_out

    def load_nft(self, text: str) -> None:
        done = self.run("nft", "-f", "-", input=text)
        if done.returncode != 0:
            raise LoadError("nft -f", done.stderr.strip() or f"exit status {done.returncode}")

    # --- which rules decided ---

    def iptables_counters(self, families: Sequence[int]) -> dict[tuple[int, str, str, int], tuple[int, str]]:
        out: dict[tuple[int, str, str, int], tuple[int, str]] = {}
        for family in families:
            saved = self.run(SAVE[family], "-c")
            table = ""
            position: dict[str, int] = {}
            for line in saved.stdout.splitlines():
                if line.startswith("*"):
                    table, position = line[1:].strip(), {}
                    continue
                found = re.match(r"\[(\d+):\d+\] -A (\S+) ?(.*)", line)
                if found:
                    chain = found.group(2)
                    index = position.get(chain, 0)
                    position[chain] = index + 1
                    text = f"-A {chain} {found.group(3)}".strip()
                    out[(family, table, chain, index)] = (int(found.group(1)), text)
        return out

    def start_trace(self, handles: bool = False) -> subprocess.Popen:
        """Trace every packet (``handles``: each traced rule ends in ``# handle N``)."""
        self.load_nft(TRACE_RULESET)
        argv = ["nft", "-a", "monitor", "trace"] if handles else ["nft", "monitor", "trace"]
        monitor = subprocess.Popen(["ip", "netns", "exec", self.name, *argv],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(0.2)  # the monitor subscribes before the probe is sent
        return monitor

    def stop_trace(self, monitor: subprocess.Popen, start_hook: str | None = None) -> list[str]:
        return traced_verdicts(self.stop_monitor(monitor), start_hook)

    def stop_monitor(self, monitor: subprocess.Popen) -> str:
        """Stop the trace :meth:`start_trace` started; what ``nft monitor trace`` wrote."""
        time.sleep(0.15)
        monitor.terminate()
        try:
            output, _ = monitor.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            monitor.kill()
            output, _ = monitor.communicate()
        self.run("nft", "delete", "table", "inet", TRACE_TABLE)
        return output


def traced_verdicts(output: str, start_hook: str | None = None) -> list[str]:
    """From ``nft monitor trace`` output: each rule that gave a verdict other than continue, and
    each chain policy applied, as ``FAMILY TABLE CHAIN: RULE (verdict V)``, in order.

    With ``start_hook`` ("prerouting" for a packet that comes in, "output" for one the host
    sends), only the last packet that started at that hook is read: the probe itself, not the
    packets that opened its connection before it nor the host's replies to it (a reset, an
    ICMP error, a SYN-ACK), which the kernel traces under ids of their own."""
    started: dict[str, str] = {}
    for line in output.splitlines():
        found = re.match(r"trace id (\S+) \S+ (\S+) (\S+) ", line.strip())
        if found and found.group(2) == TRACE_TABLE:
            started.setdefault(found.group(1), found.group(3))
    chosen = None
    if start_hook is not None:
        chosen = next((tid for tid, hook in reversed(started.items()) if hook == start_hook), None)
    out: list[str] = []
    for line in output.splitlines():
        found = re.match(r"trace id (\S+) (\S+) (\S+) (\S+) (rule .*|policy .*|verdict .*)$", line.strip())
        if not found:
            continue
        trace_id, family, table, chain, what = found.groups()
        if table == TRACE_TABLE or (chosen is not None and trace_id != chosen):
            continue
        if what.startswith("rule ") and what.endswith("(verdict continue)"):
            continue
        shown = f"{family} {table} {chain}: {what.strip()}"
        if not out or out[-1] != shown:
            out.append(shown)
    return out


def moved_rules(before: dict, after: dict) -> list[Counted]:
    """Rules whose packet counters moved, in hook order (raw, mangle, nat, filter, security)."""
    moved = []
    for key, (packets, text) in after.items():
        earlier = before.get(key, (0, text))[0]
        if packets > earlier:
            family, table, chain, index = key
            moved.append(Counted(table, chain, index, text, packets - earlier))
    moved.sort(key=lambda c: (_HOOK_ORDER.get(c.table, 9), c.chain, c.index))
    return moved


def is_deciding(text: str) -> bool:
    """The iptables rule text ends in a target that decides (or returns, or rewrites addresses)."""
    found = re.search(r"(?:^|\s)-[jg] (\S+)", text)
    return found is not None and found.group(1) in _TERMINAL


def _terminated(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Lab:
    """Two namespaces (iptables and nft sides), each with its agent, deleted on exit."""

    def __init__(self, prefix: str = "fwlint-v") -> None:
        token = uuid.uuid4().hex[:8]
        self.iptables = Side("iptables", f"{prefix}-{token}-i")
        self.nft = Side("nft", f"{prefix}-{token}-n")
        self.sides = (self.iptables, self.nft)
        self._made: list[str] = []

    def __enter__(self) -> "Lab":
        self._previous_handler = None
        if threading.current_thread() is threading.main_thread():
            # a SIGTERM unwinds the stack like Ctrl-C does, so the namespaces still go
            self._previous_handler = signal.signal(signal.SIGTERM, _terminated)
        try:
            for side in self.sides:
                self._made.append(side.name)  # first: an interruption may come before `ip` returns
                done = subprocess.run(["ip", "netns", "add", side.name], capture_output=True, text=True)
                if done.returncode != 0:
                    self._made.remove(side.name)
                    raise LabError(f"ip netns add {side.name}: {done.stderr.strip()}")
                up = side.run("ip", "link", "set", "lo", "up")
                if up.returncode != 0:
                    raise LabError(f"ip link set lo up in {side.name}: {up.stderr.strip()}")
                side.start_agent()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        previous = getattr(self, "_previous_handler", None)
        if previous is not None:  # a second SIGTERM must not cut the cleaning short
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            for side in self.sides:  # both agents are told to quit first, then waited for
                side.ask_to_quit()
            for side in self.sides:
                side.stop()
            while self._made:
                subprocess.run(["ip", "netns", "delete", self._made[-1]], capture_output=True)
                self._made.pop()
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
                self._previous_handler = None

    def both(self, op: str, **arguments: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """Send the same command to both agents (they work at the same time) and wait for both."""
        for side in self.sides:
            side.send(op, **arguments)
        return self.iptables.receive(), self.nft.receive()
