from __future__ import annotations

from collections.abc import Iterable

from fwlint.analysis import findings_for
from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity


class ShadowedRule(Rule):
    """## What it does
    Finds a rule that can never match because earlier rules take every packet
    it matches, and at least some of those packets get another outcome there
    (dropped where the rule would accept them, or the other way round). It is
    proven on an exact model of the packet space (addresses, ports, protocol,
    interfaces, connection state, TCP flags, marks ...), so it also finds a
    rule that several earlier rules hide together, and rules in a user chain
    that no packet its callers send can match.

    The message names a smallest set of earlier rules that take all its
    packets (no rule in it could be left out), always including one with a
    different outcome, and any other earlier rule that alone would take them
    all too; the JSON output lists them as `related` locations. A match the
    model does not understand (`-m limit`, `-m set`, `-m u32` ...) is taken
    as "may match anything" for the rule and "matches nothing for sure" for
    the rules before it, so it can only hide a finding, never make one up;
    when one was involved the message says `[approximated: ...]`.

    ## Why is this bad
    The rule does nothing, and not what its author meant: the packets it was
    written for are decided otherwise before it. Usually a rule was appended
    after a broader one, or a port range was split over several rules that
    together cover the one meant to be an exception.

    ## Example
    ```
    -A INPUT -p tcp --dport 0:1023 -j DROP
    -A INPUT -p tcp --dport 1024:65535 -j DROP
    -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -p tcp --dport 22 -j ACCEPT
    -A INPUT -p tcp --dport 0:1023 -j DROP
    -A INPUT -p tcp --dport 1024:65535 -j DROP
    ```

    ## In nftables
    Rule order works the same in an nft chain: move the exception above the
    rules that decide its packets, or fold them into one rule with a set.
    """

    code = "FW201"
    name = "shadowed-rule"
    severity = Severity.WARNING
    analysis = "required"

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for f in findings_for(ctx):
            if f.code == self.code:
                yield self.diagnostic(f.rule.rule.span, f.message, related=f.related)
