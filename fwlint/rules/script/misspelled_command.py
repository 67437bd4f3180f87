from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset, Span
from fwlint.lint import Context, Diagnostic, Edit, Fix, Rule, Severity
from fwlint.rules.script._source import notes_of, slice_of, text_of


class MisspelledCommand(Rule):
    """## What it does
    Finds a command in a firewall script that is a misspelling of `iptables`,
    `ip6tables` or their `-restore`/`-save` companions: `iptabls -L`,
    `iptable -A ...`, `ip6table`, `ipatbles`.

    ## Why is this bad
    The shell answers "command not found" and goes on with the next line: the
    rule is never added, the policy never set, and a script without `set -e`
    reports success. The firewall ends up different from the script, usually
    without anybody noticing.

    ## Example
    ```
    iptabls -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## Use instead
    ```
    iptables -A INPUT -p tcp --dport 22 -j ACCEPT
    ```
    The fix writes the suggested name; it is unsafe, because the command then
    runs, and changes the firewall the script builds.

    ## In nftables
    The same holds for a misspelt `nft`: check scripts with `sh -n` and run
    them with `set -e`.
    """

    code = "FW501"
    name = "misspelled-command"
    severity = Severity.ERROR
    fixable = "unsafe"

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        for note in notes_of(ruleset, "misspelled-command"):
            fix = None
            text = text_of(ruleset, note.span.file)
            written = slice_of(text, note.span) if text is not None else None
            if len(note.suggestions) == 1 and written is not None and written.endswith(note.subject):
                s = note.span
                start = Span(s.file, s.end_line, s.end_column - len(note.subject), s.end_line, s.end_column)
                fix = Fix("unsafe", f"Replace {note.subject!r} with {note.suggestions[0]!r}",
                          (Edit(note.suggestions[0], start),))
            yield self.diagnostic(note.span, note.message, fix=fix)
