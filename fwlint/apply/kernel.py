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
from dataclasses import dataclass

from fwlint.nft.libnft import Nftables, Result

MARK = "managed by fwlint"
"""The comment of every table ``fwlint apply`` creates."""

_COMMENT = re.compile(r'^\tcomment "((?:[^"\\]|\\.)*)"$', re.MULTILINE)


@dataclass
class KernelTable:
    """A table in the kernel (its name: ``list tables`` says no more)."""

    family: str
    name: str

    @property
    def spec(self) -> str:
        return f"{self.family} {self.name}"


_BLOCK = re.compile(r"^\t(chain|set|map|flowtable|counter|quota|limit|ct helper|ct timeout|ct expectation|secmark|"
                    r"synproxy) (\S+) \{$")
CHAIN_PROPERTIES = ("type ", "policy ", "comment ", "devices ")


@dataclass
class Listing:
    """One table as the kernel has it: nft's text (block syntax) and libnftables' JSON (as
    libnftables wrote it: a backup keeps it without reading it)."""

    family: str
    name: str
    text: str
    json_text: str = ""

    @property
    def spec(self) -> str:
        return f"{self.family} {self.name}"

    @property
    def owned(self) -> bool:
        """Created by ``fwlint apply`` (its comment is :data:`MARK`)."""
        return table_comment(self.text) == MARK

    def objects(self) -> list[tuple[str, str]]:
        """The table's chains, sets, maps and named objects: (kind, name) in listing order."""
        found = []
        for line in self.text.split("\n"):
            if line.startswith("\t") and not line.startswith("\t\t"):
                block = _BLOCK.match(line)
                if block:
                    found.append((block.group(1), block.group(2)))
        return found

    def counts(self) -> tuple[int, int]:
        """Its chains and rules."""
        chains = rules = 0
        in_chain = False
        for line in self.text.split("\n"):
            if line.startswith("\t\t"):
                if in_chain and not line.startswith("\t\t\t") and not line[2:].startswith(CHAIN_PROPERTIES):
                    rules += 1
            elif line.startswith("\t"):
                block = _BLOCK.match(line)
                in_chain = block is not None and block.group(1) == "chain"
                chains += in_chain
        return chains, rules


class KernelError(RuntimeError):
    """libnftables refused a listing (no permission, no nf_tables in this kernel ...)."""


def _checked(result: Result, what: str) -> Result:
    if not result.ok:
        raise KernelError(f"{what}: {result.error.strip() or f'libnftables returned {result.rc}'}")
    return result


def tables(nft: Nftables) -> dict[tuple[str, str], KernelTable]:
    """Every table of this network namespace, in ``nft list ruleset``'s order (from the text:
    libnftables 1.0.6 writes a dormant table's flags as ``"flags": ,`` in its JSON)."""
    result = _checked(nft.run("list tables"), "nft list tables")
    found: dict[tuple[str, str], KernelTable] = {}
    for line in result.output.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "table":
            found[(words[1], words[2])] = KernelTable(words[1], words[2])
    return found


UNLISTED_JSON = '{"nftables": []}'
"""What stands for the JSON of a table with flags: libnftables 1.0.6 stops its JSON listing at
the table's ``"flags": `` (the text listing, which a restore loads, is whole)."""


def listing(nft: Nftables, family: str, name: str) -> Listing:
    """One table's text and JSON listing."""
    command = f"list table {family} {name}"
    text = _checked(nft.run(command), f"nft {command}").output
    as_json = _checked(nft.run(command, json_output=True), f"nft -j {command}").output.strip()
    if table_flags(text) is not None:  # a dormant table: see UNLISTED_JSON
        try:
            json.loads(as_json)
        except ValueError:
            as_json = UNLISTED_JSON
    return Listing(family, name, text, as_json)


def replace_prefix(specs: list[str], mark: bool = True, flags: str | None = None) -> list[str]:
    """The lines that put an empty table of each spec in place, in the transaction's first
    commands: ``table F N`` (made if missing) and ``delete table F N`` (gone, whatever it held),
    then the table again with its ownership mark (and the input's flags: a table's flags are
    set when it is made, not changed in the transaction that made it)."""
    lines: list[str] = []
    for spec in specs:
        lines.append(f"table {spec}")
        lines.append(f"delete table {spec}")
        if mark:
            given = f"flags {flags}; " if flags else ""
            lines.append(f'table {spec} {{ {given}comment "{MARK}"; }}')
    return lines


OBJECT_KINDS = ("counter", "quota", "limit", "ct helper", "ct timeout", "ct expectation", "secmark", "synproxy")
"""A table's named stateful objects, as libnftables' JSON names them (and nft's commands)."""


def emptying(table: Listing) -> list[str]:
    """The commands that take everything out of a table and keep the table itself, with its
    flags, comment and place in ``nft list ruleset``: its rules, then its sets and maps (a
    verdict map refers to chains), flowtables, chains, and named objects."""
    spec = table.spec
    lines = [f"flush table {spec}"]
    objects = table.objects()
    for kind in ("map", "set", "flowtable", "chain", *OBJECT_KINDS):
        lines.extend(f"delete {kind} {spec} {name}" for k, name in objects if k == kind)
    return lines


def table_comment(text: str) -> str | None:
    """The comment of the table ``text`` lists, or None."""
    first = _COMMENT.search(text)  # one tab: the table's own (a chain's or a set's has two)
    return first.group(1) if first else None


_FLAGS = re.compile(r"^\tflags (.+)$", re.MULTILINE)


def table_flags(text: str) -> str | None:
    """The flags of the table ``text`` lists (``dormant``), or None."""
    found = _FLAGS.search(text)
    return found.group(1) if found else None


def run_transaction(nft: Nftables, text: str, *, dry_run: bool) -> tuple[Result, str]:
    """Run ``text`` as one transaction from a file (so that libnftables' errors name
    ``file:line:column``; a buffer's name only the first line): an anonymous in-memory file,
    which goes with the process however it ends.  Returns the result and the file's name as
    the errors give it."""
    fd = os.memfd_create("fwlint-apply")
    try:
        with open(os.dup(fd), "w", encoding="utf-8") as f:
            f.write(text)
        path = f"/proc/self/fd/{fd}"
        return nft.run_file(path, dry_run=dry_run), path
    finally:
        os.close(fd)
