"""fwlint.apply.kernel without a kernel: a table's listing (whose it is, its objects, its counts) and the
commands apply and restore put before a ruleset."""

from __future__ import annotations

from fwlint.apply.kernel import MARK, Listing, emptying, replace_prefix, table_comment

# `nft list table inet mine` (nftables 1.0.6) of a table with a ct helper, named objects, a set with a
# comment, a verdict map, a chain comment and a base chain
MINE = (
    'table inet mine {\n\tcomment "managed by fwlint"\n'
    '\tct helper ftp-std {\n\t\ttype "ftp" protocol tcp\n\t\tl3proto inet\n\t}\n\n'
    '\tcounter seen {\n\t\tpackets 3 bytes 180\n\t}\n\n'
    '\tquota q {\n\t\t25 mbytes\n\t}\n\n'
    '\tlimit l {\n\t\trate 10/second\n\t}\n\n'
    '\tset admins {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tcomment "the admins"\n'
    '\t\telements = { 192.0.2.0/28, 198.51.100.7 }\n\t}\n\n'
    '\tmap ports {\n\t\ttype inet_service : verdict\n\t\telements = { 22 : jump ssh }\n\t}\n\n'
    '\tchain ssh {\n\t\tcomment "ssh checks"\n'
    '\t\tip saddr @admins counter packets 5 bytes 300 accept comment "admins only"\n'
    '\t\ttcp dport { 22, 2222 } counter name "seen" drop\n\t\tdrop\n\t}\n\n'
    '\tchain input {\n\t\tcomment "the input"\n\t\ttype filter hook input priority filter; policy accept;\n'
    '\t\ttcp dport vmap @ports\n\t\ttcp dport 21 ct helper set "ftp-std"\n\t}\n}\n')

# a netdev table with a chain on two devices, and a flowtable (its `devices` line is no rule either)
EDGE = ('table netdev edge {\n'
        '\tflowtable ft {\n\t\thook ingress priority filter\n\t\tdevices = { v0, v1 }\n\t}\n\n'
        '\tchain ingress {\n'
        '\t\ttype filter hook ingress devices = { v0, v1 } priority filter; policy accept;\n'
        '\t\tip saddr 192.0.2.1 drop\n\t}\n}\n')

# another tool's table: no table comment, a chain comment only
FOREIGN = ('table ip foreign {\n\tchain input {\n\t\tcomment "managed by fwlint"\n'
           '\t\ttype filter hook input priority filter; policy accept;\n'
           '\t\tip saddr 198.51.100.9 counter packets 0 bytes 0 drop\n\t}\n}\n')

# a set's elements wrapped over several lines: nothing of it is a rule or an object
WRAPPED = ('table ip w {\n\tcomment "something else"\n\tset many {\n\t\ttype ipv4_addr\n'
           '\t\telements = { 192.0.2.1, 192.0.2.2,\n\t\t\t     192.0.2.3 }\n\t}\n\n'
           '\tchain c {\n\t\tip saddr @many accept\n\t}\n}\n')


def test_ownership_is_the_table_comment():
    assert Listing("inet", "mine", MINE).owned is True
    assert Listing("ip", "foreign", FOREIGN).owned is False  # a chain's comment is not the table's
    assert Listing("ip", "w", WRAPPED).owned is False
    assert Listing("netdev", "edge", EDGE).owned is False
    assert table_comment(MINE) == MARK == "managed by fwlint"
    assert table_comment(WRAPPED) == "something else"
    assert table_comment(FOREIGN) is None


def test_objects_in_listing_order():
    assert Listing("inet", "mine", MINE).objects() == [
        ("ct helper", "ftp-std"), ("counter", "seen"), ("quota", "q"), ("limit", "l"), ("set", "admins"),
        ("map", "ports"), ("chain", "ssh"), ("chain", "input")]
    assert Listing("netdev", "edge", EDGE).objects() == [("flowtable", "ft"), ("chain", "ingress")]
    assert Listing("ip", "w", WRAPPED).objects() == [("set", "many"), ("chain", "c")]


def test_counts_of_chains_and_rules():
    assert Listing("inet", "mine", MINE).counts() == (2, 5)
    assert Listing("netdev", "edge", EDGE).counts() == (1, 1)
    assert Listing("ip", "foreign", FOREIGN).counts() == (1, 1)
    assert Listing("ip", "w", WRAPPED).counts() == (1, 1)
    assert Listing("ip", "empty", "table ip empty {\n}\n").counts() == (0, 0)
    assert Listing("ip", "bare", "table ip bare {\n\tchain c {\n\t}\n}\n").counts() == (1, 0)


def test_spec():
    assert Listing("inet", "mine", MINE, '{"nftables": []}').spec == "inet mine"


def test_emptying_flushes_then_deletes_maps_sets_flowtables_chains_objects():
    assert emptying(Listing("inet", "mine", MINE)) == [
        "flush table inet mine",
        "delete map inet mine ports",
        "delete set inet mine admins",
        "delete chain inet mine ssh",
        "delete chain inet mine input",
        "delete counter inet mine seen",
        "delete quota inet mine q",
        "delete limit inet mine l",
        "delete ct helper inet mine ftp-std"]
    assert emptying(Listing("netdev", "edge", EDGE)) == [
        "flush table netdev edge", "delete flowtable netdev edge ft", "delete chain netdev edge ingress"]
    assert emptying(Listing("ip", "empty", "table ip empty {\n}\n")) == ["flush table ip empty"]


def test_replace_prefix():
    assert replace_prefix(["ip t", "inet u"]) == [
        "table ip t", "delete table ip t", 'table ip t { comment "managed by fwlint"; }',
        "table inet u", "delete table inet u", 'table inet u { comment "managed by fwlint"; }']
    assert replace_prefix(["ip6 t"], mark=False) == ["table ip6 t", "delete table ip6 t"]
    assert replace_prefix([]) == []
