"""The report writers' fast paths give exactly what the plain definitions give.

fwlint.report.indented_json must write what ``json.dumps(indent=2, ensure_ascii=False)`` writes;
the full format's ``visible``, ``pad_under`` and ``mark_width`` must agree, character for
character, with their per-character definitions on every kind of text.
"""

from __future__ import annotations

import enum
import io
import json
import random
import unicodedata

import pytest

from fwlint.ast import Span
from fwlint.lint.diagnostic import Diagnostic, Edit, Fix, Severity
from fwlint.report import FORMATS, Report, full
from fwlint.report.indented_json import dump, dumps


class Colour(enum.IntEnum):
    RED = 3


class Kind(str, enum.Enum):
    RULE = "rule"


VALUES = [
    [],
    {},
    "",
    0,
    -7,
    None,
    True,
    False,
    1.5,
    float("inf"),
    "tab\tnewline\ncr\rquote\"backslash\\ nul\x00 del\x7f c1\x85 é ☃ \U0001F600 \ud800",
    [[], {}, [[]], [{}], {"a": []}, {"a": {}}],
    {"a": 1, "b": [1, 2, {"c": None}], "d": {"e": {"f": "g"}}, "": ""},
    ({"t": (1, 2)}, [True, False, None]),
    {7: "int key", 2.5: "float key", True: "bool key", None: "null key"},
    [Colour.RED, Kind.RULE, {"enum": Colour.RED}],
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
@pytest.mark.parametrize("indent", [2, 4])
def test_dumps_is_json_dumps(value: object, indent: int) -> None:
    assert dumps(value, indent) == json.dumps(value, indent=indent, ensure_ascii=False)


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_dump_is_json_dump(value: object) -> None:
    out = io.StringIO()
    dump(value, out)
    assert out.getvalue() == json.dumps(value, indent=2, ensure_ascii=False)


def test_dump_writes_a_long_list_in_pieces_and_the_same_text() -> None:
    value = {"results": [{"n": n, "text": f"finding {n}", "edits": [{"row": n}]} for n in range(10_000)]}
    writes: list[str] = []

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    out = Recorder()
    dump(value, out)
    assert out.getvalue() == json.dumps(value, indent=2, ensure_ascii=False)
    assert len(writes) > 2  # flushed along the way, not held whole


def test_dumps_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        json.dumps({(1, 2): 0})
    with pytest.raises(TypeError):
        dumps({(1, 2): 0})
    with pytest.raises(TypeError):
        dumps([object()])


def test_dumps_at_a_level_is_the_inner_text_of_a_larger_value() -> None:
    item = {"a": [1, {"b": "c"}], "d": {}}
    whole = json.dumps([item], indent=2, ensure_ascii=False)
    assert whole == "[\n  " + dumps(item, level=1) + "\n]"


def _diagnostic(n: int, message: str) -> Diagnostic:
    span = Span("/tmp/x.v4", n, 3, n, 9)
    fix = Fix("safe", f"fix {n}", (Edit("new", span), Edit("", Span("/tmp/x.v4", n + 1, 1, n + 2, 1))))
    return Diagnostic("FW113", "cidr-host-bits", message, Severity.WARNING, span, fix, (span,))


@pytest.mark.parametrize("findings", [0, 1, 3])
def test_json_format_is_json_dumps_of_the_findings(findings: int) -> None:
    diagnostics = [_diagnostic(n, f"message {n} \"quoted\" é\x01") for n in range(1, findings + 1)]
    out = io.StringIO()
    FORMATS["json"](Report(diagnostics), out)
    assert out.getvalue() == json.dumps([d.to_json() for d in diagnostics], indent=2,
                                        ensure_ascii=False) + "\n"


def _visible_by_character(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\t" or 0x20 <= code < 0x7F or code > 0x9F:
            out.append(ch)
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        else:
            out.append("\ufffd")
    return "".join(out)


def _width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _texts() -> list[str]:
    rng = random.Random(20)
    alphabet = [chr(c) for c in range(0x250)] + ["\u3042", "\u0301", "\uff21", "\U0001F600", "\u2028"]
    texts = ["", "\t", "-A INPUT -p tcp --dport 22 -j ACCEPT", "a\tb\x1b[31mc\r", "\x80\x9f\xa0"]
    for _ in range(3000):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(12))))
        texts.append("".join(chr(rng.randrange(128)) for _ in range(rng.randrange(12))))
    return texts


def test_visible_pad_under_and_mark_width_agree_with_their_definitions() -> None:
    for text in _texts():
        assert full.visible(text) == _visible_by_character(text), repr(text)
        assert full.pad_under(text) == "".join("\t" if ch == "\t" else " " * _width(ch) for ch in text), \
            repr(text)
        assert full.mark_width(text) == sum(8 if ch == "\t" else _width(ch) for ch in text), repr(text)


def test_visible_shows_control_characters_as_pictures() -> None:
    assert full.visible("a\x00b\x1bc\x7fd\x85e\tf") == "a\u2400b\u241bc\u2421d\ufffde\tf"


@pytest.mark.parametrize("items", [[], [1], [{"a": [1, 2]}, "x", [], {}]])
def test_a_stream_is_written_as_the_list_of_its_items(items: list) -> None:
    from fwlint.report.indented_json import Stream

    value = {"before": 1, "results": Stream(iter(items)), "after": [Stream(x for x in items)]}
    expected = json.dumps({"before": 1, "results": items, "after": [items]}, indent=2, ensure_ascii=False)
    assert dumps(value) == expected
    value = {"before": 1, "results": Stream(iter(items)), "after": [Stream(x for x in items)]}
    out = io.StringIO()
    dump(value, out)
    assert out.getvalue() == expected


def test_sarif_streams_the_same_log_it_builds() -> None:
    from fwlint.report import sarif

    diagnostics = [_diagnostic(n, f"message {n}") for n in range(1, 4)]
    report = Report(diagnostics, files=["/tmp/x.v4"])
    out = io.StringIO()
    FORMATS["sarif"](report, out)
    log = sarif.sarif_log(report)
    assert isinstance(log["runs"][0]["results"], list)
    assert out.getvalue() == json.dumps(log, indent=2, ensure_ascii=False) + "\n"
