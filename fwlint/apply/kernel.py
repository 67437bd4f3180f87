"""What ``fwlint apply`` asks the kernel through libnftables: the tables there are, which are
fwlint's, their text and JSON (the backup), and one transaction from a file.

Ownership: a table ``fwlint apply`` creates carries the table comment :data:`MARK`.  A table
without it is someone else's (iptables-nft's ``ip filter``, Docker's ``ip nat``, another tool's,
or one loaded by hand): apply replaces it only with ``--force``.  The mark is in nft's text
listing only (libnftables 1.0.6 leaves table comments out of its JSON), so ownership, like the
backup that restores exactly, comes from the text listing of each table.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field

from fwlint.nft.libnft import Nftables, Result

MARK = "managed by fwlint"
"""The comment of every table ``fwlint apply`` creates."""

_COMMENT = re.compile(r'^\tcomment "((?:[^"\\]|\\.)*)"$', re.M)


@dataclass
class KernelTable:
    """A table in the kernel: its chains and rules (counted from the JSON listing)."""

    family: str
    name: str
    chains: int = 0
    rules: int = 0

    @property
    def spec(self) -> str:
        return f"{self.family} {self.name}"


@dataclass
class Listing:
    """One table's text (nft's block syntax) and JSON (libnftables') as the kernel has it."""

    family: str
    name: str
    text: str
    json: list = field(default_factory=list)

    @property
    def spec(self) -> str:
        return f"{self.family} {self.name}"

    @property
    def owned(self) -> bool:
        """Created by ``fwlint apply`` (its comment is :data:`MARK`)."""
        return table_comment(self.text) == MARK


class KernelError(RuntimeError):
    """libnftables refused a listing (no permission, no nf_tables in this kernel ...)."""


def _checked(result: Result, what: str) -> Result:
    if not result.ok:
        raise KernelError(f"{what}: {result.error.strip() or f'libnftables returned {result.rc}'}")
    return result


def tables(nft: Nftables) -> dict[tuple[str, str], KernelTable]:
    """Every table of this network namespace, with its chain and rule counts."""
    result = _checked(nft.run("list ruleset", json_output=True), "nft list ruleset")
    found: dict[tuple[str, str], KernelTable] = {}
    for item in _json_items(result.output):
        if "table" in item:
            t = item["table"]
            found[(t["family"], t["name"])] = KernelTable(t["family"], t["name"])
        elif "chain" in item or "rule" in item:
            body = item.get("chain") or item.get("rule")
            table = found.get((body["family"], body["table"]))
            if table is not None:
                if "chain" in item:
                    table.chains += 1
                else:
                    table.rules += 1
    return found


def _json_items(output: str) -> list[dict]:
    if not output.strip():
        return []
    return [item for item in json.loads(output).get("nftables", []) if isinstance(item, dict)]


def listing(nft: Nftables, family: str, name: str) -> Listing:
    """One table's text and JSON listing."""
    command = f"list table {family} {name}"
    text = _checked(nft.run(command), f"nft {command}").output
    items = _json_items(_checked(nft.run(command, json_output=True), f"nft -j {command}").output)
    return Listing(family, name, text, [i for i in items if "metainfo" not in i])


def replace_prefix(specs: list[str], mark: bool = True) -> list[str]:
    """The lines that put an empty table of each spec in place, in the transaction's first
    commands: ``table F N`` (made if missing) and ``delete table F N`` (gone, whatever it held),
    then the table again with its ownership mark."""
    lines: list[str] = []
    for spec in specs:
        lines.append(f"table {spec}")
        lines.append(f"delete table {spec}")
        if mark:
            lines.append(f'table {spec} {{ comment "{MARK}"; }}')
    return lines


OBJECT_KINDS = ("counter", "quota", "limit", "ct helper", "ct timeout", "ct expectation", "secmark", "synproxy")
"""A table's named stateful objects, as libnftables' JSON names them (and nft's commands)."""


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")


def _quoted(name: str) -> str:
    """A name as a delete command takes it: bare (keywords too: ``delete chain inet t in``),
    quoted only when it holds other characters."""
    return name if _NAME.match(name) else '"' + name.replace('"', '\\"') + '"'


def emptying(table: Listing) -> list[str]:
    """The commands that take everything out of a table and keep the table itself, with its
    flags, comment and place in ``nft list ruleset``: its rules, then its sets and maps (a
    verdict map refers to chains), flowtables, chains, and named objects."""
    spec = table.spec
    lines = [f"flush table {spec}"]
    by_kind: dict[str, list[str]] = {}
    for item in table.json:
        for kind, body in item.items():
            if isinstance(body, dict) and "name" in body and kind != "table":
                by_kind.setdefault(kind, []).append(body["name"])
    for kind in ("map", "set", "flowtable", "chain", *OBJECT_KINDS):
        lines.extend(f"delete {kind} {spec} {_quoted(name)}" for name in by_kind.get(kind, ()))
    return lines


def table_comment(text: str) -> str | None:
    """The comment of the table ``text`` lists, or None."""
    first = _COMMENT.search(text)  # one tab: the table's own (a chain's or a set's has two)
    return first.group(1) if first else None


def run_transaction(nft: Nftables, text: str, *, dry_run: bool) -> tuple[Result, str]:
    """Run ``text`` as one transaction from a private file (so that libnftables' errors name
    ``file:line:column``; a buffer's name only the first line).  Returns the result and the
    file's name as the errors give it."""
    directory = tempfile.mkdtemp(prefix="fwlint-apply-")
    path = os.path.join(directory, "ruleset.nft")
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return nft.run_file(path, dry_run=dry_run), path
    finally:
        try:
            os.unlink(path)
        finally:
            os.rmdir(directory)
