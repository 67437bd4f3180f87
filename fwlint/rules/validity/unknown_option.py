from __future__ import annotations

from typing import Iterable

from fwlint.ast import Option, Rule as AstRule
from fwlint.extensions import Extension, Registry
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import chains_by_name, close_names
from fwlint.parse.commands import CORE_LONG
from fwlint.rules.validity._options import match_name_span, placeholder, rule_protocol, unresolved_name

# FW104 reports these when no protocol match takes them.
_PORT_OPTIONS = frozenset({"dport", "sport", "destination-port", "source-port"})


class UnknownOption(Rule):
    """## What it does
    Finds an option that no match or target of the rule takes, and a `-m`
    that names no match extension, and says where the option belongs:

    - `--dports` without `-m multiport`, `--ctstate` without `-m conntrack`,
      `--state` without `-m state`, `--comment` without `-m comment`: the
      match is not loaded;
    - `--tcp-flags` or `--icmp-type` without the `-p tcp` / `-p icmp` that
      loads their match;
    - an option written before the `-m` or `-j` that brings it;
    - `--to-destination` with `-j SNAT` (it is DNAT's): an option of another
      target, or any option after a jump to a user chain (`-j logdrop
      --log-prefix x`: a chain takes none);
    - a misspelt option (`--dprt`) or an abbreviation that fits several
      (`--d`), and a misspelt or miscased module (`-m conntrak`, `-m TCP`,
      `-m MARK` for the target).

    ## Why is this bad
    iptables reads options with getopt: an option is known only once the
    match or target that defines it is loaded, by `-m`, by `-p` (the tcp,
    udp, icmp ... match) or by `-j`. Anything else is "unknown option", and
    an unknown `-m` is "Couldn't load match": `iptables-restore` refuses the
    rule and applies nothing of the file. Options may be shortened to a
    unique prefix (`--dp` is `--dport`), but a prefix two options share is
    refused. (`--dport`/`--sport` without a port protocol are FW104; an
    IPv4-only match in ip6tables is FW111.)

    ## Example
    ```
    -A INPUT -p tcp --dports 80,443 -j ACCEPT
    -A INPUT --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -m conntrak --ctstate NEW -j LOG
    ```

    ## Use instead
    ```
    -A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT
    -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    -A INPUT -m conntrack --ctstate NEW -j LOG
    ```

    ## In nftables
    Matches are expressions (`tcp dport { 80, 443 }`, `ct state
    established,related`); nothing needs loading first, and a misspelt
    keyword is a syntax error.
    """

    code = "FW102"
    name = "unknown-option"
    severity = Severity.ERROR

    def check_rule(self, rule: AstRule, ctx: Context) -> Iterable[Diagnostic]:
        registry = ctx.registry
        for m in rule.matches:
            if not m.known and not unresolved_name(m.name):
                yield self.diagnostic(match_name_span(ctx.ruleset, m),
                                      f"-m {m.name}: no such match{_module_hint(m.name, registry)}")
        if _loads_through_a_variable(rule):
            return  # whatever a variable loads may take the options
        index = ctx.memo(("fw102-option-index", id(registry)), lambda: _option_index(registry))
        for opt in rule.unclaimed:
            if not opt.name or opt.name in _PORT_OPTIONS:
                continue  # a stray word (FW109), or a port without protocol (FW104)
            hint = _hint(opt, rule, ctx, index)
            yield self.diagnostic(opt.span, f"unknown option {opt.written}: {hint}")
        yield from self._after_a_chain(rule, ctx, index)

    def _after_a_chain(self, rule: AstRule, ctx: Context, index: dict[str, list[Extension]]
                       ) -> Iterable[Diagnostic]:
        """Options after `-j NAME` where NAME is a chain of the table: to iptables a chain is no
        extension and brings no options, so whatever follows it and nothing else takes is unknown.
        (After a name that is neither, the target may be one fwlint does not know: FW106.)"""
        target = rule.target
        if target is None or not target.options or ctx.table is None or \
                ctx.registry.target(target.name) is not None or \
                target.name not in chains_by_name(ctx, ctx.table):
            return
        for opt in target.options:
            if opt.name:
                yield self.diagnostic(opt.span, f"unknown option {opt.written}: "
                                                f"{_hint(opt, rule, ctx, index)}")


def _loads_through_a_variable(rule: AstRule) -> bool:
    if not rule.unresolved:
        return False
    popt = rule.option("protocol")
    return any(unresolved_name(m.name) for m in rule.matches) or (
        popt is not None and placeholder(popt)) or (
        rule.target is not None and unresolved_name(rule.target.name)) or any(
        not o.name for o in rule.unclaimed)


def _module_hint(name: str, registry: Registry) -> str:
    if name in registry.targets:
        return f"; {name} is a target: -j {name}"
    close = close_names(name, frozenset(n for n in registry.matches if registry.match(n)))
    if close:
        return f" (did you mean -m {' or -m '.join(close)}?)"
    return " extension"


def _option_index(registry: Registry) -> dict[str, list[Extension]]:
    """Long option name (aliases too) -> the extensions that take it."""
    out: dict[str, list[Extension]] = {}
    for ext in (*registry.matches.values(), *registry.targets.values()):
        if ext.kind == "match" and registry.match(ext.name) is None:
            continue
        for name, _ in ext.long_names():
            out.setdefault(name, []).append(ext)
    return out


def _fits(ext: Extension, key: str, family: int) -> bool:
    spec = ext.option(key)
    return (ext.family is None or ext.family == family) and spec is not None and (
        spec.family is None or spec.family == family)


def _hint(opt: Option, rule: AstRule, ctx: Context, index: dict[str, list[Extension]]) -> str:
    key = opt.name
    family = ctx.ruleset.family
    is_long = opt.written.startswith("--")
    owners = [ext for ext in index.get(key, []) if _fits(ext, key, family)] if is_long else []
    matches = [ext for ext in owners if ext.kind == "match"]
    targets = [ext for ext in owners if ext.kind == "target"]
    if matches:
        return _match_hint(opt, rule, matches)
    if targets:
        return _target_hint(opt, rule, targets)
    return _spelling_hint(opt, rule, ctx)


def _match_hint(opt: Option, rule: AstRule, owners: list[Extension]) -> str:
    for ext in owners:
        if any(m.name == ext.name and not m.implicit for m in rule.matches):
            return f"it belongs to the {ext.name} match: put it after -m {ext.name}"
    by_protocol = [ext for ext in owners if ext.implied_by]
    if by_protocol and len(by_protocol) == len(owners):
        ext = by_protocol[0]
        proto = _protocol_name(ext)
        written = rule.option("protocol")
        if written is not None and written.values and not written.negated and \
                written.values[0].lower() in ext.implied_by:
            return f"it belongs to the {ext.name} match, which -p {written.values[0]} loads only " \
                   f"for the options after it: put -p {written.values[0]} before {opt.written}"
        have = rule_protocol(rule)
        if have is not None:
            return f"it belongs to the {ext.name} match (-p {proto}); this rule has -p {have}"
        return f"it belongs to the {ext.name} match: add -p {proto} before it"
    names = [ext.name for ext in owners]
    return f"it belongs to the {' or the '.join(names)} match: add -m {' or -m '.join(names)} " \
           "before it"


def _protocol_name(ext: Extension) -> str:
    if ext.name in ext.implied_by:
        return ext.name
    names = sorted(n for n in ext.implied_by if not n.isdigit())
    return names[0] if names else sorted(ext.implied_by)[0]


def _target_hint(opt: Option, rule: AstRule, owners: list[Extension]) -> str:
    names = [ext.name for ext in owners]
    what = f"the {' or the '.join(names)} target"
    target = rule.target
    if target is None:
        return f"it is an option of {what}, and this rule has no -j {names[0]}"
    if target.name in names:
        return f"it is an option of {what}: put it after -j {target.name}"
    return f"it is an option of {what}, not of {target.name}"


def _spelling_hint(opt: Option, rule: AstRule, ctx: Context) -> str:
    """Misspelt or ambiguously shortened: compare with the options the rule has loaded."""
    registry = ctx.registry
    is_long = opt.written.startswith("--")
    key = opt.name
    context: dict[str, str] = {}  # long name -> where it comes from
    exts: list[tuple[Extension, str]] = []
    if registry.builtin is not None:
        exts.append((registry.builtin, ""))
    for m in rule.matches:
        ext = registry.match(m.name)
        if ext is not None:
            exts.append((ext, f"-m {ext.name}"))
    implied = registry.implied_match(rule.protocol)
    if implied is not None:
        exts.append((implied, f"-m {implied.name}"))
    if rule.target is not None and (t := registry.target(rule.target.name)) is not None:
        exts.append((t, f"-j {t.name}"))
    for ext, where in exts:
        for name, _ in ext.long_names():
            context.setdefault(name, where)
    if is_long:
        prefixed = sorted({n for n in (*context, *CORE_LONG) if n.startswith(key)})
        if key and len(prefixed) > 1:
            shown = ", ".join(f"--{n}" for n in prefixed[:4]) + (" ..." if len(prefixed) > 4 else "")
            return f"--{key} is short for more than one option ({shown}): write it out"
        close = close_names(key, frozenset(context) | frozenset(CORE_LONG))
        if close:
            return "did you mean " + " or ".join(f"--{n}" for n in close) + "?"
        everywhere = ctx.memo(("fw102-all-options", id(registry)), lambda: _all_options(registry))
        close = close_names(key, frozenset(everywhere))
        if close:
            return "did you mean " + " or ".join(f"--{n} ({everywhere[n]})" for n in close) + "?"
        return "no match or target of this rule takes it"
    return "no match or target of this rule takes it (a short option is one letter after one dash)"


def _all_options(registry: Registry) -> dict[str, str]:
    out: dict[str, str] = {}
    for ext in (*registry.matches.values(), *registry.targets.values()):
        for name, _ in ext.long_names():
            out.setdefault(name, f"-m {ext.name}" if ext.kind == "match" else f"-j {ext.name}")
    return out
