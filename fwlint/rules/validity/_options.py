"""What the option rules (FW102, FW108, FW111-FW114) share: the matches and target of a rule
with their extension, the rule's protocol, and spans of the words in them."""

from __future__ import annotations

from typing import NamedTuple

from fwlint.ast import Match, Option, Rule, Ruleset, Span, Target
from fwlint.extensions import Extension, Registry
from fwlint.extensions.values import PROTOCOL, BadValue


class Holder(NamedTuple):
    """A match or the target of a rule, with the extension that defines its options."""

    node: Match | Target
    ext: Extension
    is_target: bool


_last_holders: list = [None, None, ()]  # the rule and registry asked about last, and the answer


def holders(rule: Rule, registry: Registry) -> tuple[Holder, ...]:
    """The known matches (the built-in one included) and the known target of ``rule``.  Several
    rules ask about the same rule one after the other: the last answer is kept (the rule is
    held, so the identity test cannot meet another rule at the same address)."""
    last = _last_holders
    if last[0] is rule and last[1] is registry:
        return last[2]
    found = []
    for m in rule.matches:
        if not m.known:
            continue
        ext = registry.builtin if m.name == "builtin" else registry.match(m.name)
        if ext is not None:
            found.append(Holder(m, ext, False))
    t = rule.target
    if t is not None and (ext := registry.target(t.name)) is not None:
        found.append(Holder(t, ext, True))
    answer = tuple(found)
    last[0], last[1], last[2] = rule, registry, answer
    return answer


def protocol_number(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return PROTOCOL.parse(text)  # type: ignore[return-value]
    except BadValue:
        return None


_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "ipv6-icmp", 132: "sctp", 33: "dccp", 136: "udplite",
          50: "esp", 51: "ah", 135: "mh", 108: "ipcomp", 0: "all"}


def rule_protocol(rule: Rule) -> str | None:
    """The rule's positive -p as iptables names it (tcp for `-p 6` or `-p TCP`), else None."""
    text = rule.protocol
    number = protocol_number(text)
    if number is None:
        return text
    return _NAMES.get(number, str(number))


def protocol_before(rule: Rule, opt: Option) -> str:
    """The -p written before ``opt`` (named as :func:`rule_protocol` names it; `!tcp` when it is
    inverted), or "" when none comes before it: what iptables knows when it parses that option."""
    builtin = rule.match("builtin")
    popt = builtin.option("protocol") if builtin is not None else None
    if popt is None or not popt.values or \
            (popt.span.line, popt.span.column) > (opt.span.line, opt.span.column):
        return ""
    if popt.negated:
        number = protocol_number(popt.values[0])
        return "!" + (_NAMES.get(number, str(number)) if number is not None else popt.values[0])
    return rule_protocol(rule) or ""


def placeholder(opt: Option) -> bool:
    """The value is not one: a script variable the script front end could not resolve, or
    template syntax (`{{ subnet }}`, reported as FW109)."""
    if opt.unresolved:
        return True
    for v in opt.values:
        if "{" in v and ("{{" in v or "{%" in v):
            return True
    return False


def unresolved_name(name: str) -> bool:
    """A match or target name that is a script variable's placeholder ($MOD)."""
    return "$" in name


def shown(opt: Option) -> str:
    """The option as written, with its values: `! --dport 22`."""
    words = [opt.written, *(_quote(v) for v in opt.values)]
    return ("! " if opt.negated else "") + " ".join(words)


def _quote(value: str) -> str:
    return f'"{value}"' if not value or any(c.isspace() for c in value) else value


def match_name_span(ruleset: Ruleset, match: Match) -> Span:
    """The span of `-m NAME` of an explicitly loaded match (its span runs on over its options)."""
    s = match.span
    if match.implicit:
        return s
    lines = ruleset.source.split("\n")
    if not 1 <= s.line <= len(lines):
        return s
    line = lines[s.line - 1]
    idx = line.find(match.name, s.column - 1)
    if idx == -1:
        return s
    end = idx + len(match.name) + 1
    if end <= len(line) and line[end - 1:end] == '"':
        end += 1
    return Span(s.file, s.line, s.column, s.line, end)
