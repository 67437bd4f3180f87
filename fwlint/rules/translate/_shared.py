"""The translation of a ruleset, done once per ruleset for FW601 and FW602."""

from __future__ import annotations

from fwlint.ast import Ruleset
from fwlint.lint import Context


def translation(ruleset: Ruleset, ctx: Context):
    """The translator after translating ``ruleset`` to an ``ip``/``ip6`` table in block syntax
    (what ``fwlint translate`` writes by default).  What iptables refuses is left to the
    validity rules (``validity=False``: such rules still give FW601, marked refused)."""
    def compute():
        from fwlint.nft.emitter import Options, translate_table

        _, translator = translate_table(ruleset, Options(validity=False), ctx.registry)
        return translator
    return ctx.memo(("nft-translation", id(ruleset)), compute)
