from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.translate._shared import translation


class ApproximateTranslation(Rule):
    """## What it does
    Finds rules whose nftables translation holds only approximately, and says
    what differs: `-m recent` becomes a set whose elements time out (no hit
    counts), a `-m hashlimit` table shared by name becomes a meter per rule,
    TCPMSS does not add a missing MSS option, `--weekdays` counts days in the
    kernel's time zone, a `"` in a comment or log prefix becomes `'` in nft's
    block syntax, a comment is cut to nft's 128 bytes, a rule that can never
    match is written as a comment.

    ## Why is this bad
    After moving to nftables the firewall behaves differently in the corner
    the message names: a brute-force throttle that counted hits now only
    remembers the last one, a log prefix reads differently. Usually harmless,
    but it should be a decision, not a surprise.

    ## Example
    ```
    -A INPUT -p tcp --dport 22 -m recent --update --seconds 60 --hitcount 4 --name SSH -j DROP
    -A INPUT -j LOG --log-prefix "dropped \\"bad\\" packet: "
    ```

    ## Use instead
    Accept the difference, or write the rule so that it translates exactly:
    ```
    -A ssh-in -m hashlimit --hashlimit-above 4/min --hashlimit-mode srcip --hashlimit-name ssh -j DROP
    -A INPUT -j LOG --log-prefix "dropped bad packet: "
    ```

    ## In nftables
    The translation `fwlint translate` writes, with the difference the
    finding states (`meter`, `update @set`, `ct count`, `limit`).
    """

    code = "FW602"
    name = "approximate-translation"
    severity = Severity.WARNING
    default_enabled = False  # run by `fwlint translate`, or `fwlint check --select FW6`

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        translator = translation(ruleset, ctx)
        for _rule, note in translator.notes:
            yield self.diagnostic(note.span, note.message)
