"""fwlint's own plugin: the built-in rule packs and extensions, registered through the
same hooks and entry-point group as any third-party plugin."""

from __future__ import annotations

from fwlint.plugins import hookimpl


@hookimpl
def fwlint_rules() -> list[type]:
    from fwlint.rules import builtin_rules

    return builtin_rules()


@hookimpl
def fwlint_extensions() -> list:
    from fwlint.extensions import builtin_extensions

    return builtin_extensions()
