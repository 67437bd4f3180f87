from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity


class SyntaxErrorRule(Rule):
    """## What it does
    Reports anything the iptables-save grammar rejects, at its line and
    column, with what was expected there: a misspelt `*table` or policy, a
    rule outside a table, a missing `COMMIT`, blanks before `*`, `:`, `#` or
    `COMMIT` (or after `COMMIT`, or a line of blanks only), an option a
    command does not take (`-A INPUT -n`, `-D INPUT 1 -s ...`, `-w` in a
    restore file), a line that is not iptables at all (template syntax,
    shell commands). A file that is not text at all (NUL bytes: a program,
    a compressed file, UTF-16) is one finding at 1:1, not one per line.

    ## Why is this bad
    `iptables-restore` stops at the first such line and applies nothing from
    the file. fwlint reports it and goes on checking the rest.

    Two things iptables-restore takes are warnings: a double quote that no
    quote closes (iptables-restore takes the rest of the line into the
    word, newline included, so `--comment "open -j ACCEPT` is a rule
    without a target), and `-h` or `-V` on a rule line (iptables prints its
    help and exits with success before committing anything).

    ## Example
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -m comment --comment "unterminated -j ACCEPT
      COMMIT
    ```

    ## Use instead
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -m comment --comment "terminated" -j ACCEPT
    COMMIT
    ```

    ## In nftables
    `nft -c -f` reports syntax errors the same way, with the position.
    """

    code = "FW109"
    name = "syntax-error"
    severity = Severity.ERROR

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for problem in ruleset.problems:
            yield self.diagnostic(problem.span, problem.message,
                                  severity=Severity.WARNING if problem.warning else None)
