from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.script._source import notes_of


class UnresolvedVariable(Rule):
    """## What it does
    Reports a variable a firewall script uses in an iptables command but never
    gives a literal value: one set by a sourced file fwlint does not read, a
    function or script argument (`$1`), the output of a command (`$(hostname)`),
    `read`, an array, or nothing at all.

    ## Why is this bad
    fwlint cannot know the value, and does not guess. The placeholder (`$WAN`)
    stays in the rule, the rule is marked as depending on it, and the analysis
    treats its value as unknown: findings about that rule are weaker, and
    `fwlint convert` writes the placeholder, which must be replaced before the
    output is loaded. A variable that is never set anywhere is also a common
    bug: `-i $WAN` with an empty `$WAN` is a rule for every interface.

    ## Example
    ```
    iptables -A INPUT -i $WAN -p tcp --dport 22 -j ACCEPT
    ```

    ## Use instead
    ```
    WAN=eth0
    iptables -A INPUT -i "$WAN" -p tcp --dport 22 -j ACCEPT
    ```

    ## In nftables
    `define WAN = eth0` at the top of the file, used as `$WAN`: nft refuses a
    file that uses an undefined one.
    """

    code = "FW504"
    name = "unresolved-variable"
    severity = Severity.INFO

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for note in notes_of(ruleset, "unresolved-variable"):
            yield self.diagnostic(note.span, note.message, related=note.related)
