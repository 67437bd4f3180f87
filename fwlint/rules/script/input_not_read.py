from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.script._source import notes_of


class InputNotRead(Rule):
    """## What it does
    Notes a file a firewall script loads that fwlint does not read:
    `iptables-restore < FILE` or `. FILE` with an absolute path (a file on the
    machine the script runs on) or a file that is not beside the script, and
    `iptables-restore` reading a pipe or its standard input.

    ## Why is this bad
    What that input adds is unknown, so the tables fwlint checks lack those
    rules (or those variables stay unresolved, FW504). A relative path is
    read from the script's folder when the file is there.

    ## Example
    ```
    iptables-restore < /etc/iptables/base.rules
    ```

    ## Use instead
    Keep the file beside the script and name it by a relative path, which
    fwlint looks up in the script's folder, or check the file on its own
    (`fwlint check /etc/iptables/base.rules`):
    ```
    iptables-restore < base.rules
    ```

    ## In nftables
    `include "base.nft"` is read by `nft -f` and by checks of the main file.
    """

    code = "FW506"
    name = "input-not-read"
    severity = Severity.INFO

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for note in notes_of(ruleset, "input-not-read"):
            yield self.diagnostic(note.span, note.message)
