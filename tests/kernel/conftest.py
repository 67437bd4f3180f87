"""Kernel tests: each runs in network namespaces it creates and deletes.

Never the host's own ruleset; traffic only between namespaces made here, with addresses from
the documentation ranges or loopback.  Outside CI they skip with a reason when not root or
when a tool is missing; in CI (``CI`` set) a missing prerequisite fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field

import pytest

IN_CI = bool(os.environ.get("CI"))


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"kernel test prerequisite missing in CI: {reason}")
    pytest.skip(reason)


def require_root_and(*tools: str) -> None:
    require(os.geteuid() == 0, "kernel tests need root (they create network namespaces)")
    for tool in ("ip", *tools):
        require(shutil.which(tool) is not None, f"{tool} is not installed")


@dataclass
class Netns:
    """A throwaway network namespace; ``run`` executes a command inside it."""

    name: str
    extra: list[str] = field(default_factory=list)

    def run(self, *argv: str, input: str | bytes | None = None, check: bool = False,
            timeout: float = 60) -> subprocess.CompletedProcess:
        text = not isinstance(input, bytes)
        return subprocess.run(["ip", "netns", "exec", self.name, *argv], input=input,
                              capture_output=True, text=text, check=check, timeout=timeout)


def _add(name: str) -> Netns:
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    ns = Netns(name)
    ns.run("ip", "link", "set", "lo", "up", check=True)
    return ns


def _delete(name: str) -> None:
    subprocess.run(["ip", "netns", "delete", name], capture_output=True)


@pytest.fixture
def netns():
    """A fresh network namespace, deleted afterwards (with every rule loaded into it)."""
    require_root_and()
    name = f"fwlint-t-{uuid.uuid4().hex[:10]}"
    ns = _add(name)
    try:
        yield ns
    finally:
        _delete(name)


@pytest.fixture
def netns_factory():
    """Make several namespaces (``make()``), all deleted afterwards."""
    require_root_and()
    made: list[str] = []

    def make() -> Netns:
        name = f"fwlint-t-{uuid.uuid4().hex[:10]}"
        ns = _add(name)
        made.append(name)
        return ns

    try:
        yield make
    finally:
        for name in made:
            _delete(name)


def linked_pair(make) -> tuple[Netns, Netns]:
    """Two namespaces from ``make`` (``netns_factory``) joined by a veth pair, up: veth-a
    192.0.2.1/24 in the first, veth-b 192.0.2.2/24 in the second."""
    a, b = make(), make()
    subprocess.run(["ip", "link", "add", "veth-a", "netns", a.name, "type", "veth", "peer", "name",
                    "veth-b", "netns", b.name], check=True, capture_output=True)
    a.run("ip", "addr", "add", "192.0.2.1/24", "dev", "veth-a", check=True)
    b.run("ip", "addr", "add", "192.0.2.2/24", "dev", "veth-b", check=True)
    a.run("ip", "link", "set", "veth-a", "up", check=True)
    b.run("ip", "link", "set", "veth-b", "up", check=True)
    return a, b
