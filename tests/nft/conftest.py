"""Helpers for the translator's tests: checking nft text and JSON with the real nft, in a
network namespace of its own (``unshare -Urn``: nothing is loaded anywhere; nft's check mode
asks the kernel of that throwaway namespace).  Outside CI a missing nft or unshare skips with a
reason; in CI (``CI`` set) it fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

import pytest

IN_CI = bool(os.environ.get("CI"))


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"prerequisite missing in CI: {reason}")
    pytest.skip(reason)


def _nft(*args: str, text: str) -> subprocess.CompletedProcess:
    _require(shutil.which("nft") is not None, "nft is not installed")
    _require(shutil.which("unshare") is not None, "unshare is not installed")
    with tempfile.NamedTemporaryFile("w", suffix=".nft", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        return subprocess.run(["unshare", "-Urn", "nft", *args, "-f", path], capture_output=True,
                              text=True, timeout=60)
    finally:
        os.unlink(path)


def nft_check(text: str, json_input: bool = False) -> None:
    """Assert that nft accepts ``text`` (block syntax, or JSON) in check mode."""
    result = _nft(*(("-j",) if json_input else ()), "-c", text=text)
    assert result.returncode == 0, f"nft -c refused it:\n{result.stderr}\n--- input ---\n{text}"


def nft_listing(text: str, json_input: bool = False) -> list:
    """What ``nft -j list ruleset`` shows after loading ``text`` into a namespace of its own,
    without handles: the kernel's view, to compare two inputs by."""
    _require(shutil.which("nft") is not None, "nft is not installed")
    with tempfile.NamedTemporaryFile("w", suffix=".nft", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        script = f"nft {'-j ' if json_input else ''}-f {path} && nft -j list ruleset"
        result = subprocess.run(["unshare", "-Urn", "sh", "-c", script], capture_output=True, text=True,
                                timeout=60)
    finally:
        os.unlink(path)
    assert result.returncode == 0, f"nft refused it:\n{result.stderr}"
    out = []
    for item in json.loads(result.stdout)["nftables"]:
        if "metainfo" in item:
            continue
        for body in item.values():
            if isinstance(body, dict):
                body.pop("handle", None)
        out.append(item)
    return out


@pytest.fixture
def nft():
    """The checks, as a fixture: ``nft.check(text)``, ``nft.listing(text)``."""
    class Nft:
        check = staticmethod(nft_check)
        listing = staticmethod(nft_listing)
    return Nft
