"""The project's own corpus: each file gives exactly the findings its .expected lists."""

from pathlib import Path

import pytest

from fwlint.check import check_source, find_files
from fwlint.lint.engine import catalogue
from fwlint.parse import read_source

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = sorted(p for p in CORPUS.iterdir()
               if p.suffix not in (".expected", ".nft") and p.name != "README.md")
"""The rulesets; NAME.expected holds the findings of NAME, NAME.nft its translation
(tests/nft/test_corpus_translations.py)."""


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file(path):
    expected = [line.strip() for line in (path.with_name(path.name + ".expected")).read_text().splitlines()
                if line.strip()]
    found = check_source(read_source(str(path)), str(path), catalogue().select())
    assert [f"{d.span.line}:{d.span.column} {d.code}" for d in found] == expected


def test_directory_search_finds_every_corpus_ruleset():
    assert sorted(find_files([str(CORPUS)])) == sorted(str(p) for p in FILES)
