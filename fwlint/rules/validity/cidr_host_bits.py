from __future__ import annotations

import ipaddress
from typing import Iterable

from fwlint.ast import Option, Rule as AstRule, Span
from fwlint.extensions.values import split_address
from fwlint.lint import Context, Diagnostic, Edit, Fix, Rule, Severity


class CidrHostBits(Rule):
    """## What it does
    Finds an address in `-s`/`-d` whose host bits are set under its mask:
    `10.0.0.5/8`, `192.168.1.1/24`, `192.168.1.1/0`, `2001:db8::1/32`.

    ## Why is this bad
    iptables takes the rule and silently clears the host bits (iptables-save
    prints `10.0.0.0/8`), so the rule matches the whole network. Usually the
    author meant the single host (`/32`) and the rule is far wider than
    intended; with `/0` it matches every address. The other way round it is
    only noise: the mask says what is meant and the address should say it
    too. iptables accepts the rule either way, so this is a warning.

    Each address of a list (`-s 10.0.0.5/8,192.0.2.0/24`) is checked.
    Options of other matches (`--ctorigsrc`, `--tunnel-src`) keep the
    address as written but compare under the mask as well.

    ## Example
    ```
    -A INPUT -s 10.0.0.5/8 -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -s 10.0.0.0/8 -j ACCEPT
    ```
    or, for the one host, `-s 10.0.0.5/32`. The fix writes the network
    address iptables uses (`10.0.0.0/8`); it is unsafe, because the intent
    may have been the host.

    ## In nftables
    nft clears the host bits silently too: `ip saddr 10.0.0.5/8` is listed
    back as `ip saddr 10.0.0.0/8`. Write the network address there as well.
    """

    code = "FW113"
    name = "cidr-host-bits"
    severity = Severity.WARNING
    fixable = "unsafe"
    only_warnings = True  # never an error: it cannot say that iptables refuses a rule

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        builtin = rule.match("builtin")
        if builtin is None:
            return
        for opt in builtin.options:
            if opt.name in ("source", "destination") and opt.values and opt.value_spans \
                    and not opt.unresolved:
                yield from self._option(opt, ctx.ruleset.family)

    def _option(self, opt: Option, family: int) -> Iterable[Diagnostic]:
        text, span = opt.values[0], opt.value_spans[0]
        quoted = (span.end_column - span.column) != len(text)
        start = span.column + (1 if quoted else 0)
        for item in text.split(","):
            yield from self._item(opt, item, family, Span(span.file, span.line, start, span.line,
                                                         start + len(item)))
            start += len(item) + 1

    def _item(self, opt: Option, item: str, family: int, span: Span) -> Iterable[Diagnostic]:
        try:
            addr, mask = split_address(item, family)
        except ValueError:
            return  # FW108, FW111
        width = addr.max_prefixlen
        host_bits = int(addr) & ~mask & ((1 << width) - 1)
        if not host_bits:
            return
        mask_text = item.rpartition("/")[2]
        network = ipaddress.ip_address(int(addr) & mask) if width == 32 else \
            ipaddress.IPv6Address(int(addr) & mask)
        fixed = f"{network}/{mask_text}"
        everything = " (every address)" if mask == 0 else ""
        host = item.rpartition("/")[0]
        yield self.diagnostic(
            span, f"{opt.written} {item} has host bits set: iptables silently clears them and "
            f"matches {fixed}{everything}; write {fixed}, or {host}/{width} for the one host",
            fix=Fix("unsafe", f"Write the network address, {fixed}", (Edit(fixed, span),)))
