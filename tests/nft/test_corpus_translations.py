"""corpus/NAME.nft is the exact translation of corpus/NAME (``fwlint translate --allow-partial``,
run at the top of the checkout); tests/kernel/test_translate_nft_check.py loads each into nft.

After a deliberate change of the translation, rewrite them (and read the diff) with::

    for f in corpus/*.v4 corpus/*.v6 corpus/*.rules corpus/*.sh; do
        fwlint translate -q --allow-partial $f -o $f.nft
    done
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from fwlint.nft.command import translate_command

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SOURCES = sorted(p for p in CORPUS.iterdir()
                 if p.suffix not in (".expected", ".nft") and p.name != "README.md")


def test_every_corpus_ruleset_has_its_translation():
    assert [p.name for p in SOURCES if not p.with_name(p.name + ".nft").is_file()] == []
    assert sorted(p.name for p in CORPUS.glob("*.nft")) == sorted(p.name + ".nft" for p in SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_translation_is_exactly_the_recorded_one(source, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    translate_command([f"corpus/{source.name}"], allow_partial=True, quiet=True, stdout=out,
                      stderr=io.StringIO())
    assert out.getvalue() == source.with_name(source.name + ".nft").read_text()
