"""An example fwlint plugin.

fwlint loads this module through the entry point ``example`` in the group ``fwlint``
(see pyproject.toml) and calls the hook implementations below:

- ``fwlint_rules`` adds the lint rule EX101 ``undocumented-open-port``;
- ``fwlint_extensions`` teaches fwlint the ``geoip`` match of xtables-addons, so that
  ``-m geoip --src-cc NL`` parses with its options known and its values checked.
"""

from __future__ import annotations

from fwlint.extensions import Extension
from fwlint.lint import Rule
from fwlint.plugins import hookimpl

__version__ = "0.1.0"


@hookimpl
def fwlint_rules() -> list[type[Rule]]:
    from fwlint_plugin_example.undocumented_open_port import UndocumentedOpenPort

    return [UndocumentedOpenPort]


@hookimpl
def fwlint_extensions() -> list[Extension]:
    from fwlint_plugin_example.geoip import EXTENSION

    return [EXTENSION]
