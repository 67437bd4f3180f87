from __future__ import annotations

from typing import Iterable

from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.translate._shared import translation


class Untranslatable(Rule):
    """## What it does
    Finds rules `fwlint translate` cannot express in nftables: a match or
    target nft has no form for (`-m u32`, `-m string`, `-j CLUSTERIP`), an
    option of one it cannot write (`--monthdays`, `-m hashlimit
    --hashlimit-rate-match`), a value that depends on the host (a host name in
    `-s`, an ipset's contents, a cgroup or realm name), or a string nft's
    syntax cannot hold. The message says which and why.

    ## Why is this bad
    Such a rule stops the ruleset from moving to nftables as it stands:
    `fwlint translate` writes nothing for it (with `--allow-partial` it keeps
    the rule as a comment) and exits with 1. Distributions are replacing
    iptables with nftables (iptables-nft only emulates the old interface),
    and `iptables-restore-translate` drops or mangles such rules without a
    word.

    ## Example
    ```
    -A INPUT -m string --algo bm --string "GET /admin" -j DROP
    -A INPUT -s backup.example.org -j ACCEPT
    ```

    ## Use instead
    Express the test another way (a proxy for content filtering; raw
    payload tests for u32's), write the address instead of the host name (or
    translate with `--resolve`), give the ipset's contents with `--ipset FILE`:
    ```
    -A INPUT -s 192.0.2.10 -j ACCEPT
    ```

    ## In nftables
    This finding is about nftables itself: nft has no form for the rule. The
    translation of everything else is `fwlint translate rules.v4`.
    """

    code = "FW601"
    name = "untranslatable"
    severity = Severity.ERROR
    default_enabled = False  # run by `fwlint translate`, or `fwlint check --select FW6`

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        translator = translation(ruleset, ctx)
        for rule, err in translator.failures:
            if err.refused:
                continue  # iptables refuses it too: the validity rules say so
            span = err.span or (rule.span if rule is not None else None)
            if span is not None:
                yield self.diagnostic(span, err.message)
