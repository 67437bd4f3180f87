from __future__ import annotations

from typing import Iterable

from fwlint.ast import Rule as AstRule
from fwlint.extensions.values import BadValue, Unresolved, WrongFamily as OtherFamilyValue
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.validity._options import holders, match_name_span, placeholder, protocol_number

# What the other family's iptables has instead (a hint in the message).
_COUNTERPART = {
    "ttl": "-m hl", "hl": "-m ttl", "TTL": "-j HL", "HL": "-j TTL",
    "icmp": "-p ipv6-icmp --icmpv6-type", "icmp6": "-p icmp --icmp-type",
    "frag": "-f", "fragment": "-m frag",
}
_ICMP = {4: 1, 6: 58}


class WrongFamily(Rule):
    """## What it does
    Finds what belongs to the other IP family: an IPv6 address in an IPv4
    ruleset (`-s 2001:db8::1` in rules.v4) or an IPv4 one in an IPv6
    ruleset, in `-s`/`-d` and in every option that takes an address
    (`--to-destination`, `--ctorigsrc`, `--gateway` ...); a match or target
    that exists for one family only (`-m ttl`, `-m icmp`, `-j TTL`, `-j
    ECN`, `-m realm` for IPv4; `-m hl`, `-m icmp6`, `-m frag`, `-m eui64`,
    `-j HL`, `-j DNPT` for IPv6); an option of the other family (`-f` in
    ip6tables, `--ahlen` in iptables); a reject type of the other family
    (`--reject-with icmp-port-unreachable` in ip6tables); and `-p icmp` in
    ip6tables or `-p ipv6-icmp` in iptables.

    ## Why is this bad
    ip6tables-restore refuses the IPv4 address ("host/network not found"),
    the IPv4-only extension ("Couldn't load match `ttl'", "unknown option
    --icmp-type"), `-f` ("not supported in IPv6, use -m frag") and the
    IPv4 reject type, and iptables-restore the reverse, so nothing of the
    file is applied. This is the usual result of copying rules.v4 into
    rules.v6. Those are errors.

    `-p icmp` is different: ip6tables takes it (and iptables takes `-p
    ipv6-icmp`), but no IPv6 packet carries IPv4's ICMP (protocol 1), so the
    rule silently never matches; IPv6 needs `-p ipv6-icmp` (ICMPv6 is also
    how neighbour discovery works, so a ruleset that means to accept ICMP
    and does not breaks IPv6). That is a warning.

    ## Example
    ```
    # rules.v6
    -A INPUT -s 192.0.2.0/24 -j ACCEPT
    -A INPUT -p icmp --icmp-type echo-request -j ACCEPT
    -A INPUT -p icmp -j ACCEPT
    ```

    ## Use instead
    ```
    # rules.v6
    -A INPUT -s 2001:db8::/64 -j ACCEPT
    -A INPUT -p ipv6-icmp --icmpv6-type echo-request -j ACCEPT
    -A INPUT -p ipv6-icmp -j ACCEPT
    ```

    ## In nftables
    An `inet` table holds both families: `ip saddr 192.0.2.0/24` and `ip6
    saddr 2001:db8::/64` sit side by side, and `icmp` / `icmpv6` match each
    family's messages, so one ruleset serves both.
    """

    code = "FW111"
    name = "wrong-family"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        family = ctx.ruleset.family
        refused_match = False
        for holder in holders(rule, ctx.registry):
            ext, node = holder.ext, holder.node
            if ext.family is not None and ext.family != family:
                refused_match = True
                yield self.diagnostic(*self._extension(holder, family, ctx))
                continue
            for opt in node.options:
                spec = ext.option(opt.name) if opt.known else None
                if spec is None or placeholder(opt):
                    continue
                if spec.family is not None and spec.family != family:
                    other = _counterpart(spec.name, family)
                    yield self.diagnostic(opt.span, f"{opt.written} exists only in IPv{spec.family} "
                                          f"ip{'6' if spec.family == 6 else ''}tables{other}")
                    continue
                for index, (vtype, text) in enumerate(zip(spec.value_types(), opt.values)):
                    try:
                        vtype.parse(text, family)
                    except OtherFamilyValue as err:
                        span = opt.value_spans[index] if index < len(opt.value_spans) else opt.span
                        yield self.diagnostic(span, f"{opt.written}: {err}")
                    except (BadValue, Unresolved):
                        pass  # FW108
        if not refused_match:
            yield from self._icmp_protocol(rule, family)

    def _extension(self, holder, family: int, ctx: Context):
        ext, node = holder.ext, holder.node
        other = _counterpart(ext.name, family)
        tool = "ip6tables" if ext.family == 6 else "iptables"
        if holder.is_target:
            return (node.name_span, f"-j {ext.name} exists only in {tool} (IPv{ext.family}){other}")
        if node.implicit:
            first = node.options[0] if node.options else None
            what = first.written if first is not None else ext.name
            return (node.span, f"{what} belongs to the {ext.name} match of {tool} "
                               f"(IPv{ext.family}){other}")
        return (match_name_span(ctx.ruleset, node),
                f"-m {ext.name} exists only in {tool} (IPv{ext.family}){other}")

    def _icmp_protocol(self, rule: AstRule, family: int) -> Iterable[Diagnostic]:
        builtin = rule.match("builtin")
        opt = builtin.option("protocol") if builtin is not None else None
        if opt is None or opt.negated or not opt.values or placeholder(opt):
            return
        number = protocol_number(opt.values[0])
        other = 6 if family == 4 else 4
        if number == _ICMP[other]:
            span = opt.value_spans[0] if opt.value_spans else opt.span
            right = "ipv6-icmp" if family == 6 else "icmp"
            yield self.diagnostic(
                span, f"-p {opt.values[0]} is ICMP for IPv{other}: "
                f"ip{'6' if family == 6 else ''}tables takes it, but no IPv{family} packet carries it, "
                f"so the rule never matches; use -p {right}", severity=Severity.WARNING)


def _counterpart(name: str, family: int) -> str:
    other = _COUNTERPART.get(name)
    return f"; ip{'6' if family == 6 else ''}tables has {other}" if other else ""
