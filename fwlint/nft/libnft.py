"""The one way fwlint talks to libnftables, whichever bindings the interpreter can reach.

The official bindings (``import nftables``, Debian's and Fedora's ``python3-nftables``) are not
on PyPI: they are installed for the system interpreter only, never inside a venv, pipx or
pre-commit environment, where fwlint usually runs.  So :func:`open_nftables` uses the module
when it imports and otherwise loads ``libnftables.so.1`` itself with ctypes.  Either way the
rest of fwlint sees one :class:`Nftables`: :meth:`Nftables.run` hands libnftables a buffer of
commands (nft's block syntax or JSON, as ``nft -f`` reads them) and returns its status, its
output and its error text, optionally as a dry run (checked by the kernel, nothing committed)
and with JSON output.

libnftables' C interface used by the ctypes path (libnftables(3)): ``nft_ctx_new``,
``nft_ctx_free``, ``nft_ctx_buffer_output`` / ``nft_ctx_buffer_error`` and their
``nft_ctx_get_*_buffer`` readers, ``nft_run_cmd_from_buffer``, ``nft_ctx_set_dry_run``,
``nft_ctx_output_get_flags`` / ``nft_ctx_output_set_flags`` (JSON output is the flag 1 << 4).
"""

from __future__ import annotations

import ctypes
import importlib
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

LIBRARY = "libnftables.so.1"
"""The shared library the ctypes path loads."""

INSTALL_HINT = ("install it with `apt install libnftables1` (Debian, Ubuntu), `dnf install nftables` "
                "(Fedora, RHEL) or `pacman -S nftables` (Arch)")

OUTPUT_HANDLE = 1 << 3
"""libnftables' NFT_CTX_OUTPUT_HANDLE (``nft -a``)."""
OUTPUT_JSON = 1 << 4
"""libnftables' NFT_CTX_OUTPUT_JSON."""
OUTPUT_ECHO = 1 << 5
"""libnftables' NFT_CTX_OUTPUT_ECHO (``nft -e``)."""


class NftUnavailable(RuntimeError):
    """Neither the nftables module nor libnftables.so.1 can be loaded."""


@dataclass(frozen=True)
class Result:
    """What libnftables returned for one buffer: its status (0 is success), output and errors."""

    rc: int
    output: str
    error: str

    @property
    def ok(self) -> bool:
        return self.rc == 0


class Nftables(ABC):
    """A libnftables context.  ``binding`` says which way it was reached.

    A dry run leaves libnftables' cache holding what it checked as if it were in the kernel
    (a second check of the same interval set then fails with "conflicting intervals"): the
    command after a dry run gets a fresh context."""

    binding = ""

    @abstractmethod
    def run(self, commands: str, *, dry_run: bool = False, json_output: bool = False) -> Result:
        """Run ``commands`` (block syntax, or JSON with ``json_output``) as one transaction."""

    @abstractmethod
    def run_file(self, path: str, *, dry_run: bool = False, json_output: bool = False, echo: bool = False,
                 handles: bool = False) -> Result:
        """Run the file ``path`` as one transaction (as ``nft -f``): errors name ``path:line:column``;
        ``echo`` and ``handles``: the output repeats what was added, with rule handles (``nft -e -a``)."""


class ModuleNftables(Nftables):
    """Through the distribution's ``nftables`` module (python3-nftables)."""

    binding = "the nftables module (python3-nftables)"

    def __init__(self, module: Any) -> None:
        self._module = module
        self._nft = module.Nftables()
        self._stale = False

    def _context(self, dry_run: bool) -> None:
        if self._stale:
            self._nft = self._module.Nftables()
        self._stale = dry_run

    def run(self, commands: str, *, dry_run: bool = False, json_output: bool = False) -> Result:
        self._context(dry_run)
        self._nft.set_dry_run(dry_run)
        self._nft.set_json_output(json_output)
        rc, output, error = self._nft.cmd(commands)
        return Result(rc, output or "", error or "")

    def run_file(self, path: str, *, dry_run: bool = False, json_output: bool = False, echo: bool = False,
                 handles: bool = False) -> Result:
        self._context(dry_run)
        self._nft.set_dry_run(dry_run)
        self._nft.set_json_output(json_output)
        self._nft.set_echo_output(echo)
        self._nft.set_handle_output(handles)
        rc, output, error = self._nft.cmd_from_file(path)
        return Result(rc, output or "", error or "")


class CtypesNftables(Nftables):
    """Through ``libnftables.so.1``, loaded with ctypes."""

    binding = f"{LIBRARY} through ctypes"

    def __init__(self, library: str | None = None) -> None:
        library = library or LIBRARY
        try:
            lib = ctypes.CDLL(library)
        except OSError as exc:
            raise NftUnavailable(f"libnftables is not installed ({library}: {exc}); {INSTALL_HINT}") from None
        self._lib = lib
        self._name = library
        self._bind("nft_ctx_new", ctypes.c_void_p, [ctypes.c_uint32])
        self._bind("nft_ctx_free", None, [ctypes.c_void_p])
        self._bind("nft_ctx_buffer_output", ctypes.c_int, [ctypes.c_void_p])
        self._bind("nft_ctx_buffer_error", ctypes.c_int, [ctypes.c_void_p])
        self._bind("nft_ctx_get_output_buffer", ctypes.c_char_p, [ctypes.c_void_p])
        self._bind("nft_ctx_get_error_buffer", ctypes.c_char_p, [ctypes.c_void_p])
        self._bind("nft_run_cmd_from_buffer", ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p])
        self._bind("nft_run_cmd_from_filename", ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p])
        self._bind("nft_ctx_set_dry_run", None, [ctypes.c_void_p, ctypes.c_bool])
        self._bind("nft_ctx_output_get_flags", ctypes.c_uint, [ctypes.c_void_p])
        self._bind("nft_ctx_output_set_flags", None, [ctypes.c_void_p, ctypes.c_uint])
        self._ctx = None
        self._stale = False
        self._new_context()

    def _new_context(self) -> None:
        lib = self._lib
        if self._ctx is not None:
            lib.nft_ctx_free(self._ctx)
            self._ctx = None
        ctx = lib.nft_ctx_new(0)  # NFT_CTX_DEFAULT
        if not ctx:
            raise NftUnavailable(f"{self._name}: nft_ctx_new failed (out of memory?)")
        self._ctx = ctypes.c_void_p(ctx)
        if lib.nft_ctx_buffer_output(self._ctx) or lib.nft_ctx_buffer_error(self._ctx):
            raise NftUnavailable(f"{self._name}: cannot buffer its output")

    def _bind(self, name: str, restype: Any, argtypes: list[Any]) -> None:
        try:
            function = getattr(self._lib, name)
        except AttributeError:
            raise NftUnavailable(f"{self._name} has no {name}: too old a libnftables; {INSTALL_HINT}") from None
        function.restype = restype
        function.argtypes = argtypes

    def run(self, commands: str, *, dry_run: bool = False, json_output: bool = False) -> Result:
        return self._run(self._lib.nft_run_cmd_from_buffer, commands, dry_run, json_output)

    def run_file(self, path: str, *, dry_run: bool = False, json_output: bool = False, echo: bool = False,
                 handles: bool = False) -> Result:
        return self._run(self._lib.nft_run_cmd_from_filename, path, dry_run, json_output, echo, handles)

    def _set_flags(self, json_output: bool, echo: bool = False, handles: bool = False) -> None:
        lib, ctx = self._lib, self._ctx
        flags = lib.nft_ctx_output_get_flags(ctx) & ~(OUTPUT_JSON | OUTPUT_ECHO | OUTPUT_HANDLE)
        for wanted, flag in ((json_output, OUTPUT_JSON), (echo, OUTPUT_ECHO), (handles, OUTPUT_HANDLE)):
            if wanted:
                flags |= flag
        lib.nft_ctx_output_set_flags(ctx, flags)

    def _run(self, function: Any, argument: str, dry_run: bool, json_output: bool, echo: bool = False,
             handles: bool = False) -> Result:
        if self._stale:
            self._new_context()
        self._stale = dry_run
        lib, ctx = self._lib, self._ctx
        lib.nft_ctx_set_dry_run(ctx, dry_run)
        self._set_flags(json_output, echo, handles)
        rc = function(ctx, argument.encode())
        output = lib.nft_ctx_get_output_buffer(ctx) or b""
        error = lib.nft_ctx_get_error_buffer(ctx) or b""
        return Result(rc, output.decode(errors="replace"), error.decode(errors="replace"))

    def stream(self, command: str, fd: int, *, handles: bool = False) -> int:
        """Run ``command`` with its output written to ``fd`` as it comes, unbuffered (``monitor
        trace``, which runs until the process ends); its status.  The nftables module buffers
        every output, so this is the ctypes binding's alone."""
        self._bind("nft_ctx_set_output", ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p])
        libc = ctypes.CDLL(None)
        libc.fdopen.restype = ctypes.c_void_p
        libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
        libc.setvbuf.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t]
        out = libc.fdopen(os.dup(fd), b"w")
        libc.setvbuf(out, None, 2, 0)  # _IONBF: each line as it comes
        self._lib.nft_ctx_set_output(self._ctx, out)
        self._set_flags(False, handles=handles)
        return int(self._lib.nft_run_cmd_from_buffer(self._ctx, command.encode()))

    def __del__(self) -> None:
        ctx = getattr(self, "_ctx", None)
        if ctx is not None:
            self._lib.nft_ctx_free(ctx)
            self._ctx = None


def open_nftables(binding: str | None = None, library: str | None = None) -> Nftables:
    """A libnftables context: through the nftables module when it imports (``binding`` None or
    "module"), else through ctypes (or ``binding`` "ctypes").  :class:`NftUnavailable` when
    neither works, with the install hint."""
    if binding not in (None, "module", "ctypes"):
        raise ValueError(f"binding {binding!r}: expected module or ctypes")
    if binding in (None, "module"):
        try:
            module = importlib.import_module("nftables")
            return ModuleNftables(module)
        except ImportError:
            if binding == "module":
                raise NftUnavailable("the nftables module (python3-nftables) does not import") from None
        except OSError as exc:  # the module is there, but cannot load libnftables.so.1
            if binding == "module":
                raise NftUnavailable(f"the nftables module cannot load libnftables ({exc}); "
                                     f"{INSTALL_HINT}") from None
    return CtypesNftables(library)
