"""The nftables translator: iptables rulesets (the AST) to nft's block syntax and to
libnftables JSON.

- :mod:`fwlint.nft.emitter`: rulesets to an nft table (chains, names, rules); the extensions'
  ``nft=`` callables translate each match and target (:mod:`fwlint.nft.context` is what they
  are given), :mod:`fwlint.nft.expr` what they build.
- :mod:`fwlint.nft.inet`: an IPv4 and an IPv6 ruleset merged into one inet table.
- :mod:`fwlint.nft.optimize`: adjacent rules of one shape merged into sets and verdict maps.
- :mod:`fwlint.nft.ipset`: ``ipset save`` files read into named nft sets.
- :mod:`fwlint.nft.render`: the block syntax and the JSON.
- :mod:`fwlint.nft.command`: ``fwlint translate``.
- :mod:`fwlint.nft.refusal`: the validity pass each rule goes through first (what iptables
  refuses is left out, FW601); :mod:`fwlint.nft.halves`: a big translation shared by two
  processes (:mod:`fwlint.nft.split`: a big save file's parse shared too;
  :mod:`fwlint.nft.ahead`: the validity pass of an inet translation in a second one).

What nftables cannot express is finding FW601 (untranslatable); what it expresses only
approximately, FW602 (approximate-translation).
"""

from __future__ import annotations

from typing import Callable, Sequence

from fwlint.ast import Ruleset
from fwlint.extensions import Registry
from fwlint.nft.emitter import NftTable, Options, Translation, translate_table

__all__ = ["Options", "Translation", "translate", "TranslateError"]


class TranslateError(ValueError):
    """The rulesets cannot be put together as asked (two IPv4 rulesets for one table ...)."""


def translate(rulesets: Sequence[Ruleset], options: Options | None = None, family: str | None = None,
              registry: Registry | None = None, on_rule: Callable[[int], None] | None = None) -> Translation:
    """Translate one or two rulesets.  ``family``: "inet" merges them into one inet table;
    otherwise each family gets its own table (``ip``, ``ip6``)."""
    from fwlint.parse import no_gc

    # A translation, like an AST, is many objects that all live on: the cyclic collector
    # would walk them again and again (it doubled the time of a 50,000-rule translation).
    with no_gc():
        return _translate(rulesets, options, family, registry, on_rule)


def _translate(rulesets: Sequence[Ruleset], options: Options | None, family: str | None,
               registry: Registry | None, on_rule: Callable[[int], None] | None) -> Translation:
    options = options or Options()
    by_family: dict[int, Ruleset] = {}
    for ruleset in rulesets:
        if ruleset.family in by_family:
            raise TranslateError(f"two IPv{ruleset.family} rulesets ({by_family[ruleset.family].path} and "
                                 f"{ruleset.path}): give one of each family")
        by_family[ruleset.family] = ruleset
    tables: list[NftTable] = []
    diagnostics = []
    read = untranslated = 0
    if family == "inet":
        from fwlint.nft.inet import translate_inet

        table, translator = translate_inet(by_family, options, registry, on_rule)
        tables.append(table)
        diagnostics.extend(translator.diagnostics)
        read, untranslated = translator.rules_read, translator.untranslated
    else:
        for fam in (4, 6):
            if fam in by_family:
                table, translator = translate_table(by_family[fam], options, registry, on_rule)
                tables.append(table)
                diagnostics.extend(translator.diagnostics)
                read += translator.rules_read
                untranslated += translator.untranslated
    unique = unique_diagnostics(diagnostics)
    untranslated = sum(1 for d in unique if d.code == "FW601")
    return Translation(tables, unique, read, untranslated)


def unique_diagnostics(diagnostics: Sequence) -> list:
    """The findings of a translation in order, each once."""
    seen = set()
    unique = []
    for d in sorted(diagnostics, key=lambda d: d.sort_key):
        key = (d.code, d.span, d.message)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique
