"""The hand-written agreement cases: tests/kernel/agreement/*.yml.

Each file maps a group (an extension's name, or a topic such as ``getopt``) to its cases::

    tcp:
      family: [4, 6]            # optional: the families each case runs in (default both,
                                #   or the one family of the extension)
      at: filter INPUT          # optional: the table and chain of a one-rule case
      ok:                       # iptables-legacy-restore accepts; fwlint finds nothing (FW1xx)
        - -p tcp --dport 22 -j ACCEPT
      refused:                  # refused; fwlint's errors are exactly of these codes
        - FW108 -p tcp --dport 70000 -j ACCEPT
      warned:                   # accepted; fwlint warns with exactly these codes, no error
        - FW113 -s 192.0.2.1/24 -j ACCEPT
      beyond:                   # out of fwlint's reach: listed with the reason, as strict xfails
        - {rule: -m set --match-set blocklist src -j DROP, why: "the set must exist on the host"}

An item is a rule body (after ``-A CHAIN``), prefixed for refused and warned items with the
codes (``FW105,FW110 -j ...``), or a mapping with ``rule`` (or ``ruleset``: a whole file) and
optionally ``at``, ``family`` and ``why``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.kernel.agreement.oracle import one_rule

FOLDER = Path(__file__).parent
KINDS = ("ok", "refused", "warned", "beyond")
_CODES = re.compile(r"(FW\d{3}(?:,FW\d{3})*)\s+")


@dataclass(frozen=True)
class Case:
    group: str
    kind: str               # ok, refused, warned or beyond
    text: str               # the ruleset given to iptables-restore and to fwlint
    family: int
    codes: frozenset[str]   # the codes fwlint must report (errors when refused, else warnings)
    where: str              # "filter INPUT", or "ruleset"
    body: str | None        # the rule body of a one-rule case (mutations start from these)
    table: str
    chain: str
    why: str = ""
    source: str = ""

    @property
    def label(self) -> str:
        shown = self.body if self.body is not None else self.text.replace("\n", " | ")
        return f"[{self.group}] v{self.family} {self.where}: {shown}"


def _families(value, default: tuple[int, ...]) -> tuple[int, ...]:
    if value is None:
        return default
    if isinstance(value, int):
        return (value,)
    return tuple(int(v) for v in value)


def _split_codes(text: str) -> tuple[frozenset[str], str]:
    m = _CODES.match(text)
    if not m:
        return frozenset(), text
    return frozenset(m.group(1).split(",")), text[m.end():]


def load(path: Path, extension_family=None) -> list[Case]:
    """The cases of one file; ``extension_family(group)`` gives a group's default family."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[Case] = []
    for group, block in data.items():
        own = extension_family(group) if extension_family else None
        families = _families(block.get("family"), (own,) if own else (4, 6))
        default_at = block.get("at", "filter INPUT")
        for kind in KINDS:
            for item in block.get(kind) or ():
                spec = item if isinstance(item, dict) else {"rule": item}
                unknown = set(spec) - {"rule", "ruleset", "at", "family", "why", "codes"}
                if unknown:
                    raise ValueError(f"{path.name}: {group}: unknown keys {sorted(unknown)} in {spec}")
                at = spec.get("at", default_at)
                table, chain = at.split()
                for family in _families(spec.get("family"), families):
                    out.append(_case(group, kind, spec, family, table, chain, at, path))
    return out


def _case(group: str, kind: str, spec: dict, family: int, table: str, chain: str, at: str,
          path: Path) -> Case:
    if "ruleset" in spec:
        codes = frozenset(str(spec.get("codes", "")).split(",")) - {""}
        text = spec["ruleset"]
        return Case(group, kind, text, family, codes, "ruleset", None, table, chain,
                    spec.get("why", ""), path.name)
    codes, body = _split_codes(str(spec["rule"]))
    if kind == "ok" and codes:
        raise ValueError(f"{path.name}: {group}: an ok case carries no codes: {spec['rule']}")
    if kind in ("refused", "warned") and not codes:
        raise ValueError(f"{path.name}: {group}: a {kind} case names its codes: {spec['rule']}")
    return Case(group, kind, one_rule(body, table, chain), family, codes, at, body, table, chain,
                spec.get("why", ""), path.name)


def all_cases(extension_family=None) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(FOLDER.glob("*.yml")):
        cases.extend(load(path, extension_family))
    return cases
