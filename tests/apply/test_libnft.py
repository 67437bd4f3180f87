"""fwlint.nft.libnft without a kernel: choosing the binding, and what is said when libnftables cannot be
reached."""

from __future__ import annotations

import sys
import types

import pytest

from fwlint.nft.libnft import (
    INSTALL_HINT,
    CtypesNftables,
    ModuleNftables,
    NftUnavailable,
    Result,
    open_nftables,
)

HINT = ("install it with `apt install libnftables1` (Debian, Ubuntu), `dnf install nftables` (Fedora, RHEL) "
        "or `pacman -S nftables` (Arch)")
MISSING = "/nonexistent/libnftables.so.1"


def test_the_install_hint():
    assert INSTALL_HINT == HINT


def test_an_unknown_binding():
    with pytest.raises(ValueError) as caught:
        open_nftables("nope")
    assert str(caught.value) == "binding 'nope': expected module or ctypes"


def test_a_library_that_is_not_there():
    with pytest.raises(NftUnavailable) as caught:
        CtypesNftables(MISSING)
    assert str(caught.value) == (f"libnftables is not installed ({MISSING}: {MISSING}: cannot open shared "
                                 f"object file: No such file or directory); {HINT}")


def test_a_library_that_is_not_libnftables():
    with pytest.raises(NftUnavailable) as caught:
        CtypesNftables("libc.so.6")
    assert str(caught.value) == f"libc.so.6 has no nft_ctx_new: too old a libnftables; {HINT}"


def test_the_module_binding_without_the_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "nftables", None)  # as in a venv: python3-nftables is the system's only
    with pytest.raises(NftUnavailable) as caught:
        open_nftables("module")
    assert str(caught.value) == "the nftables module (python3-nftables) does not import"


def test_the_module_does_not_import_in_this_venv():
    import importlib.util

    assert importlib.util.find_spec("nftables") is None  # python3-nftables is the system interpreter's only
    with pytest.raises(NftUnavailable) as caught:
        open_nftables("module")
    assert str(caught.value) == "the nftables module (python3-nftables) does not import"


def test_without_the_module_the_default_is_ctypes(monkeypatch):
    monkeypatch.setitem(sys.modules, "nftables", None)
    with pytest.raises(NftUnavailable) as caught:
        open_nftables(None, MISSING)
    assert str(caught.value).startswith(f"libnftables is not installed ({MISSING}: ")


class FakeContext:
    """The nftables module's Nftables, recording what it is asked."""

    made = 0

    def __init__(self) -> None:
        FakeContext.made += 1
        self.number = FakeContext.made
        self.calls: list[tuple] = []

    def set_dry_run(self, on: bool) -> None:
        self.calls.append(("dry_run", on))

    def set_json_output(self, on: bool) -> None:
        self.calls.append(("json", on))

    def set_echo_output(self, on: bool) -> None:
        self.calls.append(("echo", on))

    def set_handle_output(self, on: bool) -> None:
        self.calls.append(("handles", on))

    def cmd(self, commands: str):
        self.calls.append(("cmd", commands))
        return 0, f"context {self.number}", None

    def cmd_from_file(self, path: str):
        self.calls.append(("file", path))
        return 1, None, f"{path}:1:1-2: Error: syntax error"


def fake_module(context=FakeContext) -> types.ModuleType:
    module = types.ModuleType("nftables")
    module.Nftables = context
    return module


def test_the_module_when_it_imports(monkeypatch):
    FakeContext.made = 0
    monkeypatch.setitem(sys.modules, "nftables", fake_module())
    for binding in (None, "module"):
        nft = open_nftables(binding)
        assert isinstance(nft, ModuleNftables)
        assert nft.binding == "the nftables module (python3-nftables)"


def test_the_module_binding_runs_and_takes_a_fresh_context_after_a_dry_run():
    FakeContext.made = 0
    nft = ModuleNftables(fake_module())
    assert nft.run("list tables", json_output=True) == Result(0, "context 1", "")
    assert nft.run("add table ip t", dry_run=True) == Result(0, "context 1", "")
    first = nft._nft
    assert first.calls == [("dry_run", False), ("json", True), ("cmd", "list tables"),
                           ("dry_run", True), ("json", False), ("cmd", "add table ip t")]
    # what follows a dry run gets a new context (the checked commands stay in the old one's cache)
    assert nft.run_file("/tmp/x.nft") == Result(1, "", "/tmp/x.nft:1:1-2: Error: syntax error")
    assert nft._nft is not first
    assert nft._nft.calls == [("dry_run", False), ("json", False), ("echo", False), ("handles", False),
                              ("file", "/tmp/x.nft")]
    assert nft.run("list tables") == Result(0, "context 2", "")
    nft.run_file("/tmp/y.nft", echo=True, handles=True)
    assert nft._nft.calls[-3:] == [("echo", True), ("handles", True), ("file", "/tmp/y.nft")]


def test_a_module_that_cannot_load_the_library(monkeypatch):
    def broken():
        raise OSError("libnftables.so.1: cannot open shared object file")

    monkeypatch.setitem(sys.modules, "nftables", fake_module(broken))
    with pytest.raises(NftUnavailable) as caught:
        open_nftables("module")
    assert str(caught.value) == (
        "the nftables module cannot load libnftables (libnftables.so.1: cannot open shared object file); "
        f"{HINT}")
    # by default, ctypes is tried next
    with pytest.raises(NftUnavailable) as caught:
        open_nftables(None, MISSING)
    assert str(caught.value).startswith(f"libnftables is not installed ({MISSING}: ")


def test_result_ok():
    assert Result(0, "", "").ok is True
    assert Result(1, "", "x").ok is False
    assert Result(-1, "", "").ok is False
