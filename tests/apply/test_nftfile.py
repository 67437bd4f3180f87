"""fwlint.apply.nftfile: what an nft file does at its top level, read without nft and without a kernel."""

from __future__ import annotations

import pytest

from fwlint.apply.nftfile import NftFileError, Token, blanked, read_nft, tokens


def summary(text: str) -> dict[str, tuple[int, list[str], int, bool]]:
    """Each table the file names: its first line, chains, rule count and whether anything is put in it."""
    return {use.spec: (use.line, sorted(use.chains), use.rules, use.filled)
            for use in read_nft(text).tables.values()}


def loaded(text: str) -> str:
    """The file as apply loads it: the lines it leaves out blanked (fwlint.apply.command._apply)."""
    return blanked(text, read_nft(text).left_out)


def own_lines(text: str) -> list[int]:
    """The lines of the `delete table` commands apply does itself."""
    return [place[0] for _, place in read_nft(text).own_deletes]


# --- tokens ------------------------------------------------------------------------------------------

def test_tokens_words_strings_braces_ends_with_their_line_and_column():
    assert tokens('add rule t c "a # b" {x;}\n') == [
        Token("add", 1, 1, "word"), Token("rule", 1, 5, "word"), Token("t", 1, 10, "word"),
        Token("c", 1, 12, "word"), Token('"a # b"', 1, 14, "string"), Token("{", 1, 22, "open"),
        Token("x", 1, 23, "word"), Token(";", 1, 24, "end"), Token("}", 1, 25, "close"),
        Token("\n", 1, 26, "end")]


def test_a_line_continuation_is_no_line_end_and_the_next_line_counts_its_columns_afresh():
    assert tokens("ip saddr \\\n   192.0.2.1 drop # why { not\n") == [
        Token("ip", 1, 1, "word"), Token("saddr", 1, 4, "word"), Token("192.0.2.1", 2, 4, "word"),
        Token("drop", 2, 14, "word"), Token("\n", 2, 30, "end")]


def test_a_backslash_inside_a_word_is_part_of_it():
    words = [t.text for t in tokens('meta iifname eth\\0 accept\n')]
    assert words == ["meta", "iifname", "eth\\0", "accept", "\n"]


# --- tables named by blocks and by commands ----------------------------------------------------------

def test_tables_named_by_blocks_with_their_chains_and_rules():
    text = ("table inet filter {\n"
            "\tchain input {\n"
            "\t\ttype filter hook input priority filter; policy drop;\n"
            "\t\tct state established,related accept\n"
            "\t\ttcp dport 22 accept\n"
            "\t}\n"
            "\tchain output {\n"
            "\t\ttype filter hook output priority filter; policy accept;\n"
            "\t}\n"
            "}\n"
            "table ip6 other {\n"
            "}\n")
    assert summary(text) == {"inet filter": (1, ["input", "output"], 2, True),
                             "ip6 other": (11, [], 0, False)}


def test_tables_named_by_commands_and_the_family_ip_when_none_is_given():
    text = ("add table inet f\n"
            "add chain inet f input { type filter hook input priority 0; policy accept; }\n"
            "add rule ip6 t c tcp dport 22 accept\n"
            "add rule t c accept\n"
            "insert rule inet f input drop\n"
            "add chain x c\n")
    assert summary(text) == {"inet f": (1, ["input"], 1, True), "ip6 t": (3, [], 1, True),
                             "ip t": (4, [], 1, True), "ip x": (6, ["c"], 0, True)}


def test_a_quoted_table_name_is_the_name_without_quotes():
    assert summary('table ip "edge" {\n\tchain c {\n\t}\n}\n') == {"ip edge": (1, ["c"], 0, True)}


def test_commands_that_list_reset_or_delete_put_nothing_in_a_table():
    text = ("list table ip seen\n"
            "delete rule ip seen c handle 4\n"
            "reset counters\n"
            "delete chain ip seen c\n")
    # list and reset are no part of a ruleset: noted, for apply to refuse them, and no table's
    assert summary(text) == {"ip seen": (2, [], 0, False)}
    assert read_nft(text).not_ruleset == [(1, 1, "list"), (3, 1, "reset")]


def test_sets_counters_and_ct_helpers_fill_a_table_but_are_no_chains():
    text = ('add set inet f allowed { type ipv4_addr; flags interval; }\n'
            'add element inet f allowed { 192.0.2.0/24 }\n'
            'add ct helper ip h ftp { type "ftp" protocol tcp; }\n'
            'add counter netdev n seen\n')
    assert summary(text) == {"inet f": (1, [], 0, True), "ip h": (3, [], 0, True),
                             "netdev n": (4, [], 0, True)}


def test_a_table_block_with_sets_maps_and_objects_counts_only_chains_and_their_rules():
    text = ("table inet mine {\n"
            "\tcounter seen {\n\t\tpackets 3 bytes 180\n\t}\n"
            "\tset admins {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
            "\t\telements = { 192.0.2.0/28, 198.51.100.7 }\n\t}\n"
            "\tmap ports {\n\t\ttype inet_service : verdict\n\t\telements = { 22 : jump ssh }\n\t}\n"
            "\tchain ssh {\n\t\tip saddr @admins accept comment \"admins only\"\n\t\tdrop\n\t}\n"
            "}\n")
    assert summary(text) == {"inet mine": (1, ["ssh"], 2, True)}


# --- rule counts -------------------------------------------------------------------------------------

def test_rule_counts_with_sets_semicolons_continuations_comments_and_multi_line_elements():
    text = ("table inet x {\n"
            "\tchain c {\n"
            "\t\ttype filter hook input priority 0; policy drop;\n"
            "\t\ttcp dport { 22, 80 } accept; udp dport 53 accept\n"  # 2 rules, an anonymous set
            "\t\tip saddr 192.0.2.1 \\\n"  # 1 rule on two lines
            "\t\t\tdrop\n"
            "\t\t# a comment { with a brace\n"
            "\t\tip daddr {\n"  # 1 rule, its set over four lines
            "\t\t\t192.0.2.1,\n"
            "\t\t\t192.0.2.2\n"
            "\t\t} accept # and } here\n"
            "\t}\n"
            "}\n")
    assert summary(text) == {"inet x": (1, ["c"], 4, True)}


def test_chain_properties_are_no_rules():
    text = ("table netdev n {\n"
            "\tchain ingress {\n"
            "\t\ttype filter hook ingress devices = { \"lo\" } priority 0;\n"
            "\t\tdevices = { lo }\n"
            "\t\tpolicy accept\n"
            "\t\tcomment \"the ingress\"\n"
            "\t\tflags offload\n"
            "\t\tdrop\n"
            "\t}\n"
            "}\n")
    assert summary(text) == {"netdev n": (1, ["ingress"], 1, True)}


def test_a_chain_added_by_command_with_a_block_counts_its_rules():
    text = ("add chain inet f c { type filter hook input priority 0; policy accept; "
            "tcp dport 22 accept; drop; }\n")
    assert summary(text) == {"inet f": (1, ["c"], 2, True)}


def test_a_top_level_define_is_no_table():
    text = "define ports = { 22, 80 }\ntable ip t {\n\tchain c {\n\t\ttcp dport $ports accept\n\t}\n}\n"
    assert summary(text) == {"ip t": (2, ["c"], 1, True)}


def test_a_define_inside_a_chain_is_no_rule():
    text = "table ip t {\n\tchain c {\n\t\tdefine x = 22\n\t\ttcp dport $x accept\n\t}\n}\n"
    assert summary(text) == {"ip t": (1, ["c"], 1, True)}


# --- flush ruleset, include, own deletes, table comments ----------------------------------------------

def test_flush_ruleset_lines_are_left_out():
    text = "#!/usr/sbin/nft -f\nflush ruleset\ntable ip t {\n}\nflush ruleset ip\n"
    nft = read_nft(text)
    assert nft.flush_ruleset == [2, 5]
    assert nft.left_out == [(2, 1, 14), (5, 1, 17)]
    assert loaded(text) == "#!/usr/sbin/nft -f\n             \ntable ip t {\n}\n                \n"


def test_leaving_out_flush_ruleset_keeps_a_table_on_the_same_line():
    text = "flush ruleset; table ip t { chain c { type filter hook input priority 0; }; }\n"
    kept = read_nft(loaded(text))
    assert kept.flush_ruleset == []
    assert {use.spec: (sorted(use.chains), use.rules) for use in kept.tables.values()} == {"ip t": (["c"], 0)}


def test_include_positions():
    text = '# first\ninclude "/etc/nftables.d/a.nft"\n  include "b.nft"\ntable ip t {\n}\n'
    assert read_nft(text).includes == [(2, 1), (3, 3)]


def test_include_inside_a_block_is_seen():
    text = ('table ip t {\n\tchain c {\n\t\ttype filter hook input priority 0;\n'
            '\t\tinclude "/tmp/rules.nft"\n\t}\n}\n')
    assert read_nft(text).includes == [(4, 3)]


def test_own_delete_table_before_the_table_is_filled():
    # what fwlint translate writes: table, delete table, the table again
    text = "table ip fwlint\ndelete table ip fwlint\ntable ip fwlint {\n\tchain c {\n\t\taccept\n\t}\n}\n"
    nft = read_nft(text)
    assert nft.own_deletes == [(("ip", "fwlint"), (2, 1, 23))]
    assert nft.left_out == [(2, 1, 23)]
    assert summary(text) == {"ip fwlint": (1, ["c"], 1, True)}


def test_a_delete_table_with_no_table_before_it_is_the_files_own():
    nft = read_nft("delete table inet f\ntable inet f {\n\tchain c {\n\t}\n}\n")
    assert nft.own_deletes == [(("inet", "f"), (1, 1, 20))]
    assert nft.left_out == [(1, 1, 20)]


def test_a_delete_table_after_the_table_is_filled_is_kept():
    text = "table ip t {\n\tchain c {\n\t}\n}\ndelete table ip t\ntable ip t {\n\tchain d {\n\t}\n}\n"
    nft = read_nft(text)
    assert nft.own_deletes == []
    assert nft.left_out == []


def test_a_delete_table_sharing_its_line_is_left_out_alone():
    # the table is not made again after it: the file's own delete, kept
    nft = read_nft("table ip t\ndelete table ip t; add table ip u\n")
    assert nft.own_deletes == []
    assert nft.left_out == []
    # made again after it: apply's, and only the command is blanked, with its `;`
    text = "table ip t\ndelete table ip t; add table ip u\ntable ip t { chain c { accept; }; }\n"
    assert read_nft(text).left_out == [(2, 1, 19)]
    assert loaded(text).split("\n")[1] == " " * 18 + " add table ip u"
    assert summary("table ip t\ndelete table ip t; add table ip u\n") == {"ip t": (1, [], 0, False),
                                                                          "ip u": (2, [], 0, False)}


def test_a_delete_table_of_another_family_is_not_the_filled_tables():
    nft = read_nft("table ip6 t {\n\tchain c {\n\t}\n}\n"
                   "delete table ip6 t\ndelete table ip t\ntable ip t {\n}\n")
    assert [place[0] for _, place in nft.own_deletes] == [6]


def test_a_delete_table_the_file_never_fills_again_is_kept():
    nft = read_nft("table ip6 keep {\n\tchain c {\n\t}\n}\ndelete table ip old\n")
    assert nft.own_deletes == []
    assert nft.left_out == []


def test_table_comments_in_blocks_and_commands():
    text = 'table ip t {\n\tcomment "mine"\n\tflags dormant\n}\nadd table inet u { comment "theirs"; }\n'
    nft = read_nft(text)
    assert nft.table_comments == [(2, "ip t"), (5, "inet u")]
    # a comment or flags alone fill nothing
    assert summary(text) == {"ip t": (1, [], 0, False), "inet u": (5, [], 0, False)}


def test_a_chains_comment_is_no_table_comment():
    nft = read_nft('table ip t {\n\tchain c {\n\t\tcomment "a chain"\n\t}\n}\n')
    assert nft.table_comments == []


# --- errors --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message, line, column", [
    ("table ip t {\n\tchain c {\n\t}\n", "a `{` that is never closed", 1, 12),
    ("table ip t {\n\tchain c {\n\t\ttcp dport { 22, 80 accept\n\t}\n}\n",
     "a `{` that is never closed", 1, 12),
    ("table ip t {\n}\n}\n", "a `}` that closes no block", 3, 1),
    ("table ip t {\n\tchain c {\n\t}\n}\n  }\n", "a `}` that closes no block", 5, 3),
    ('table ip t {\n\tcomment "abc }\n}\n', "a string that is not closed on its line", 2, 10),
    ('add rule t c meta comment "one\ntwo"\n', "a string that is not closed on its line", 1, 27),
])
def test_errors_with_line_and_column(text, message, line, column):
    with pytest.raises(NftFileError) as caught:
        read_nft(text)
    assert (str(caught.value), caught.value.line, caught.value.column) == (message, line, column)


def test_braces_in_comments_and_strings_are_no_blocks():
    text = 'table ip t { # } {\n\tchain c {\n\t\taccept comment "} {"\n\t}\n}\n'
    assert summary(text) == {"ip t": (1, ["c"], 1, True)}
