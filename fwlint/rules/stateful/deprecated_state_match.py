from __future__ import annotations

import re
from typing import Iterable

from fwlint.ast import Match, Rule as AstRule, Span
from fwlint.lint import Context, Diagnostic, Edit, Fix, Rule, Severity
from fwlint.lint.fix import line_starts

# the module word after -m / --match, as iptables-save and people write it
_MODULE_WORD = re.compile(r"(?:-m\s*|--match(?:\s+|=))(state)(?=\s|$)")
_BANG = re.compile(r"!\s+")


class DeprecatedStateMatch(Rule):
    """## What it does
    Finds `-m state --state X`, the older connection state match, and offers
    `-m conntrack --ctstate X` instead.

    ## Why is this bad
    The state match is a subset of conntrack kept for old rulesets (the
    iptables manual calls it that); iptables-nft and `iptables-translate`
    turn both into the same nftables `ct state` expression. Mixing the
    two in one ruleset makes rules that do the same thing look different (a
    duplicate or a shadowed rule is harder to see), and only conntrack can add
    `--ctstatus`, `--ctdir` or the original/reply tuples later. Both match
    exactly the same packets for the five states `--state` knows (INVALID,
    NEW, ESTABLISHED, RELATED, UNTRACKED), inverted or not.

    ## Example
    ```
    -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    ```
    The fix is safe: it rewrites the two words `state` and `--state` and
    nothing else of the line (counters, comments and spacing stay). It is
    offered when those words stand unquoted as iptables-save writes them.

    ## In nftables
    Both become `ct state established,related`.
    """

    code = "FW303"
    name = "deprecated-state-match"
    severity = Severity.INFO
    fixable = "safe"
    needs_matches = frozenset({"state"})

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        for match in rule.matches:
            if match.name != "state" or not match.known:
                continue
            opt = match.option("state")
            if opt is None:
                continue
            bang = "! " if opt.negated else ""
            value = opt.value or ""
            fix = self._fix(match, ctx)
            yield self.diagnostic(
                match.span, f"-m state {bang}--state {value}: the state match is superseded by "
                            f"-m conntrack {bang}--ctstate {value}, which matches the same packets",
                fix=fix)

    def _fix(self, match: Match, ctx: Context) -> Fix | None:
        text = ctx.ruleset.source
        starts = ctx.memo(("line-starts", id(text)), lambda: line_starts(text))
        edits = []
        span = match.span
        if span.line > len(starts) or span.end_line != span.line:
            return None
        line_end = starts[span.line] - 1 if span.line < len(starts) else len(text)
        line = text[starts[span.line - 1]:line_end]
        found = _MODULE_WORD.match(line, span.column - 1)
        if found is None:
            return None
        start, end = found.span(1)
        edits.append(Edit("conntrack", Span(span.file, span.line, start + 1, span.line, end + 1)))
        for opt in match.options:
            if opt.name != "state":
                continue
            if opt.span.line != span.line:
                return None
            at = opt.span.column - 1
            if opt.negated:
                bang = _BANG.match(line, at)
                if bang is None:
                    return None
                at = bang.end()
            if not opt.written.startswith("--") or not line.startswith(opt.written, at):
                return None
            after = at + len(opt.written)
            if after < len(line) and not (line[after].isspace() or line[after] == "="):
                return None
            edits.append(Edit("--ctstate", Span(span.file, span.line, at + 1, span.line, after + 1)))
        if len(edits) < 2:
            return None
        return Fix("safe", "Use -m conntrack --ctstate", tuple(edits))
