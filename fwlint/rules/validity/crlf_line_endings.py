from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset, Span
from fwlint.lint import Context, Diagnostic, Edit, Fix, Rule, Severity


class CrlfLineEndings(Rule):
    """## What it does
    Finds lines that end in CR LF (Windows line ends), as files edited on
    Windows or pasted through some web forms have.

    ## Why is this bad
    iptables-restore treats the carriage return as part of the last word of
    the line: `COMMIT\\r` is not COMMIT and `ACCEPT\\r` is no target, so the
    restore fails. fwlint reads such files anyway and reports this once.

    ## Example
    A file whose lines end in `\\r\\n`.

    ## Use instead
    Plain `\\n` line ends (`dos2unix rules.v4`). The fix removes every
    carriage return before a line end and is safe.

    ## In nftables
    nft also expects Unix line ends.
    """

    code = "FW115"
    name = "crlf-line-endings"
    severity = Severity.ERROR
    fixable = "safe"

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        if not ruleset.crlf_lines:
            return
        lines = ruleset.source.split("\n")
        edits = []
        for n in ruleset.crlf_lines:
            col = len(lines[n - 1])  # the \r is the last character of the line
            edits.append(Edit("", Span(ruleset.path, n, col, n, col + 1)))
        first = edits[0].span
        count = len(edits)
        yield self.diagnostic(first, f"CRLF line ends on {count} line(s): iptables-restore reads "
                                     "the carriage return as part of the last word",
                              fix=Fix("safe", "Convert CRLF line ends to LF", tuple(edits)))
