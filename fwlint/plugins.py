"""The plugin API: pluggy hookspecs and the plugin manager.

Plugins are found through the entry-point group ``fwlint``.  fwlint's own rule
packs and extensions register through the very same hooks (the entry point
``builtin = "fwlint.builtin"``), so a built-in rule is a plugin like any other.

Hooks:

``fwlint_rules() -> list[type[fwlint.lint.Rule]]``
    Rule classes to add to the catalogue.  Each has a unique ``code``.
``fwlint_extensions() -> list[fwlint.extensions.Extension]``
    iptables matches and targets (options, validity, meaning, nft form).

A plugin that fails to import, or whose hook raises, is reported on stderr and
skipped; it never stops fwlint.  ``--no-plugins`` or
``FWLINT_DISABLE_PLUGIN_AUTOLOAD=1`` turn off loading of third-party plugins.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from typing import Any

import pluggy

PROJECT = "fwlint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

BUILTIN_NAME = "builtin"


class Hooks:
    @hookspec
    def fwlint_rules(self) -> list[type]:
        """Return rule classes (subclasses of fwlint.lint.Rule)."""

    @hookspec
    def fwlint_extensions(self) -> list[Any]:
        """Return fwlint.extensions.Extension objects (matches and targets)."""


_manager: pluggy.PluginManager | None = None
_autoload = True
plugin_errors: list[str] = []


def set_autoload(enabled: bool) -> None:
    """Turn third-party plugin loading on or off (before the first use)."""
    global _autoload, _manager
    _autoload = enabled
    _manager = None
    from fwlint.extensions import reset_default_registry
    from fwlint.lint.engine import reset_catalogue

    reset_default_registry()
    reset_catalogue()


def _warn(message: str) -> None:
    plugin_errors.append(message)
    print(f"fwlint: warning: {message}", file=sys.stderr)


def manager() -> pluggy.PluginManager:
    global _manager
    if _manager is not None:
        return _manager
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(Hooks)
    import fwlint.builtin

    pm.register(fwlint.builtin, name=BUILTIN_NAME)
    autoload = _autoload and os.environ.get("FWLINT_DISABLE_PLUGIN_AUTOLOAD", "") in ("", "0")
    if autoload:
        for ep in importlib.metadata.entry_points(group=PROJECT):
            if ep.name == BUILTIN_NAME or pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except Exception as exc:  # a broken plugin is reported, never fatal
                _warn(f"plugin {ep.name!r} ({ep.value}) failed to load and is skipped: "
                      f"{type(exc).__name__}: {exc}")
    _manager = pm
    return pm


def _call(hook_name: str) -> list[Any]:
    pm = manager()
    out: list[Any] = []
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        try:
            result = impl.function()
        except Exception as exc:
            _warn(f"plugin {impl.plugin_name!r} failed in {hook_name} and is skipped: "
                  f"{type(exc).__name__}: {exc}")
            continue
        if result:
            out.extend(result)
    return out


def plugin_rules() -> list[type]:
    return _call("fwlint_rules")


def plugin_extensions() -> list[Any]:
    return _call("fwlint_extensions")
