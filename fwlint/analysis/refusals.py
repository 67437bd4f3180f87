"""What iptables or the kernel refuses in a rule's options, whatever the meanings read.

A match's ``meaning`` reads the options it needs and refuses the values it cannot take; the
options it does not read (a LOG prefix, a stray ``!``, a value for an option its ``validate``
rejects together with another) would otherwise leave a refused rule in the model, where it
could cause findings about the rules after it.  :func:`refusal` applies the checks the
validity rules (FW108, FW112, FW116) make at error level to every known match and target of
a rule: a ``!`` on an option that takes none, a missing value, a value iptables refuses, a
refused ``validate`` problem, two options of an exclusive group, none of a required group.
"""

from __future__ import annotations

from fwlint.ast import Match, Rule, Ruleset, Target
from fwlint.extensions import Extension, Registry
from fwlint.extensions.values import BadValue, NeedsProtocol, Unresolved, WrongFamily
from fwlint.rules.validity._options import protocol_before


def _placeholder(opt) -> bool:
    if getattr(opt, "unresolved", False):
        return True
    return any("{" in v and ("{{" in v or "{%" in v) for v in opt.values)


def _node_refusal(rule: Rule, node: Match | Target, ext: Extension, family: int) -> str | None:
    if ext.removed:
        return f"the kernel has no such {ext.kind} any more ({ext.removed})"
    options = node.options
    if any(_placeholder(o) for o in options):
        return None  # its values are not known: the meaning approximates it
    shape = _shape(ext, family, tuple([(o.name, o.known, o.negated, len(o.values), o.written)
                                       for o in options]))
    for opt, (why, types) in zip(options, shape[0]):
        if why is not None:
            return why
        for vtype, text in zip(types, opt.values):
            protocol = protocol_before(rule, opt) if vtype.with_protocol is not None else None
            try:
                vtype.check(text, family, protocol)
            except Unresolved:
                continue  # a host name: looked up when the rules are loaded (approximated)
            except (WrongFamily, NeedsProtocol, BadValue) as err:  # FW111, FW108 / FW114, FW108
                return f"{opt.written}: {err}"
    if shape[1] is not None:
        return shape[1]
    if ext.validate is not None:
        for problem in ext.validate(options, family):
            if problem.refused:
                return problem.message
    return None


_SHAPES: dict[tuple, tuple] = {}


def _shape(ext: Extension, family: int, given_options: tuple) -> tuple:
    """What ``_node_refusal`` finds from the options' names, inversions and value counts alone
    (the same for every rule that writes them so): per option, the refusal or None and the
    value types to check; then the refusal of the group checks (exclusive, required) or None.
    Cached: a large ruleset writes few shapes."""
    key = (id(ext), family, given_options)
    hit = _SHAPES.get(key)
    if hit is not None and hit[2] is ext:
        return hit
    per_option: list[tuple[str | None, tuple]] = []
    given: set[str] = set()  # the canonical names of the options given
    group = None
    for name, known, negated, count, written in given_options:
        spec = ext.option(name) if known else None
        if spec is None:
            per_option.append((None, ()))  # FW102: the meanings refuse it
            continue
        why = None
        if spec.family is not None and spec.family != family:
            why = f"{written} exists only in IPv{spec.family} rules"
        elif negated and not spec.invertible:
            why = f"{written} cannot be inverted with `!`"
        elif count < len(spec.value_types()):
            why = f"{written} lacks a value"
        if why is not None:  # the refusal stops at this option: the others are never read
            per_option.append((why, ()))
            break
        given.add(spec.name)
        per_option.append((None, spec.value_types()))
    else:
        group = _group_refusal(ext, given)
    if len(_SHAPES) > 4096:
        _SHAPES.clear()
    hit = _SHAPES[key] = (per_option, group, ext)
    return hit


def _group_refusal(ext: Extension, given: set[str]) -> str | None:
    """Two options of an exclusive group, or none of a required one (canonical names given)."""
    if ext.elements is None:
        for group in ext.exclusive:
            both = _canonical(ext, group) & given
            if len(both) > 1:
                return f"--{' and --'.join(sorted(both))} exclude each other"
    for group in ext.required:
        if not _canonical(ext, group) & given:
            return f"needs one of --{', --'.join(sorted(group))}"
    return None


def _canonical(ext: Extension, group: frozenset[str]) -> set[str]:
    out: set[str] = set()
    for name in group:
        spec = ext.option(name)
        out.add(spec.name if spec is not None else name)
    return out


def match_refusal(rule: Rule, registry: Registry, family: int) -> str | None:
    """Why iptables or the kernel would refuse one of the rule's known matches for its options
    (None: nothing found here)."""
    for m in rule.matches:
        if not m.known:
            continue
        ext = registry.builtin if m.name == "builtin" else registry.match(m.name)
        if ext is None or (ext.family is not None and ext.family != family):
            continue
        why = _node_refusal(rule, m, ext, family)
        if why is not None:
            return why if m.name == "builtin" else f"-m {m.name}: {why}"
    return None


def target_refusal(rule: Rule, registry: Registry, family: int) -> str | None:
    """Why iptables or the kernel would refuse the rule's known target for its options."""
    t = rule.target
    if t is not None:
        ext = registry.target(t.name)
        if ext is not None and (ext.family is None or ext.family == family):
            why = _node_refusal(rule, t, ext, family)
            if why is not None:
                return f"-j {t.name}: {why}"
    return None


def syntax_lines(ruleset: Ruleset) -> frozenset[tuple[str, int]]:
    """The (file, line) of each syntax problem iptables-restore refuses (FW109): a rule on
    such a line is not loaded as written."""
    return frozenset((p.span.file, p.span.line) for p in ruleset.problems if not p.warning)
