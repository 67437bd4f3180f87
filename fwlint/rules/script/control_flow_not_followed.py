from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.script._source import notes_of


class ControlFlowNotFollowed(Rule):
    """## What it does
    Notes each function, `if`, `case` or `while` of a firewall script (and each
    `for` loop over words it cannot expand) that holds iptables commands:
    fwlint reads them once, in textual order, without following calls or
    evaluating conditions.

    ## Why is this bad
    It is not a mistake in the script; it says how far to trust the other
    findings. The tables fwlint checks (and `fwlint convert` writes) are the
    ones the script builds when each of its commands runs once, top to bottom:
    both branches of an `if`, a `stop` function that flushes what `start`
    built, a loop body once. When the script really runs one branch, findings
    about the others do not apply. A rule such a `stop` function takes away
    again is still checked for what iptables would refuse (FW1xx, FW5xx),
    in the table as it stood, since its command ran.

    ## Example
    ```
    start() {
        iptables -P INPUT DROP
        iptables -A INPUT -p tcp --dport 22 -j ACCEPT
    }
    case "$1" in start) start ;; esac
    ```

    ## Use instead
    A script of plain commands (or an iptables-save file and
    `iptables-restore`), which fwlint reads exactly:
    ```
    iptables -P INPUT DROP
    iptables -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## In nftables
    An nft file is declarative: there is no control flow to follow.
    """

    code = "FW505"
    name = "control-flow-not-followed"
    severity = Severity.INFO

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for note in notes_of(ruleset, "control-flow"):
            yield self.diagnostic(note.span, note.message)
