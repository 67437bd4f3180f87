"""fwlint.apply.backup without a kernel: the backup file, reading it back, and the transactions that restore
it."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest

import fwlint.apply.backup as backup_module
from fwlint.apply.backup import (
    Backup,
    BackupError,
    default_path,
    joined_documents,
    make_backup,
    read_backup,
    restore_json,
    restore_text,
    write_backup,
)
from fwlint.apply.kernel import Listing

METAINFO = {"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}

MINE_TEXT = ('table inet mine {\n\tcomment "managed by fwlint"\n'
             '\tset admins {\n\t\ttype ipv4_addr\n\t\tflags interval\n'
             '\t\telements = { 192.0.2.0/28 }\n\t}\n\n'
             '\tmap ports {\n\t\ttype inet_service : verdict\n\t\telements = { 22 : jump ssh }\n\t}\n\n'
             '\tchain ssh {\n\t\tip saddr @admins accept\n\t\tdrop\n\t}\n\n'
             '\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n'
             '\t\ttcp dport vmap @ports\n\t}\n}\n')
# libnftables' JSON of that table, in its order (sets and maps before chains, chains before rules)
MINE_ITEMS = [
    METAINFO,
    {"table": {"family": "inet", "name": "mine", "handle": 1}},
    {"set": {"family": "inet", "name": "admins", "table": "mine", "type": "ipv4_addr", "handle": 3,
             "flags": ["interval"], "elem": [{"prefix": {"addr": "192.0.2.0", "len": 28}}]}},
    {"map": {"family": "inet", "name": "ports", "table": "mine", "type": "inet_service", "handle": 4,
             "map": "verdict", "elem": [[22, {"jump": {"target": "ssh"}}]]}},
    {"chain": {"family": "inet", "table": "mine", "name": "ssh", "handle": 1}},
    {"chain": {"family": "inet", "table": "mine", "name": "input", "handle": 2, "type": "filter",
               "hook": "input", "prio": 0, "policy": "accept"}},
    {"rule": {"family": "inet", "table": "mine", "chain": "ssh", "handle": 5,
              "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                                  "right": "@admins"}}, {"accept": None}]}},
    {"rule": {"family": "inet", "table": "mine", "chain": "ssh", "handle": 6, "expr": [{"drop": None}]}},
    {"rule": {"family": "inet", "table": "mine", "chain": "input", "handle": 7,
              "expr": [{"vmap": {"key": {"payload": {"protocol": "tcp", "field": "dport"}},
                                 "data": "@ports"}}]}},
]
MINE = Listing("inet", "mine", MINE_TEXT, json.dumps({"nftables": MINE_ITEMS}))

EDGE_TEXT = ('table netdev edge {\n\tchain ingress {\n'
             '\t\ttype filter hook ingress device "lo" priority filter; policy accept;\n'
             '\t\tip saddr 192.0.2.1 drop\n\t}\n}\n')
EDGE_ITEMS = [
    METAINFO,
    {"table": {"family": "netdev", "name": "edge", "handle": 2}},
    {"chain": {"family": "netdev", "table": "edge", "name": "ingress", "handle": 1, "type": "filter",
               "hook": "ingress", "prio": 0, "policy": "accept"}},
    {"rule": {"family": "netdev", "table": "edge", "chain": "ingress", "handle": 2,
              "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                                  "right": "192.0.2.1"}}, {"drop": None}]}},
]
EDGE = Listing("netdev", "edge", EDGE_TEXT, json.dumps({"nftables": EDGE_ITEMS}))


def kinds(document: str) -> list[str]:
    return [next(iter(item)) for item in json.loads(document)["nftables"]]


# --- making, writing and reading a backup ----------------------------------------------------------

def test_make_backup_of_tables_that_exist_and_one_that_does_not():
    backup = make_backup([("inet", "mine"), ("ip", "fwlint"), ("netdev", "edge")],
                         {("inet", "mine"): MINE, ("netdev", "edge"): EDGE}, ["rules.v4", "rules.v6"])
    assert backup.tables == [
        {"family": "inet", "name": "mine", "existed": True, "comment": "managed by fwlint", "flags": None},
        {"family": "ip", "name": "fwlint", "existed": False, "comment": None, "flags": None},
        {"family": "netdev", "name": "edge", "existed": True, "comment": None, "flags": None}]
    assert backup.specs == ["inet mine", "ip fwlint", "netdev edge"]
    assert backup.ruleset == MINE_TEXT + EDGE_TEXT
    assert json.loads(backup.nftables) == {"nftables": MINE_ITEMS + EDGE_ITEMS[1:]}
    assert backup.applied == ["rules.v4", "rules.v6"]
    assert time.strptime(backup.created, "%Y-%m-%dT%H:%M:%SZ")


def test_a_backup_of_nothing_that_existed():
    backup = make_backup([("ip", "fwlint")], {}, ["-"])
    assert (backup.ruleset, backup.nftables) == ("", '{"nftables": []}')
    assert backup.tables == [{"family": "ip", "name": "fwlint", "existed": False, "comment": None, "flags": None}]


def test_to_json_and_read_backup_round_trip(tmp_path):
    backup = make_backup([("inet", "mine"), ("ip", "fwlint")], {("inet", "mine"): MINE}, ["rules.v4"])
    text = backup.to_json()
    assert json.loads(text) == {
        "fwlint-backup": 1, "created": backup.created, "applied": ["rules.v4"], "tables": backup.tables,
        "ruleset": MINE_TEXT, "nftables": {"nftables": MINE_ITEMS}}
    assert text.endswith("}\n")
    path = tmp_path / "b.json"
    path.write_text(text)
    assert read_backup(str(path)) == backup


@pytest.mark.parametrize("text, message", [
    ('{"tables": [\n  1,\n', "{path}:3:1: not JSON: Expecting value"),
    ("", "{path}:1:1: not JSON: Expecting value"),
    ('{"fwlint-backup": 1,\n "created": "x",\n}',
     "{path}:3:1: not JSON: Expecting property name enclosed in double quotes"),
    ("[]", '{path}:1:1: not a backup written by fwlint apply (no "fwlint-backup": 1)'),
    ('{"fwlint-backup": 2, "tables": [], "ruleset": "", "nftables": {}}',
     '{path}:1:1: not a backup written by fwlint apply (no "fwlint-backup": 1)'),
    ('{"nftables": []}', '{path}:1:1: not a backup written by fwlint apply (no "fwlint-backup": 1)'),
    ('{"fwlint-backup": 1, "ruleset": "", "nftables": {}}',
     '{path}:1:1: a damaged backup: "tables", "ruleset" or "nftables" is missing or of the wrong kind'),
    ('{"fwlint-backup": 1, "tables": [{"family": "ip"}], "ruleset": "", "nftables": {}}',
     '{path}:1:1: a damaged backup: "tables", "ruleset" or "nftables" is missing or of the wrong kind'),
    ('{"fwlint-backup": 1, "tables": [], "ruleset": 3, "nftables": {}}',
     '{path}:1:1: a damaged backup: "tables", "ruleset" or "nftables" is missing or of the wrong kind'),
    ('{"fwlint-backup": 1, "tables": [], "ruleset": "", "nftables": []}',
     '{path}:1:1: a damaged backup: "tables", "ruleset" or "nftables" is missing or of the wrong kind'),
    ('{"fwlint-backup": 1, "tables": [{"family": "ipx", "name": "t"}], "ruleset": "", "nftables": {}}',
     "{path}:1:1: a damaged backup: table 'ipx' 't'"),
    (('{"fwlint-backup": 1, "tables": [{"family": "ip", "name": "t; flush ruleset"}], "ruleset": "", '
      '"nftables": {}}'),
     "{path}:1:1: a damaged backup: table 'ip' 't; flush ruleset'"),
])
def test_read_backup_errors(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(BackupError) as caught:
        read_backup(str(path))
    assert str(caught.value) == message.format(path=path)


def test_read_backup_of_a_file_that_is_not_there(tmp_path):
    with pytest.raises(BackupError) as caught:
        read_backup(str(tmp_path / "none.json"))
    assert str(caught.value) == f"{tmp_path}/none.json: cannot read: No such file or directory"


def test_read_backup_without_applied_and_created(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('{"fwlint-backup": 1, "tables": [{"family": "ip", "name": "fwlint", "existed": false}], '
                    '"ruleset": "",\n "nftables": {"nftables": []}}\n')
    assert read_backup(str(path)) == Backup([{"family": "ip", "name": "fwlint", "existed": False}], "",
                                            '{"nftables": []}', [], "")


@pytest.mark.parametrize("change, message", [
    ({"tables": [{"family": "ip", "name": "fwlint", "existed": "no"}]},
     '"existed" of table ip fwlint is not true or false, or its "comment" is no string'),
    ({"ruleset": "table ip filter {\n}\n"},
     'its "ruleset" does not match its "tables": it holds table ip filter, which the backup does not list as '
     'replaced'),
    ({"tables": [{"family": "ip", "name": "fwlint", "existed": True}]},
     'its "ruleset" does not match its "tables": it lacks table ip fwlint'),
    ({"ruleset": "table ip fwlint {\n", "tables": [{"family": "ip", "name": "fwlint", "existed": True}]},
     'its "ruleset" does not read as nft text (its line 1: a `{` that is never closed)'),
    ({"ruleset": "flush ruleset\n"},
     'its "ruleset" holds `flush ruleset` (its line 1), which no listing of a table does'),
    ({"ruleset": "reset counters\ninclude \"/tmp/x\"\n"},
     'its "ruleset" holds `include` (its line 2), `reset` (its line 1), which no listing of a table does'),
    ({"nftables": {"nftables": [{"table": {"family": "ip", "name": "nat"}}]}},
     'its "nftables" does not match its "tables": it holds table ip nat, which the backup does not list as '
     'replaced'),
])
def test_read_backup_refuses_contents_that_do_not_match_its_tables(tmp_path, change, message):
    data = {"fwlint-backup": 1, "tables": [{"family": "ip", "name": "fwlint", "existed": False}], "ruleset": "",
            "nftables": {"nftables": []}, **change}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BackupError) as caught:
        read_backup(str(path))
    assert str(caught.value) == f"{path}:1:1: a damaged backup: {message}"


def test_joined_documents_keep_one_metainfo():
    both = json.dumps({"nftables": MINE_ITEMS + EDGE_ITEMS[1:]})
    assert joined_documents([MINE.json_text, EDGE.json_text]) == both
    assert joined_documents([EDGE.json_text]) == EDGE.json_text
    assert joined_documents([]) == '{"nftables": []}'
    # a document in another layout is read, and written in libnftables' own
    spaced = json.dumps({"nftables": EDGE_ITEMS}, indent=2)
    assert joined_documents([MINE.json_text, spaced]) == json.dumps({"nftables": MINE_ITEMS + EDGE_ITEMS[1:]})


def test_default_path_and_a_second_one_in_the_same_second(tmp_path, monkeypatch):
    fixed = time.struct_time((2026, 11, 21, 10, 15, 0, 5, 325, 0))
    monkeypatch.setattr(backup_module.time, "gmtime", lambda *seconds: fixed)
    first = default_path(str(tmp_path))
    assert first == f"{tmp_path}/backup-20261121T101500Z.json"
    open(first, "w").close()
    second = default_path(str(tmp_path))
    assert second == f"{tmp_path}/backup-20261121T101500Z-2.json"
    open(second, "w").close()
    assert default_path(str(tmp_path)) == f"{tmp_path}/backup-20261121T101500Z-3.json"
    assert default_path().startswith("/var/lib/fwlint/backup-20261121T101500Z")


def test_write_backup_makes_the_file_0600_and_its_directory_0700(tmp_path):
    backup = make_backup([("inet", "mine")], {("inet", "mine"): MINE}, ["rules.v4"])
    path = tmp_path / "saved" / "deeper" / "b.json"
    old = os.umask(0o022)
    try:
        write_backup(backup, str(path))
        assert os.umask(0o022) == 0o022  # the umask is put back
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text() == backup.to_json()
    assert os.listdir(path.parent) == ["b.json"]  # no temporary file left


def test_write_backup_over_an_existing_file_makes_it_0600(tmp_path):
    path = tmp_path / "b.json"
    path.write_text("old")
    path.chmod(0o644)
    write_backup(make_backup([("inet", "mine")], {("inet", "mine"): MINE}, ["rules.v4"]), str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- restoring -------------------------------------------------------------------------------------

def backup_of(*tables: dict, ruleset: str = "", items: list | None = None) -> Backup:
    return Backup(list(tables), ruleset, json.dumps({"nftables": items or [METAINFO]}), ["rules.v4"],
                  "2026-11-21T10:15:00Z")


def test_restore_text_deletes_a_table_that_did_not_exist():
    backup = backup_of({"family": "ip", "name": "fwlint", "existed": False, "comment": None})
    now = {("ip", "fwlint"): Listing("ip", "fwlint", 'table ip fwlint {\n\tcomment "managed by fwlint"\n}\n')}
    assert restore_text(backup, now) == "# fwlint apply --restore\ntable ip fwlint\ndelete table ip fwlint\n"
    # and leaves it alone when it is gone already
    assert restore_text(backup, {}) == "# fwlint apply --restore\n"


def test_restore_text_empties_a_table_with_the_same_comment_in_place():
    backup = backup_of({"family": "inet", "name": "mine", "existed": True, "comment": "managed by fwlint"},
                       ruleset=MINE_TEXT)
    now = {("inet", "mine"): Listing("inet", "mine", 'table inet mine {\n\tcomment "managed by fwlint"\n'
                                                     '\tset s {\n\t\ttype ipv4_addr\n\t}\n\n'
                                                     '\tchain c {\n\t\tdrop\n\t}\n}\n')}
    assert restore_text(backup, now) == (
        "# fwlint apply --restore\nflush table inet mine\ndelete set inet mine s\ndelete chain inet mine c\n"
        + MINE_TEXT)


def test_restore_text_deletes_and_recreates_a_table_whose_comment_differs():
    foreign = 'table ip foreign {\n\tchain input {\n\t\tdrop\n\t}\n}\n'
    backup = backup_of({"family": "ip", "name": "foreign", "existed": True, "comment": None}, ruleset=foreign)
    marked = 'table ip foreign {\n\tcomment "managed by fwlint"\n}\n'
    now = {("ip", "foreign"): Listing("ip", "foreign", marked)}
    assert restore_text(backup, now) == (
        "# fwlint apply --restore\ntable ip foreign\ndelete table ip foreign\n" + foreign)
    # a table that existed and is gone now is only loaded again
    assert restore_text(backup, {}) == "# fwlint apply --restore\n" + foreign


def test_restore_text_of_several_tables_in_the_backups_order():
    backup = backup_of({"family": "ip", "name": "new", "existed": False, "comment": None},
                       {"family": "netdev", "name": "edge", "existed": True, "comment": None},
                       ruleset=EDGE_TEXT)
    now = {("ip", "new"): Listing("ip", "new", "table ip new {\n}\n"), ("netdev", "edge"): EDGE}
    assert restore_text(backup, now) == (
        "# fwlint apply --restore\ntable ip new\ndelete table ip new\n"
        "flush table netdev edge\ndelete chain netdev edge ingress\n" + EDGE_TEXT)


def test_restore_json_puts_chains_before_maps_and_rules_without_handles():
    backup = make_backup([("inet", "mine"), ("ip", "fwlint")], {("inet", "mine"): MINE}, ["rules.v4"])
    document = json.loads(restore_json(backup))
    commands = document["nftables"]
    assert commands[:4] == [
        {"add": {"table": {"family": "inet", "name": "mine"}}},
        {"delete": {"table": {"family": "inet", "name": "mine"}}},
        {"add": {"table": {"family": "ip", "name": "fwlint"}}},
        {"delete": {"table": {"family": "ip", "name": "fwlint"}}}]
    added = [(next(iter(c["add"])), next(iter(c["add"].values())).get("name")) for c in commands[4:]]
    assert added == [("table", "mine"), ("chain", "ssh"), ("chain", "input"), ("set", "admins"),
                     ("map", "ports"),
                     ("rule", None), ("rule", None), ("rule", None)]
    assert "handle" not in json.dumps(commands)
    assert "metainfo" not in json.dumps(commands)
    assert commands[-1] == {"add": {"rule": {
        "family": "inet", "table": "mine", "chain": "input",
        "expr": [{"vmap": {"key": {"payload": {"protocol": "tcp", "field": "dport"}}, "data": "@ports"}}]}}}


def test_restore_json_after_a_round_trip_through_the_file(tmp_path):
    backup = make_backup([("inet", "mine")], {("inet", "mine"): MINE}, ["rules.v4"])
    path = tmp_path / "b.json"
    write_backup(backup, str(path))
    assert restore_json(read_backup(str(path))) == restore_json(backup)
    assert kinds(restore_json(backup)) == ["add", "delete"] + ["add"] * 8
