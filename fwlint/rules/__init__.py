"""The built-in rule packs: one module per rule, in packages by family.

validity (FW1xx), reachability (FW2xx), stateful (FW3xx), security (FW4xx), script (FW5xx),
translate (FW6xx: translation to nftables), meta (FW9xx: suppressions).
"""

from __future__ import annotations

import importlib
import pkgutil

from fwlint.lint.rule import Rule

PACKS = ("validity", "reachability", "stateful", "security", "script", "translate", "meta")


def builtin_rules() -> list[type[Rule]]:
    found: list[type[Rule]] = []
    for pack in PACKS:
        pkg = importlib.import_module(f"{__name__}.{pack}")
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            module = importlib.import_module(f"{pkg.__name__}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Rule) and value is not Rule \
                        and value.__module__ == module.__name__:
                    found.append(value)
    return found
