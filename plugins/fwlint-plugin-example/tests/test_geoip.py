"""The geoip extension the plugin adds: parsing with its options known, and its values."""

import pytest

from fwlint.extensions import default_registry
from fwlint.extensions.values import BadValue
from fwlint.parse import parse_text
from fwlint.testing import run_rule
from fwlint_plugin_example.geoip import COUNTRY_LIST, EXTENSION


def only_rule(line: str):
    [ruleset] = parse_text(f"*filter\n:INPUT DROP [0:0]\n{line}\nCOMMIT\n", "rules.v4")
    [rule] = list(ruleset.rules())
    return rule


def test_registered_through_the_extension_hook():
    assert default_registry().match("geoip") is EXTENSION


def test_options_are_known_under_their_long_names():
    rule = only_rule("-A INPUT -m geoip ! --src-cc nl,be -j DROP")
    geoip = rule.match("geoip")
    assert geoip is not None and geoip.known
    [opt] = geoip.options
    assert (opt.name, opt.written, opt.values, opt.negated, opt.known) == \
        ("source-country", "--src-cc", ("nl,be",), True, True)
    assert (opt.span.line, opt.span.column) == (3, 19)  # the span starts at the !
    assert rule.unclaimed == ()
    rule = only_rule("-A FORWARD -m geoip --destination-country US -j ACCEPT")
    assert rule.match("geoip").options[0].name == "destination-country"


def test_country_codes_are_folded_and_counted_once():
    assert COUNTRY_LIST.parse("nl,BE,Nl") == frozenset({"NL", "BE"})
    assert COUNTRY_LIST.parse("A1") == frozenset({"A1"})


@pytest.mark.parametrize(("text", "message"), [
    ("NLD", "'NLD' is not a two-character country code (such as NL or US)"),
    ("NL,", "'' is not a two-character country code (such as NL or US)"),
    ("N-", "'N-' is not a two-character country code (such as NL or US)"),
    (",".join(["NL"] * 16), "16 countries given; geoip takes at most 15"),
])
def test_bad_values_say_what_is_wrong(text, message):
    with pytest.raises(BadValue) as caught:
        COUNTRY_LIST.parse(text)
    assert str(caught.value) == message


def test_fifteen_countries_are_allowed():
    codes = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE"]
    assert COUNTRY_LIST.parse(",".join(codes)) == frozenset(codes)


def test_fwlint_own_validity_rules_read_the_declaration():
    text = ("*filter\n"
            ":INPUT DROP [0:0]\n"
            "-A INPUT -m geoip --src-cc NL --dst-cc BE -j DROP\n"
            "-A INPUT -m geoip --src-cc NLD -j DROP\n"
            "-A INPUT -m geoip -j DROP\n"
            "COMMIT\n")
    found = [(d.code, d.span.line, d.span.column, d.message)
             for code in ("FW108", "FW112", "FW116") for d in run_rule(code, text)]
    # invalid-value (the value type), repeated-option (exclusive), missing-option (required)
    assert [f[:3] for f in found] == [("FW108", 4, 28), ("FW112", 3, 31), ("FW116", 5, 10)]
    assert "'NLD' is not a two-character country code (such as NL or US)" in found[0][3]
