from __future__ import annotations

from typing import Iterable

from fwlint.ast import Option, Rule as AstRule
from fwlint.extensions import OptionSpec
from fwlint.extensions.values import BadValue, NeedsProtocol, Unresolved, WrongFamily
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.rules.validity._options import (Holder, holders, placeholder, protocol_before,
                                            protocol_number, shown)


class InvalidValue(Rule):
    """## What it does
    Checks every option value the way iptables 1.8.9 reads it: addresses
    and prefix lengths (`10.0.0.256`, `/33`), ports and port ranges
    (`65536`, `8000:7000`, `SSH`: service names are lower case and must be
    in /etc/services for that protocol, so `--dport biff` is refused with
    `-p tcp`), protocols (`upd`, `icmp6`), conntrack states (`RELATD`),
    ICMP types (`echo-reqest`, or `echo`, which is ambiguous), rates
    (`--limit 5/fortnight`, more than 10000/second, `1/day` with the default
    burst of 5), marks, interface names (16 characters or more, or empty),
    log levels, reject types, NAT ranges, TCP flags, and an option that
    lacks its value at the end of the line or carries `!` it does not take.

    ## Why is this bad
    `iptables-restore` refuses the rule and with it the whole file, so
    nothing is applied. Those are errors. Where iptables takes the value
    but silently changes it or it can never match, the finding is a
    warning: the udp match wraps port 70000 to 4464, takes an empty port as
    0 and a backwards range (`9:8`) that never matches; LOG cuts a prefix
    after 29 characters, NFLOG after 63 and the comment match a comment
    after 255; an interface name with `/` or `:` is taken but no interface
    can have it. A host name (`-s
    db.example.com`) or a user name (`--uid-owner www-data`) is looked up
    when the rules are loaded: a warning, since the restore fails when the
    lookup does (no DNS at boot) and the rule holds the addresses of that
    moment.

    Numbers are read as C reads them: `0x16` is 22 and `022` is 18 for the
    tcp match, though the udp match reads `022` as 22 and refuses `0x16`.
    An IPv6 address in an IPv4 rule (and the reverse) is FW111; host bits
    in `-s 10.0.0.5/8` are FW113.

    ## Example
    ```
    -A INPUT -p tcp --dport 8000:7000 -j ACCEPT
    -A INPUT -m conntrack --ctstate RELATD,ESTABLISHED -j ACCEPT
    -A INPUT -m limit --limit 5/fortnight -j LOG
    ```

    ## Use instead
    ```
    -A INPUT -p tcp --dport 7000:8000 -j ACCEPT
    -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    -A INPUT -m limit --limit 5/day -j LOG
    ```

    ## In nftables
    nft checks values when it reads the ruleset (`nft -c`): a bad port
    ("Service out of range"), address or state is an error there too, and a
    range must run upwards (`7000-8000`; "Range has zero or negative
    size"). Log prefixes may have up to 127 characters.
    """

    code = "FW108"
    name = "invalid-value"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        family = ctx.ruleset.family
        for holder in holders(rule, ctx.registry):
            ext = holder.ext
            if ext.family is not None and ext.family != family:
                continue  # FW111
            for opt in holder.node.options:
                spec = ext.option(opt.name) if opt.known else None
                if spec is None or (spec.family is not None and spec.family != family) \
                        or placeholder(opt) or _clean(opt, spec, family, rule, holder):
                    continue
                yield from self._option(opt, spec, family, rule, holder)
            if ext.validate is not None and not any(placeholder(o) for o in holder.node.options):
                for problem in ext.validate(holder.node.options, family):
                    opt = next((o for o in holder.node.options if o.name == problem.option), None)
                    span = opt.span if opt is not None else holder.node.span
                    yield self.diagnostic(span, problem.message,
                                          severity=None if problem.refused else Severity.WARNING)
        yield from self._protocol_never(rule)

    def _option(self, opt: Option, spec: OptionSpec, family: int, rule: AstRule,
                holder: Holder) -> Iterable[Diagnostic]:
        if opt.negated and not spec.invertible:
            yield self.diagnostic(opt.span, f"{opt.written} cannot be inverted with `!`")
        types = spec.value_types()
        if len(opt.values) < len(types):
            needed = len(types)
            what = "a value" if needed == 1 else f"{needed} values ({' '.join(t.name for t in types)})"
            yield self.diagnostic(opt.span, f"{opt.written} needs {what}, the line ends before")
            return
        whole = _whole_word(opt, spec, holder)
        for index, (vtype, text) in enumerate(zip(types, opt.values)):
            span = opt.value_spans[index] if index < len(opt.value_spans) else opt.span
            protocol = protocol_before(rule, opt) if vtype.with_protocol is not None else None
            try:
                _, notes = vtype.check(text, family, protocol)
            except WrongFamily:
                continue  # FW111
            except NeedsProtocol as err:
                yield from self._needs_protocol(opt, span, err, rule, holder)
                continue
            except BadValue as err:
                yield self.diagnostic(span, f"{opt.written}: {err}" + (f"; {whole}" if whole else ""))
                continue
            except Unresolved as err:
                yield self.diagnostic(span, f"{opt.written}: {err}", severity=Severity.WARNING)
                continue
            for note in notes:
                yield self.diagnostic(span, f"{opt.written} {_show(text)}: {note}",
                                      severity=Severity.WARNING)
            if whole:
                yield self.diagnostic(span, f"{opt.written}: {whole}", severity=Severity.WARNING)

    def _needs_protocol(self, opt: Option, span, err: NeedsProtocol, rule: AstRule,
                        holder: Holder) -> Iterable[Diagnostic]:
        """A -p the option needs, and none before it.  When the rule has none at all (or the
        wrong one) for a match that needs one, FW114 reports it; here only the order."""
        popt = rule.option("protocol")
        later = popt is not None and not popt.negated and bool(popt.values) and \
            (popt.span.line, popt.span.column) > (opt.span.line, opt.span.column)
        if not holder.is_target and holder.ext.protocols is not None:
            wanted = {protocol_number(p) for p in holder.ext.protocols}
            if not later or protocol_number(popt.values[0]) not in wanted:  # type: ignore[union-attr]
                return  # FW114
        if later:
            yield self.diagnostic(span, f"{opt.written}: {err}; iptables reads the -p "
                                        f"{popt.values[0]} written after it too late: "  # type: ignore[union-attr]
                                        "move it before")
        elif popt is not None and popt.values:
            yield self.diagnostic(span, f"{opt.written}: {err}, not {shown(popt)}")
        else:
            yield self.diagnostic(span, f"{opt.written}: {err}")

    def _protocol_never(self, rule: AstRule) -> Iterable[Diagnostic]:
        """`! -p all` matches no packet: iptables refuses it."""
        builtin = rule.match("builtin")
        opt = builtin.option("protocol") if builtin is not None else None
        if opt is not None and opt.negated and opt.values and not placeholder(opt) \
                and protocol_number(opt.values[0]) == 0:
            span = opt.value_spans[0] if opt.value_spans else opt.span
            yield self.diagnostic(span, f"{shown(opt)} would match no packet: iptables refuses it")


def _clean(opt: Option, spec: OptionSpec, family: int, rule: AstRule, holder: Holder) -> bool:
    """Whether :meth:`InvalidValue._option` finds nothing in ``opt`` (the usual case), decided
    without making its findings: the same tests, the value readings cached."""
    if opt.negated and not spec.invertible:
        return False
    types = spec.value_types()
    if len(opt.values) < len(types) or _whole_word(opt, spec, holder):
        return False
    for vtype, text in zip(types, opt.values):
        protocol = protocol_before(rule, opt) if vtype.with_protocol is not None else None
        try:
            if vtype.check(text, family, protocol)[1]:
                return False  # notes: warnings
        except WrongFamily:
            continue  # FW111
        except (BadValue, Unresolved):
            return False
    return True


def _whole_word(opt: Option, spec: OptionSpec, holder: Holder) -> str:
    """For `-ieth0` or `--in-interface=eth0`: what iptables 1.8.9 makes of it (it reads the
    value of -p, -s, -d, -i and -o from the word that holds it, not from getopt's optarg)."""
    if holder.ext.name != "builtin" or not opt.values or opt.values[0] != opt.written or \
            len(opt.written) <= 2:
        return ""
    meant = opt.written.partition("=")[2] if opt.written.startswith("--") else opt.written[2:]
    what = {"in-interface": "interface name", "out-interface": "interface name"}.get(spec.name, spec.name)
    return f"iptables 1.8.9 takes the whole word {opt.written!r} as the {what}, not {meant!r}: " \
           f"write -{spec.short} {meant}"


_SHOWN_AT_MOST = 60


def _show(text: str) -> str:
    """The value as the message quotes it; a long one (a 255-character comment) is cut, since the
    note after it says how long it is."""
    if len(text) > _SHOWN_AT_MOST:
        text = text[:_SHOWN_AT_MOST - 20] + "..."
    return f'"{text}"' if not text or any(c.isspace() for c in text) else text

