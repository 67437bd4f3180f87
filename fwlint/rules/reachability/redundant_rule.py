from __future__ import annotations

from collections.abc import Iterable

from fwlint.analysis import findings_for
from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity


class RedundantRule(Rule):
    """## What it does
    Finds a rule whose removal would change no packet's outcome, proven on
    the exact model of the packet space, in either of two ways:

    - earlier rules with the same outcome take every packet it matches, so
      it is never reached (when some of those packets get another outcome,
      it is FW201 instead);
    - it does take packets, but the rules after it and the chain's policy
      (or the end of a user chain) would decide every one of them the same
      way, and none of them would meet a rule with an effect on the way:
      a LOG or NFLOG (an ACCEPT that keeps trusted traffic out of the log
      is not redundant), a MARK, CONNMARK, SET or any other target that lets
      packets go on, a jump into a chain holding one, or a match that
      changes what other packets see (`-m recent --set`, `-m hashlimit`,
      `-m nfacct`). A rule with such a match itself is reported only when
      earlier rules take all its packets (then it never runs). An ACCEPT
      rule in a chain whose policy is ACCEPT, with nothing after it that
      drops, restricts nothing: the message says so.

    The message names the rules (and the policy) that decide its packets;
    the JSON output lists the rules as `related` locations. A rule made
    possible only by a match the model does not understand (`-m limit`,
    `-m recent` ...) is never reported: those are taken as "may match
    anything" for the rule and "may decide differently" for the others.

    ## Why is this bad
    The rule costs a lookup for every packet and suggests a restriction that
    is not there. An ACCEPT under an ACCEPT policy usually means the policy
    was meant to be DROP, or a final DROP/REJECT rule is missing, so the
    firewall lets through far more than the rules suggest.

    ## Example
    ```
    *filter
    :INPUT ACCEPT [0:0]
    -A INPUT -p tcp --dport 22 -j ACCEPT
    COMMIT
    ```

    ## Use instead
    ```
    *filter
    :INPUT DROP [0:0]
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -p tcp --dport 22 -j ACCEPT
    COMMIT
    ```

    ## In nftables
    The same holds for an nft chain with `policy accept`: an `accept` rule
    with no `drop` after it restricts nothing.
    """

    code = "FW202"
    name = "redundant-rule"
    severity = Severity.INFO
    analysis = "required"

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for f in findings_for(ctx):
            if f.code == self.code:
                yield self.diagnostic(f.rule.rule.span, f.message, related=f.related)
