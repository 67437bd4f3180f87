"""The extension model: what each iptables match and target is.

One module per extension, in :mod:`fwlint.extensions.matches` and
:mod:`fwlint.extensions.targets` (kept apart so that ``mark`` and ``MARK`` can
sit side by side on a case-insensitive file system).  Each module defines
``EXTENSION``, an :class:`Extension` declaring the options (long and short
names, aliases, arity, value type, whether ``!`` may precede them), where the
extension is valid (tables, chains, protocol, family) and, for the later
stages, its packet-space meaning and nftables form.  Parsing, the validity
rules, the analysis and the translator all read this one declaration.

Plugins add extensions through the ``fwlint_extensions`` hook.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from fwlint.extensions.values import ANY, ValueType

if TYPE_CHECKING:
    from fwlint.ast import Option, Rule as AstRule


@dataclass(frozen=True)
class OptionSpec:
    """One option: ``--dport`` (alias ``--destination-port``), one port range, invertible."""

    name: str
    arity: int = 1
    value: ValueType | tuple[ValueType, ...] = ANY
    invertible: bool = False
    short: str | None = None
    aliases: tuple[str, ...] = ()
    help: str = ""
    family: int | None = None  # 4 or 6: an option only that family's iptables has (-f, --ahlen)

    def __post_init__(self) -> None:
        types = self.value if isinstance(self.value, tuple) else (self.value,) * self.arity
        object.__setattr__(self, "_value_types", types)  # asked for each value read: made once

    def value_types(self) -> tuple[ValueType, ...]:
        return self._value_types  # type: ignore[attr-defined]

    @property
    def long_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Placement:
    """A limit on where a match or target may stand that comes from one of its options.

    The kernel accepts ``option`` (its long name) only from the built-in chains ``chains``
    (hooks), only in a rule whose ``-p`` is one of ``protocols``; ``unmet`` is a requirement on
    the rest of the rule that it fails, in words ("a match on TCP SYN packets").  None: no limit
    of that kind.  ``enforced`` False: the kernel accepts the option outside ``chains`` too, but
    it can never match there.  ``note``: added to the finding (how to lift the limit).
    ``family``: 4 or 6 when the limit holds in that family only (IPv4's ah match needs -p ah,
    IPv6's finds the header itself).
    """

    option: str
    chains: frozenset[str] | None = None
    protocols: frozenset[str] | None = None
    unmet: str | None = None
    enforced: bool = True
    note: str = ""
    family: int | None = None


@dataclass(frozen=True)
class Opaque:
    """``meaning=`` of an extension the analysis does not model, and why (the analysis
    approximates it soundly: see :class:`Extension`)."""

    why: str


@dataclass(frozen=True)
class NoNft:
    """``nft=`` of an extension nftables cannot express, and why: the translator reports each
    rule using it as untranslatable (FW601) with this reason."""

    why: str


@dataclass(frozen=True)
class ValueProblem:
    """What an extension's ``validate`` finds in the options of one match or target: ``option``
    (its long name) has a value iptables refuses (``refused``) or takes but changes or can
    never match (not ``refused``)."""

    option: str
    message: str
    refused: bool = True


@dataclass(frozen=True)
class Extension:
    """A match (``-m NAME``) or a target (``-j NAME``).

    ``tables`` / ``chains``: where it is valid (None: anywhere).  ``chains``
    names the built-in chains (hooks) it may be reached from.
    ``protocols``: the ``-p`` values it needs (None: any).  ``family``: 4 or 6
    when it exists in one family only.  ``implied_by``: protocol names that
    load it without ``-m`` (``-p tcp --dport 22``).  ``terminal``: a target
    that decides the packet's fate (ACCEPT, DROP, REJECT, DNAT ...); the
    others (LOG, MARK ...) let it continue.  ``placement(options, rule)``
    yields the :class:`Placement` limits that depend on the options given
    (``--limit-iface-in`` only before routing, ``--reject-with tcp-reset``
    only with ``-p tcp``).  ``meaning`` and ``nft`` are filled
    by the analysis and translation stages; None means "not modelled" and
    those stages approximate soundly or report it.

    ``meaning`` (the analysis, :mod:`fwlint.analysis.meaning`): for a match,
    ``meaning(match, enc)`` returns the packets the match takes as a BDD (or
    an upper and a lower bound, ``enc.opaque(...)``, for what is not
    modelled), built with the context's field encoders; for a target,
    ``meaning(target, enc)`` returns an Action (``enc.decide(outcome)``,
    ``enc.go_on(*header_changes)``, ``enc.maybe(...)``, ``enc.returns()``).
    Either calls ``enc.refuse(why)`` for what the kernel would not load.
    An :class:`Opaque` instead of a callable says the extension is
    deliberately not modelled: a match may take any packet and surely takes
    none, a target decides (``terminal``) or lets packets go on changed in
    any way.

    ``concrete`` (the packet trace, :mod:`fwlint.analysis.evaluate`): for a
    match, ``concrete(match, pkt)`` judges one packet: True, False or
    ``pkt.unknown(why)``, from ``pkt.test(field, predicate)`` and the
    three-valued ``pkt.all``/``pkt.any``/``pkt.invert``; it refuses what
    ``meaning`` refuses.  A match without it is unknown in the trace.  For a
    target, ``concrete(target, ctx)`` is needed only where ``meaning`` does
    not say enough for one packet (how NAT rewrites it: ``ctx.nat_destination``,
    ``ctx.masquerade`` ...); the trace reads the other targets' ``meaning``.

    ``nft`` (the translator, :mod:`fwlint.nft.context`): for a match, ``nft(match, ctx)``
    returns the nft relations and matching statements that take the same packets (built with
    the context's ``ctx.match``, ``ctx.payload``, ``ctx.meta`` ...), or ``ctx.any_of(...)``
    for a disjunction nft cannot write in one rule; for a target, ``nft(target, ctx)`` returns
    the statements that do the same.  Either calls ``ctx.refuse(why)`` for what nftables cannot
    express and ``ctx.approximate(what differs)`` for what it expresses only approximately.  A
    :class:`NoNft` instead of a callable declares that the extension has no nftables form.

    ``exclusive``: sets of option names (long names) of which one match or
    target may carry only one (multiport's --sports/--dports/--ports, tcp's
    --syn/--tcp-flags).  Each option may be given once per match;
    ``elements`` = (separator, options) lets those options come once per
    element, the separator option starting the next (policy's --next).
    ``required``: sets of option names of which at least one must be given.
    ``removed``: the kernel no longer has the extension (iptables still knows it): since
    when, and what replaces it; a rule with it is refused on any current kernel.
    ``validate(options, family)`` yields :class:`ValueProblem` for what
    depends on several options at once (limit's rate times its burst).
    """

    name: str
    kind: str  # "match" or "target"
    options: tuple[OptionSpec, ...] = ()
    summary: str = ""
    tables: frozenset[str] | None = None
    chains: frozenset[str] | None = None
    protocols: frozenset[str] | None = None
    family: int | None = None
    implied_by: frozenset[str] = frozenset()
    terminal: bool = False
    loadable: bool = True
    removed: str | None = None
    placement: Callable[[tuple["Option", ...], "AstRule"], Iterable[Placement]] | None = None
    exclusive: tuple[frozenset[str], ...] = ()
    required: tuple[frozenset[str], ...] = ()
    elements: tuple[str, frozenset[str]] | None = None
    validate: Callable[[tuple["Option", ...], int], Iterable[ValueProblem]] | None = None
    meaning: Callable[..., Any] | Opaque | None = None
    nft: Callable[..., Any] | NoNft | None = None
    concrete: Callable[..., Any] | None = None
    _by_name: dict[str, OptionSpec] = field(default=None, init=False, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        by_name: dict[str, OptionSpec] = {}
        for spec in self.options:
            for n in spec.long_names:
                by_name[n] = spec
        object.__setattr__(self, "_by_name", by_name)

    def option(self, name: str) -> OptionSpec | None:
        """The option with this exact long name or alias (no dashes)."""
        return self._by_name.get(name)

    def long_names(self) -> Iterable[tuple[str, OptionSpec]]:
        return self._by_name.items()

    def short_option(self, letter: str) -> OptionSpec | None:
        for spec in self.options:
            if spec.short == letter:
                return spec
        return None


def match(name: str, *options: OptionSpec, **kw: Any) -> Extension:
    return Extension(name=name, kind="match", options=tuple(options), **kw)


def target(name: str, *options: OptionSpec, **kw: Any) -> Extension:
    return Extension(name=name, kind="target", options=tuple(options), **kw)


class Registry:
    """All known extensions, by kind and name."""

    def __init__(self, extensions: Iterable[Extension] = ()) -> None:
        self.matches: dict[str, Extension] = {}
        self.targets: dict[str, Extension] = {}
        self.builtin: Extension | None = None
        self.by_protocol: dict[str, Extension] = {}
        for ext in extensions:
            self.add(ext)

    def add(self, ext: Extension) -> None:
        if ext.kind == "target":
            self.targets[ext.name] = ext
        elif ext.name == "builtin":
            self.builtin = ext
        else:
            self.matches[ext.name] = ext
            for proto in ext.implied_by:
                self.by_protocol[proto] = ext

    def match(self, name: str) -> Extension | None:
        ext = self.matches.get(name)
        return ext if ext is not None and ext.loadable else None

    def target(self, name: str) -> Extension | None:
        return self.targets.get(name)

    def implied_match(self, protocol: str | None) -> Extension | None:
        if protocol is None:
            return None
        return self.by_protocol.get(protocol.lower())


def builtin_extensions() -> list[Extension]:
    """Every extension module shipped with fwlint."""
    found: list[Extension] = []
    for package in ("fwlint.extensions.matches", "fwlint.extensions.targets"):
        pkg = importlib.import_module(package)
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            module = importlib.import_module(f"{package}.{info.name}")
            ext = getattr(module, "EXTENSION", None)
            if isinstance(ext, Extension):
                found.append(ext)
            found.extend(getattr(module, "EXTENSIONS", ()))
    return found


def _value_key(match_name: str, opt: "Option", registry: Registry, family: int) -> tuple[str, ...]:
    """The values of ``opt`` as its value types read them (``ssh`` and ``22`` alike), each as
    text; a value the type refuses stays as written."""
    values = opt.values
    ext = registry.builtin if match_name == "builtin" else registry.match(match_name)
    spec = ext.option(opt.name) if ext is not None else None
    types = spec.value_types() if spec is not None else ()
    if len(types) != len(values):
        return values
    out = []
    for vt, text in zip(types, values):
        try:
            out.append(repr(vt.parse(text, family)))
        except ValueError:  # BadValue too: keep the text as written
            out.append(text)
    return tuple(out)


def rule_key(rule: "AstRule", registry: Registry, family: int, *,
             ignore_comments: bool = False, cache: dict | None = None) -> tuple:
    """What a rule does, whatever the order and spelling of its matches and options
    (`-p tcp --dport ssh` is `-p tcp -m tcp --dport 22`).  Used to find duplicates and,
    as iptables -D does, the rule a delete names.  ``cache``: a dict kept between the calls
    for the rules of one ruleset, of one family (its values repeat: each is read once)."""
    matches = []
    for m in rule.matches:
        name = m.name
        if ignore_comments and name == "comment":
            continue
        opts = []
        for o in m.options:
            values = o.values
            if not values:
                read = values
            elif cache is None:
                read = _value_key(name, o, registry, family)
            else:
                cache_key = (name, o.name, values)
                read = cache.get(cache_key)
                if read is None:
                    read = cache[cache_key] = _value_key(name, o, registry, family)
            opts.append((o.name, o.negated, read))
        if len(opts) > 1:
            opts.sort()
        matches.append((name, tuple(opts)))
    if len(matches) > 1:
        matches.sort()
    target = None
    if rule.target is not None:
        target = (rule.target.name, rule.target.goto,
                  tuple(sorted((o.name, o.values) for o in rule.target.options)))
    unclaimed = tuple(sorted((o.name, o.values, o.negated) for o in rule.unclaimed)) if rule.unclaimed else ()
    return (tuple(matches), target, unclaimed)


_default: Registry | None = None


def default_registry() -> Registry:
    """The registry with fwlint's own extensions and those plugins add."""
    global _default
    if _default is None:
        from fwlint.plugins import plugin_extensions

        _default = Registry(plugin_extensions())
    return _default


def reset_default_registry() -> None:
    global _default
    _default = None
