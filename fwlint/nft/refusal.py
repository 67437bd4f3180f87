"""The translator's validity pass: :class:`~fwlint.parse.script_lint.ValidityRefusal`'s answer
(whether iptables refuses a rule, and the first error that says so), asked of every rule of a
translation, so with the work it does not need left out:

- a validity rule that reports warnings only (``only_warnings``, such as FW113) cannot refuse a
  rule, so it is not asked;
- where a rule holds values a script could not resolve is worked out only when an error is
  found (the error does not count when it is about such a value);
- the rules that decide from a rule's shape alone (``SHAPE_RULES``: which matches, options and
  target it has, its ``-p``, ``-i`` and ``-o``, and where its chain is reached from; the values
  of other options appear in their messages only) are asked once per shape: a shape they find
  no error in is not asked about again, and for a shape they find one in they are asked about
  each rule, for its own message.  The values themselves (FW108, FW111) are checked for every
  rule.  A rule with placeholders, unclaimed options or an extension whose placement depends on
  its options is not taken by shape;
- for a rule taken by shape, FW108 and FW111 are asked only when :func:`values_clean` cannot
  tell that neither finds an error: the readings of its values (cached, as those rules read
  them), the families of its extensions and options, the extensions' own checks (``validate``)
  and `! -p all`, in one pass without making findings.  When it cannot tell (an error, or
  anything it does not decide), the two rules are asked as before.
"""

from __future__ import annotations

from fwlint.ast import Chain, Rule, Table
from fwlint.extensions import Registry
from fwlint.extensions.values import _read, _Refusal
from fwlint.lint.diagnostic import Severity
from fwlint.parse.script_lint import ValidityRefusal, _within, placeholder_spans
from fwlint.rules.validity._options import holders, placeholder, protocol_before, protocol_number
from fwlint.rules.validity.invalid_value import InvalidValue
from fwlint.rules.validity.wrong_family import WrongFamily

SHAPE_RULES = frozenset({"FW101", "FW102", "FW103", "FW104", "FW105", "FW106", "FW110", "FW112", "FW114",
                         "FW116"})
"""The validity rules whose findings of errors depend on a rule's shape only (see the module's
documentation)."""

_ADDRESSES = frozenset({"source", "destination"})
_USER_CHAIN = object()


class TranslationRefusal(ValidityRefusal):
    """A ValidityRefusal that answers as it does, with less work."""

    def __init__(self, registry: Registry | None = None) -> None:
        super().__init__(registry)
        self.rules = [r for r in self.rules if not getattr(r, "only_warnings", False)]
        self._by_shape = [type(r).__module__.startswith("fwlint.rules.validity.") and r.code in SHAPE_RULES
                          for r in self.rules]
        self._clean: dict[tuple, tuple[bool, ...]] = {}  # shape -> for each shape rule: no error
        self._by_values = [type(r) is InvalidValue or type(r) is WrongFamily for r in self.rules]
        # every rule asked by shape or by values: a clean shape with clean values is answered at once
        self._covered = all(a or b for a, b in zip(self._by_shape, self._by_values))
        self._shape_count = sum(self._by_shape)
        self._tables: dict[int, tuple[Table, frozenset[str]]] = {}
        self._free: dict[str, bool] = {}  # a match's name -> no option of it limits where it stands
        self._targets: dict[str, tuple[bool, bool]] = {}  # a -j name -> (a target, placeable)
        self._callers: dict[int, tuple[Table, dict]] = {}  # the chain callers of a table, by id

    def __call__(self, rule: Rule, table: Table, chain: Chain | None, family: int) -> str | None:
        ctx = self._context(table, family, rule.span.file)
        ctx.chain = chain
        shape = self._shape(rule, table, chain, family, ctx)
        clean: tuple[bool, ...] = ()
        if shape is not None:
            found = self._clean.get(shape)
            if found is None:
                try:
                    found = self._clean[shape] = tuple(
                        not any(d.severity >= Severity.ERROR for d in r.check_rule(rule, ctx))
                        for r, by_shape in zip(self.rules, self._by_shape) if by_shape)
                except Exception:  # noqa: BLE001 - asked one by one below, as ValidityRefusal asks
                    found = ()
            clean = found
        try:
            values_ok = shape is not None and values_clean(rule, ctx.ruleset.family, ctx.registry)
        except Exception:  # noqa: BLE001 - FW108 and FW111 are asked, in their turn, as before
            values_ok = False
        if values_ok and self._covered and len(clean) == self._shape_count and all(clean):
            return None
        unknown = None
        error = Severity.ERROR
        at = 0
        for lint_rule, by_shape, by_values in zip(self.rules, self._by_shape, self._by_values):
            if by_shape:
                at += 1
                if clean and clean[at - 1]:
                    continue
            elif by_values and values_ok:
                continue
            for d in lint_rule.check_rule(rule, ctx):
                if d.severity < error:
                    continue
                if unknown is None:
                    unknown = placeholder_spans(rule)
                if any(_within(d.span, s) for s in unknown):
                    continue
                return f"{d.code} {d.message}"
        return None

    def _user_chains(self, table: Table) -> frozenset[str]:
        known = self._tables.get(id(table))
        if known is None or known[0] is not table:
            users = frozenset(c.name for c in table.chains if not c.builtin)
            known = self._tables[id(table)] = (table, users)
        return known[1]

    def _shape(self, rule: Rule, table: Table, chain: Chain | None, family: int, ctx) -> tuple | None:
        """What the shape rules decide from, or None when the rule is not taken by shape."""
        if chain is None or rule.unresolved or rule.unclaimed or rule.chain.startswith(("$", "`")):
            return None
        user_chains = self._user_chains(table)  # (which keeps the table, so its id stays its own)
        free = self._free  # an extension's name -> whether no option of it limits where it stands
        matches = []
        for m in rule.matches:
            name = m.name
            placeable = free.get(name)
            if placeable is None:
                ext = self.registry.builtin if name == "builtin" else self.registry.match(name)
                placeable = free[name] = ext is None or ext.placement is None
            if not placeable:
                return None
            options = m.options
            for o in options:
                if o.unresolved:
                    return None
            if name == "builtin":
                shapes = tuple((o.name, o.known, o.negated, o.values if o.name not in _ADDRESSES
                                else len(o.values)) for o in options)
            else:
                shapes = tuple((o.name, o.known, o.negated, len(o.values)) for o in options)
            matches.append((name, m.known, m.implicit, shapes))
        target = rule.target
        target_shape = None
        if target is not None:
            name = target.name
            if name.startswith(("$", "`")):
                return None
            known = self._targets.get(name)
            if known is None:
                ext = self.registry.target(name)
                known = self._targets[name] = (ext is not None, ext is None or ext.placement is None)
            if not known[1]:
                return None
            if not known[0] and name in user_chains:
                name = _USER_CHAIN  # which user chain does not matter, only that it is one
            options = target.options
            for o in options:
                if o.unresolved:
                    return None
            target_shape = (name, target.goto, tuple((o.name, o.known, o.negated, len(o.values))
                                                      for o in options))
        if chain.builtin:
            where = (True, chain.name)
        else:
            callers = self._callers.get(id(table))
            if callers is None or callers[0] is not table:
                from fwlint.lint.facts import chain_callers

                callers = self._callers[id(table)] = (table, chain_callers(ctx, table))
            where = (False, callers[1].get(chain.name, frozenset()))
        return (id(table), family, where, tuple(matches), target_shape)


def values_clean(rule: Rule, family: int, registry: Registry) -> bool:
    """True when neither FW108 (InvalidValue) nor FW111 (WrongFamily) finds an error in ``rule``:
    every value of a known option reads without error (with the -p before it where its type
    depends on the protocol, as FW108 reads it, and without, as FW111 does), no extension or
    option is of the other family, no option is inverted that cannot be or lacks values, no
    extension's ``validate`` reports a refusal, and the rule is not `! -p all`.  False also for
    what this does not decide (a placeholder, a whole-word value): the rules are asked then."""
    for holder in holders(rule, registry):
        ext, node = holder.ext, holder.node
        if ext.family is not None and ext.family != family:
            return False
        options = node.options
        for opt in options:
            spec = ext.option(opt.name) if opt.known else None
            if spec is None:
                continue
            if spec.family is not None and spec.family != family:
                return False
            if opt.unresolved or (opt.negated and not spec.invertible):
                return False
            types = spec.value_types()
            values = opt.values
            if len(values) < len(types):
                return False
            if values and values[0] == opt.written:
                return False  # perhaps a whole word (-ieth0): FW108 says what iptables reads
            for vtype, text in zip(types, values):
                if "{" in text:
                    return False  # perhaps template syntax
                if isinstance(_read(vtype, text, family, None), _Refusal):
                    return False
                if vtype.with_protocol is not None and \
                        isinstance(_read(vtype, text, family, protocol_before(rule, opt)), _Refusal):
                    return False
        if ext.validate is not None and (any(placeholder(o) for o in options) or
                                         any(problem.refused for problem in ext.validate(options, family))):
            return False
    builtin = rule.match("builtin")
    popt = builtin.option("protocol") if builtin is not None else None
    return popt is None or not popt.negated or not popt.values or protocol_number(popt.values[0]) != 0
