"""What ``fwlint apply`` saves before it changes anything, and how ``--restore`` (and a
``--confirm`` that gets no answer) puts it back.

A backup is a JSON file::

    {"fwlint-backup": 1, "created": "2026-11-21T10:15:00Z", "applied": ["rules.v4"],
     "tables": [{"family": "ip", "name": "fwlint", "existed": true}, ...],
     "ruleset": "table ip fwlint {\\n\\tcomment ...",       # nft list table, block syntax
     "nftables": {"nftables": [{"table": ...}, {"chain": ...}, {"rule": ...}, ...]}}

``tables`` are the tables the apply replaces (or creates: ``existed`` false; ``comment``: the
table's comment then); ``ruleset`` and ``nftables`` hold those of them that existed, as
libnftables lists them in its block syntax and in its JSON.  Restoring is one transaction: a
table that did not exist is deleted; one that did is emptied (its rules, sets, chains and
objects deleted, the table kept: ``nft list ruleset`` shows it in its old place), or deleted
when it is no longer the same table (its comment differs), then ``ruleset`` is loaded.  The block syntax is what is loaded: it restores exactly, where libnftables
1.0.6's JSON leaves out table comments and a set's ``dynamic`` flag; the JSON is loaded only
when the block syntax is refused (a libnftables of another version), and is there for other
tools to read.  Tables the apply left alone are in neither and stay as they are.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from fwlint.apply.kernel import (
    Listing,
    emptying,
    listing,
    replace_prefix,
    run_transaction,
    table_comment,
    table_flags,
    tables,
)
from fwlint.nft.libnft import Nftables, Result

FORMAT = 1
DEFAULT_DIRECTORY = "/var/lib/fwlint"


class BackupError(ValueError):
    """A file that is no backup of fwlint apply (or a damaged one)."""


@dataclass
class Backup:
    tables: list[dict[str, Any]]  # family, name, existed, comment
    ruleset: str
    nftables: str  # libnftables' JSON document, as text
    applied: list[str]
    created: str

    @property
    def specs(self) -> list[str]:
        return [f"{t['family']} {t['name']}" for t in self.tables]

    def to_json(self) -> str:
        """The backup file (libnftables' JSON put in as it wrote it: a big table's is not read
        and written again)."""
        head = json.dumps({"fwlint-backup": FORMAT, "created": self.created, "applied": self.applied,
                           "tables": self.tables, "ruleset": self.ruleset}, indent=1)
        return head[:-2] + ',\n "nftables": ' + self.nftables + "\n}\n"


_DOCUMENT_START = '{"nftables": ['


def joined_documents(documents: list[str]) -> str:
    """libnftables' JSON listings of several tables as one document (one metainfo)."""
    decoder = json.JSONDecoder()
    items: list[str] = []
    for i, document in enumerate(documents):
        if not (document.startswith(_DOCUMENT_START) and document.endswith("]}")):
            parsed = json.loads(document).get("nftables", [])  # another layout: read it
            document = _DOCUMENT_START + ", ".join(json.dumps(item) for item in parsed) + "]}"
        inner = document[len(_DOCUMENT_START):-2]
        if i and inner.startswith('{"metainfo"'):
            _, end = decoder.raw_decode(inner)
            inner = inner[end:].lstrip(", ")
        if inner:
            items.append(inner)
    return _DOCUMENT_START + ", ".join(items) + "]}"


def make_backup(replaced: list[tuple[str, str]], listings: dict[tuple[str, str], Listing],
                applied: list[str]) -> Backup:
    """The backup of the tables ``replaced`` (family, name), ``listings`` those that exist."""
    tables = [{"family": f, "name": n, "existed": (f, n) in listings,
               "comment": table_comment(listings[(f, n)].text) if (f, n) in listings else None,
               "flags": table_flags(listings[(f, n)].text) if (f, n) in listings else None}
              for f, n in replaced]
    present = [listings[key] for key in replaced if key in listings]
    return Backup(tables, "".join(one.text for one in present), joined_documents([one.json_text for one in present]),
                  list(applied), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def default_path(directory: str = DEFAULT_DIRECTORY) -> str:
    """``/var/lib/fwlint/backup-20261121T101500Z.json`` (a number added if it exists)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = os.path.join(directory, f"backup-{stamp}.json")
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(directory, f"backup-{stamp}-{n}.json")
    return path


def write_backup(backup: Backup, path: str) -> None:
    """Write the backup (mode 0600: a ruleset says much about a host), its directory made if
    missing (0700), in one rename."""
    from fwlint.check import write_atomically

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if os.path.isfile(path):  # an earlier file keeps its mode through the rename: make it private first
        os.chmod(path, 0o600)
    old_umask = os.umask(0o077)
    try:
        write_atomically(path, backup.to_json())
    finally:
        os.umask(old_umask)


def read_backup(path: str) -> Backup:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise BackupError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise BackupError(f"{path}:{err.lineno}:{err.colno}: not JSON: {err.msg}") from None
    if not isinstance(data, dict) or data.get("fwlint-backup") != FORMAT:
        raise BackupError(f"{path}:1:1: not a backup written by fwlint apply (no \"fwlint-backup\": {FORMAT})")
    tables = data.get("tables")
    ok = isinstance(tables, list) and all(
        isinstance(t, dict) and isinstance(t.get("family"), str) and isinstance(t.get("name"), str)
        for t in tables)
    if not ok or not isinstance(data.get("ruleset"), str) or not isinstance(data.get("nftables"), dict):
        raise BackupError(f"{path}:1:1: a damaged backup: \"tables\", \"ruleset\" or \"nftables\" is missing "
                          "or of the wrong kind")
    from fwlint.nft.names import is_identifier

    for t in tables:
        if t["family"] not in ("ip", "ip6", "inet", "arp", "bridge", "netdev") or not is_identifier(t["name"]):
            raise BackupError(f"{path}:1:1: a damaged backup: table {t['family']!r} {t['name']!r}")
        if not isinstance(t.get("existed"), bool) or not isinstance(t.get("comment"), (str, type(None))) \
                or not isinstance(t.get("flags"), (str, type(None))):
            raise BackupError(f"{path}:1:1: a damaged backup: \"existed\" of table {t['family']} {t['name']} is "
                              "not true or false, or its \"comment\" is no string")
    _check_contents(path, tables, data["ruleset"], data["nftables"])
    return Backup(tables, data["ruleset"], json.dumps(data["nftables"]), list(data.get("applied") or []),
                  str(data.get("created", "")))


def _check_contents(path: str, tables: list[dict[str, Any]], ruleset: str, document: dict[str, Any]) -> None:
    """The text and the JSON hold exactly the tables that existed: a backup whose text names
    another table (or misses one) would put rules where they do not belong, or delete a table."""
    from fwlint.apply.nftfile import NftFileError, read_nft

    existed = {(t["family"], t["name"]) for t in tables if t["existed"]}
    flagged = {(t["family"], t["name"]) for t in tables if t["existed"] and t.get("flags")}  # see UNLISTED_JSON
    try:
        structure = read_nft(ruleset)
        in_text = set(structure.tables)
    except NftFileError as err:
        raise BackupError(f"{path}:1:1: a damaged backup: its \"ruleset\" does not read as nft text (its line "
                          f"{err.line}: {err})") from None
    commands = [f"`flush ruleset` (its line {line})" for line in structure.flush_ruleset]
    commands += [f"`include` (its line {line})" for line, _ in structure.includes]
    commands += [f"`{word}` (its line {line})" for line, _, word in structure.not_ruleset]
    if commands:  # nft's listing holds none: they would act on other tables
        raise BackupError(f"{path}:1:1: a damaged backup: its \"ruleset\" holds {', '.join(commands)}, which no "
                          "listing of a table does")
    items = document.get("nftables")
    if not isinstance(items, list):
        raise BackupError(f"{path}:1:1: a damaged backup: \"nftables\" holds no list")
    in_json = set()
    for item in items:
        if isinstance(item, dict):
            for kind, body in item.items():
                if kind != "metainfo" and isinstance(body, dict):
                    table = (body.get("family"), body.get("name") if kind == "table" else body.get("table"))
                    in_json.add(table)
    for what, found in (("\"ruleset\"", in_text), ("\"nftables\"", in_json | flagged)):
        if found != existed:
            extra = sorted(f"{f} {n}" for f, n in found - existed)
            missing = sorted(f"{f} {n}" for f, n in existed - found)
            detail = "; ".join([*(f"it holds table {x}, which the backup does not list as replaced" for x in extra),
                                *(f"it lacks table {x}" for x in missing)])
            raise BackupError(f"{path}:1:1: a damaged backup: its {what} does not match its \"tables\": {detail}")


def restore_text(backup: Backup, now: dict[tuple[str, str], Listing]) -> str:
    """The transaction that puts the backup back, in block syntax; ``now``: the listings of its
    tables that are in the kernel now."""
    lines = ["# fwlint apply --restore"]
    for t in backup.tables:
        key = (t["family"], t["name"])
        current = now.get(key)
        if t.get("existed") and current is not None and table_comment(current.text) == t.get("comment") \
                and table_flags(current.text) == t.get("flags") is None:
            lines.extend(emptying(current))
        elif current is not None:
            lines.extend(replace_prefix([current.spec], mark=False))
    return "\n".join(lines) + "\n" + backup.ruleset


def restore_json(backup: Backup) -> str:
    """The same transaction in libnftables JSON (when the block syntax is refused)."""
    commands: list[Any] = []
    for t in backup.tables:
        body = {"family": t["family"], "name": t["name"]}
        commands.append({"add": {"table": dict(body)}})
        commands.append({"delete": {"table": dict(body)}})
    items = [item for item in json.loads(backup.nftables).get("nftables", [])
             if isinstance(item, dict) and "metainfo" not in item]
    # in JSON each command runs in turn: chains before the verdict maps and rules that name them
    order = {"table": 0, "chain": 1, "rule": 3}
    for item in sorted(items, key=lambda item: order.get(next(iter(item), ""), 2)):
        kind, body = next(iter(item.items()))
        if isinstance(body, dict):
            body = {key: value for key, value in body.items() if key != "handle"}
        commands.append({"add": {kind: body}})
    return json.dumps({"nftables": commands})


def restore(nft: Nftables, backup: Backup, *, dry_run: bool = False,
            now: dict[tuple[str, str], Listing] | None = None) -> tuple[Result, str]:
    """Put the backup back in one transaction (block syntax, else JSON); the result and which
    form was loaded.  ``now``: the listings of the backup's tables in the kernel now, when known."""
    if now is None:
        present = tables(nft)
        keys = [(t["family"], t["name"]) for t in backup.tables]
        now = {key: listing(nft, *key) for key in keys if key in present}
    text = restore_text(backup, now)
    checked, _ = run_transaction(nft, text, dry_run=True)
    if checked.ok:
        result = checked if dry_run else run_transaction(nft, text, dry_run=False)[0]
        return result, "text"
    as_json = restore_json(backup)
    if nft.run(as_json, dry_run=True, json_output=True).ok:
        return (nft.run(as_json, dry_run=dry_run, json_output=True), "json")
    return checked, "text"
