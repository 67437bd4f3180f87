from __future__ import annotations

import re
from typing import Iterable

from fwlint.ast import Option, Rule as AstRule, Span
from fwlint.lint import Context, Diagnostic, Edit, Fix, Rule, Severity
from fwlint.rules.script._source import offset, position, text_of

# The "!" word as written: bare, quoted, or escaped (in a script).
_BANG = re.compile(r"""(?:!|'!'|"!"|\\!)(?=\s)""")


class ObsoleteNegation(Rule):
    """## What it does
    Finds a `!` written after the option it inverts, `-s ! 192.0.2.1` or
    `--dport ! 22`, in a script or a save file.

    ## Why is this bad
    Old iptables (1.3 and before) took the `!` there; 1.4 accepted it with a
    warning, and current iptables refuses it ("Bad argument `192.0.2.1'",
    "invalid port/service `!' specified"). A script written that way fails on
    every line that uses it, and a restore file fails as a whole.

    The parser's syntax error for the same `!` (FW109) is not reported as
    well: this finding says the line is refused, and how to mend it. With
    FW503 not selected (`--select FW1`, `--ignore FW503`), FW109 reports it.

    ## Example
    ```
    iptables -A INPUT -s ! 192.0.2.0/24 -j DROP
    ```

    ## Use instead
    ```
    iptables -A INPUT ! -s 192.0.2.0/24 -j DROP
    ```
    The fix moves the `!` in front of the option and is safe: it is the only
    form current iptables reads, with the same meaning.

    ## In nftables
    Negation is `!=` between the field and the value: `ip saddr != 192.0.2.0/24`.
    """

    code = "FW503"
    name = "obsolete-negation"
    severity = Severity.ERROR
    fixable = "safe"

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        groups = [m.options for m in rule.matches]
        if rule.target is not None:
            groups.append(rule.target.options)
        for options in groups:
            for opt in options:
                if opt.negated and opt.value_spans:
                    found = self._intrapositioned(opt, ctx)
                    if found is not None:
                        yield found

    def _intrapositioned(self, opt: Option, ctx: Context) -> Diagnostic | None:
        text = text_of(ctx.ruleset, opt.span.file)
        if text is None:
            return None
        start = offset(text, opt.span.line, opt.span.column)
        value = opt.value_spans[0]
        end = offset(text, value.line, value.column)
        if start is None or end is None or end <= start:
            return None
        region = text[start:end]
        if _BANG.match(region):
            return None  # `! --opt value`: the current form
        word = re.match(r"\S+", region)
        if word is None:
            return None
        bang = _BANG.search(region, word.end())
        if bang is None or region[word.end():bang.start()].strip(" \t\\\n"):
            return None
        shown = f"{opt.written} ! {opt.value}"
        message = (f"{shown}: a `!` after the option is refused by current iptables; write "
                   f"! {opt.written} {opt.value}")
        fix = None
        if "\n" not in region[:bang.end()]:
            s = opt.span
            fix = Fix("safe", f"Write ! {opt.written} {opt.value}",
                      (Edit(f"{bang.group()} {word.group()}",
                            Span(s.file, s.line, s.column, s.line, s.column + bang.end())),))
        # The parser reports the same `!` as a syntax error (FW109: iptables refuses the line);
        # this finding says so too, with the fix: it stands for both.
        bang_line, bang_column = position(text, start + bang.start())
        _, bang_end = position(text, start + bang.end())
        bang_span = Span(opt.span.file, bang_line, bang_column, bang_line, bang_end)
        return self.diagnostic(opt.span, message, fix=fix, restates=(("FW109", bang_span),))
