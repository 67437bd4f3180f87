from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import Misplacement, misplacements

REFUSED = "iptables-restore refuses the rule"


class MatchNotAllowedHere(Rule):
    """## What it does
    Finds a match, or a match option, used in a chain or table where the
    kernel does not take it, and a target whose rule lacks the match it
    needs:

    - `-m owner` outside OUTPUT/POSTROUTING (only local packets have an
      owner); `-m mac`, `-m osf` and `-m eui64` outside
      PREROUTING/INPUT/FORWARD; `-m socket` outside PREROUTING/INPUT;
      `-m cgroup` outside INPUT/OUTPUT/POSTROUTING; `-m realm` on PREROUTING;
      `-m rpfilter` outside raw or mangle PREROUTING;
    - `--limit-iface-in` (addrtype), `--dir in` (policy) and `--src-group`
      (devgroup) on OUTPUT or POSTROUTING; `--limit-iface-out`, `--dir out`
      and `--dst-group` on PREROUTING or INPUT; `--physdev-out` or
      `--physdev-is-out` on OUTPUT without `--physdev-is-bridged`;
    - `-j REJECT --reject-with tcp-reset`, `-j ECN --ecn-tcp-remove`
      (or `--ecn-tcp-cwr`/`--ecn-tcp-ece`), `-j SYNPROXY`,
      `-j TCPOPTSTRIP` and `-j TCPMSS` without `-p tcp`; `-j TPROXY`
      without `-p tcp` or `-p udp`; `-j TCPMSS` without a tcp match that
      requires SYN (`--syn`, or `--tcp-flags` with SYN in its second list).

    As a warning: a positive `--physdev-out` or `--physdev-is-out` in
    PREROUTING, INPUT or OUTPUT (with `--physdev-is-bridged`), which the
    kernel accepts but which never matches there.

    In a user chain the match is checked against every built-in chain that
    reaches it, as the kernel does.

    ## Why is this bad
    The kernel refuses these rules when the table is committed, so
    `iptables-restore` fails and nothing of that table is applied;
    `iptables-restore --test` does not notice them. The protocol must be a
    positive `-p tcp` (or `-p 6`): `! -p udp` and `-p all` do not do.

    The bridge port a packet leaves by is known only once the bridge has
    decided, in FORWARD and POSTROUTING; before that (checked with bridged
    traffic on Linux 6.18) `--physdev-out` matches nothing, so the rule
    silently does nothing.

    (`-i` on OUTPUT and `-o` on INPUT are FW103; `-m tcp` without `-p tcp` is
    FW114.)

    ## Example
    ```
    *filter
    -A INPUT -m owner --uid-owner 1000 -j ACCEPT
    -A INPUT -j REJECT --reject-with tcp-reset
    COMMIT
    ```

    ## Use instead
    ```
    *filter
    -A OUTPUT -m owner --uid-owner 1000 -j ACCEPT
    -A INPUT -p tcp -j REJECT --reject-with tcp-reset
    -A INPUT -j REJECT
    COMMIT
    ```

    ## In nftables
    Less is refused: `meta skuid` is accepted in an input chain (it matches
    only packets with a local socket), and `reject with tcp reset` gets its
    `meta l4proto tcp` added by nft itself. `fib` (rpfilter) and the NAT
    statements still check the hook.
    """

    code = "FW110"
    name = "match-not-allowed-here"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        if ctx.table is None:
            return
        for match in rule.matches:
            if match.name == "builtin" or not match.known:
                continue
            ext = ctx.registry.match(match.name)
            if ext is None:
                continue
            for problem in misplacements(ctx, ext, match.options, match.span, f"-m {match.name}", rule):
                yield self._report(problem)
        target = rule.target
        ext = ctx.registry.target(target.name) if target is not None else None
        if target is None or ext is None:
            return
        shown = f"{'-g' if target.goto else '-j'} {target.name}"
        for problem in misplacements(ctx, ext, target.options, target.span, shown, rule):
            if problem.kind in ("protocol", "requirement"):
                yield self._report(problem)

    def _report(self, problem: Misplacement) -> Diagnostic:
        if problem.enforced:
            return self.diagnostic(problem.span, f"{problem.message}; {REFUSED}")
        return self.diagnostic(problem.span, problem.message, severity=Severity.WARNING)
