"""Which match or target an option word goes to: iptables' getopt over its merged option table.

Each case was checked with iptables-legacy-restore 1.8.9 (what it accepted and what
iptables-save printed back, or the error it gave).
"""

from fwlint.parse import parse_text


def rule_of(line: str):
    (rs,) = parse_text(f"*filter\n{line}\nCOMMIT\n", "rules.v4")
    (rule,) = list(rs.rules())
    return rule


def layout(rule) -> list[tuple[str, list[tuple[str, tuple[str, ...]]]]]:
    return [(m.name, [(o.name, o.values) for o in m.options]) for m in rule.matches]


def test_the_latest_instance_of_a_match_takes_its_options():
    rule = rule_of("-A INPUT -p tcp -m tcp --dport 22 -m tcp --dport 23 -j ACCEPT")
    assert layout(rule) == [("builtin", [("protocol", ("tcp",))]),
                            ("tcp", [("destination-port", ("22",))]),
                            ("tcp", [("destination-port", ("23",))])]


def test_an_earlier_match_keeps_taking_options_after_another_match():
    rule = rule_of("-A INPUT -p tcp -m tcp --dport 22 -m comment --comment x --sport 1 -j ACCEPT")
    assert layout(rule)[1] == ("tcp", [("destination-port", ("22",)), ("source-port", ("1",))])


def test_the_extension_merged_last_wins_a_shared_name():
    # iptables: "mark: option --mark must be specified": --mark went to connmark
    rule = rule_of("-A INPUT -m mark -m connmark --mark 1 -j ACCEPT")
    assert layout(rule) == [("mark", []), ("connmark", [("mark", ("1",))])]
    rule = rule_of("-A INPUT -m connmark -m mark --mark 1 -j ACCEPT")
    assert layout(rule) == [("connmark", []), ("mark", [("mark", ("1",))])]


def test_implied_match_then_explicit_one():
    rule = rule_of("-A INPUT -p tcp --sport 1 -m tcp --dport 2 --sport 3 -j ACCEPT")
    assert layout(rule)[1:] == [("tcp", [("source-port", ("1",))]),
                                ("tcp", [("destination-port", ("2",)), ("source-port", ("3",))])]
    assert rule.matches[1].implicit and not rule.matches[2].implicit


def test_a_prefix_shared_by_two_options_is_unknown():
    # `--d` abbreviates iptables' own --destination/--delete ... and tcp's --dport
    rule = rule_of("-A INPUT -p tcp --d 22 -j ACCEPT")
    assert [(o.name, o.values) for o in rule.unclaimed] == [("d", ("22",))]
    assert layout(rule) == [("builtin", [("protocol", ("tcp",))])]
    # the same name in two loaded matches: ambiguous too
    rule = rule_of("-A INPUT -m mark --mark 1 -m connmark --ma 1 -j ACCEPT")
    assert [o.name for o in rule.unclaimed] == ["ma"]


def test_a_unique_prefix_is_taken():
    rule = rule_of("-A INPUT -p tcp --dp 22 -j ACCEPT")
    assert layout(rule)[1] == ("tcp", [("destination-port", ("22",))])
    rule = rule_of("-A INPUT -p tcp -m tcp --dp 22 -m tcp --dp 23 -j ACCEPT")
    assert [m.options[0].values for m in rule.matches[1:]] == [("22",), ("23",)]
    rule = rule_of("-A INPUT --pro tcp -j ACCEPT")
    assert layout(rule) == [("builtin", [("protocol", ("tcp",))])]


def test_target_options_only_after_the_target():
    rule = rule_of("-A INPUT --log-prefix x -j LOG")
    assert [o.name for o in rule.unclaimed] == ["log-prefix"]
    rule = rule_of("-A INPUT -j LOG --log-prefix x")
    assert [(o.name, o.values) for o in rule.target.options] == [("log-prefix", ("x",))]


def test_a_missing_value_is_kept_for_fw108():
    (rs,) = parse_text("*filter\n-A INPUT -p tcp --dport\nCOMMIT\n", "rules.v4")
    (rule,) = list(rs.rules())
    assert layout(rule)[1] == ("tcp", [("destination-port", ())])
    assert rs.problems == ()
