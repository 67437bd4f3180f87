from __future__ import annotations

from typing import Iterable

from fwlint.ast import Option, Rule as AstRule
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.validity._options import holders


class RepeatedOption(Rule):
    """## What it does
    Finds an option given twice where iptables takes it once: `-p`, `-s`,
    `-d`, `-i`, `-o` or `-f` twice in a rule, an option twice in one match
    (`-p tcp --dport 22 --dport 80`, `-m conntrack --ctstate NEW --ctstate
    ESTABLISHED`) or in the target (`-j LOG --log-prefix a --log-prefix b`),
    and two options of one match that exclude each other (`--syn` and
    `--tcp-flags`; multiport's `--sports`, `--dports` and `--ports`;
    `--ttl-eq` and `--ttl-gt`; MARK's `--set-mark` and `--or-mark`).

    ## Why is this bad
    iptables refuses the rule ("multiple -p flags not allowed", "Only one
    `--destination-port' allowed", "option --ctstate can only be used once",
    "cannot be used together with"), so `iptables-restore` applies nothing
    of the file. In iptables 1.8.9 each option of a match or target may be
    given once (checked for every option fwlint models); the exception is
    the policy match, whose `--proto`, `--mode`, `--spi`, `--reqid` and
    `--tunnel-src/-dst` may come again after each `--next`.

    A second `-m` of the same match is a second match, and allowed: `-m
    comment --comment a -m comment --comment b`, or `-p tcp -m tcp --dport
    22 -m tcp --dport 80` (both must match, so that rule matches nothing).
    To match several ports write `-m multiport --dports 22,80`.

    ## Example
    ```
    -A INPUT -p tcp --dport 22 --dport 80 -j ACCEPT
    -A INPUT -m conntrack --ctstate NEW --ctstate ESTABLISHED -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -p tcp -m multiport --dports 22,80 -j ACCEPT
    -A INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT
    ```

    ## In nftables
    A set does it: `tcp dport { 22, 80 } accept`, `ct state { new,
    established } accept`. nft takes a field twice in one rule and ANDs them.
    """

    code = "FW112"
    name = "repeated-option"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        for holder in holders(rule, ctx.registry):
            ext = holder.ext
            separator, per_element = ext.elements if ext.elements else (None, frozenset())
            seen: dict[str, Option] = {}
            in_group: dict[int, Option] = {}
            for opt in holder.node.options:
                spec = ext.option(opt.name) if opt.known else None
                if spec is None:
                    continue
                name = spec.name
                if name == separator:
                    for other in per_element:
                        seen.pop(other, None)
                    continue
                first = seen.get(name)
                if first is not None:
                    listed = "," in spec.value_types()[0].name if spec.value_types() else False
                    yield self.diagnostic(opt.span, _twice(opt, first, holder.is_target, ext.name,
                                                           listed), related=(first.span,))
                    continue
                seen[name] = opt
                for i, group in enumerate(ext.exclusive):
                    if name not in group:
                        continue
                    other = in_group.get(i)
                    if other is None:
                        in_group[i] = opt
                    else:
                        yield self.diagnostic(
                            opt.span, f"{opt.written} and {other.written} exclude each other: "
                            f"the {ext.name} {'target' if holder.is_target else 'match'} takes "
                            f"one of {_names(group)}", related=(other.span,))


def _twice(opt: Option, first: Option, is_target: bool, ext: str, listed: bool) -> str:
    if ext == "builtin":
        flag = opt.written if len(opt.written) == 2 else first.written
        return f"{opt.written} given twice: a rule takes one {flag} (iptables: multiple " \
               f"{flag} flags not allowed)"
    if is_target:
        return f"{opt.written} given twice to -j {ext}: it takes it once"
    hint = ""
    if opt.name in ("destination-port", "source-port", "dport", "sport"):
        hint = "; for several ports use -m multiport --dports a,b"
    elif listed and first.value is not None and opt.value is not None and not opt.negated \
            and not first.negated:
        hint = f"; to match either, list both: {opt.written} {first.value},{opt.value}"
    return f"{opt.written} given twice in one {ext} match: it takes it once{hint}"


def _names(group: frozenset[str]) -> str:
    return ", ".join(f"--{n}" for n in sorted(group))
