"""The kernel's tables as a firewall script changes them, command by command.

A script starts from an empty machine: each table appears, with its built-in chains and their
ACCEPT policies, when a command first uses it (which is also the order the kernel registers
them in a fresh network namespace).  Commands are replayed as iptables does them:

* ``-A`` ``-I [n]`` ``-R n`` add or replace a rule; the chain must exist, the position must be
  in range;
* ``-D`` by number or by rule (compared as ``iptables -D`` compares, whatever the spelling);
* ``-N`` ``-X [chain]`` ``-F [chain]`` ``-Z`` ``-P chain policy`` ``-E old new``;
* an ``iptables-restore`` input replaces each table it names (``--noflush``: adds to it).

What the machine was like before the script ran is unknown, so deleting or flushing what the
script never made is not reported: it may well exist there.  A command that cannot work even
so (``-N`` of a chain the script made already, ``-I`` past the end, ``-P`` of a user chain ...)
is reported as a problem (FW109) and changes nothing.

Two modes.  For linting (``exact`` false) a rule goes into its chain whatever the validity
rules will say of it, as in a save file, so that FW101, FW103 ... report it at the script's
line.  For ``fwlint convert`` (``exact`` true) a rule is first put to ``refusal``, a callback
that runs the validity rules on it in the table as it stands; a rule with an error-severity
finding, an option nothing knows, or a jump to a chain that does not exist (yet) is refused
and left out, as iptables leaves it out; an ``iptables-restore`` table with such a rule is not
applied at all.

When linting, a rule that a later command takes away again (``-F``, ``-D``, ``-R``, an
``iptables-restore`` that replaces the table: a ``stop`` function after a ``start`` one, read
in textual order) is not in the final tables, yet its command ran and iptables may have refused
it then.  Each such rule is kept as a step ``removed`` (``after``: the table as it was just before
the rule went, the rule still in it), so that the lint engine checks it where it stood.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Callable

from fwlint.ast import BUILTIN_CHAINS, Chain, Rule, ScriptStep, Span, SyntaxProblem, Table
from fwlint.extensions import Registry, rule_key
from fwlint.parse.builder import CommandLine

MAX_CHAIN_NAME = 28  # XT_EXTENSION_MAXNAMELEN - 1
POLICIES = ("ACCEPT", "DROP")

# refusal(rule, table as it stands, chain or None, family) -> why iptables refuses it, or None.
Refusal = Callable[[Rule, Table, "Chain | None", int], "str | None"]


@dataclass
class ChainState:
    name: str
    builtin: bool
    policy: str | None
    span: Span | None
    declared: bool
    rules: list[Rule] = field(default_factory=list)
    jumps: int = 0  # bumped whenever a rule that jumps to a chain enters or leaves
    _frozen: Chain | None = field(default=None, repr=False)

    def changed(self) -> None:
        self._frozen = None

    def freeze(self) -> Chain:
        if self._frozen is None:
            self._frozen = Chain(self.name, self.policy, tuple(self.rules), self.span, self.builtin,
                                 None, self.declared)
        return self._frozen


@dataclass
class TableState:
    name: str
    span: Span
    chains: dict[str, ChainState] = field(default_factory=dict)
    structure: int = 0  # bumped whenever a chain comes, goes, is renamed or gets a policy
    _skeleton: tuple[tuple, Table] | None = field(default=None, repr=False)

    @classmethod
    def fresh(cls, name: str, span: Span) -> TableState:
        table = cls(name, span)
        for chain in BUILTIN_CHAINS[name]:
            table.chains[chain] = ChainState(chain, True, "ACCEPT", None, False)
        return table

    def freeze(self) -> Table:
        builtin = [c for c in self.chains.values() if c.builtin]
        user = sorted((c for c in self.chains.values() if not c.builtin),
                      key=lambda c: c.name.encode())
        return Table(self.name, tuple(c.freeze() for c in (*builtin, *user)), self.span)

    def skeleton(self, jumps: Callable[[Rule], bool]) -> Table:
        """The table with only the rules that jump to a chain: all a validity check needs of the
        other rules (which chains exist, what calls what), and cheap to keep up to date, so that
        checking each rule of a long script does not rebuild the whole table every time."""
        key = (self.structure, tuple((c.name, c.jumps) for c in self.chains.values()))
        if self._skeleton is None or self._skeleton[0] != key:
            chains = [Chain(c.name, c.policy, tuple(r for r in c.rules if jumps(r)), c.span, c.builtin,
                            None, c.declared) for c in self.chains.values()]
            builtin = [c for c in chains if c.builtin]
            user = sorted((c for c in chains if not c.builtin), key=lambda c: c.name.encode())
            self._skeleton = (key, Table(self.name, (*builtin, *user), self.span))
        return self._skeleton[1]

    def references(self, name: str) -> list[Rule]:
        return [r for c in self.chains.values() for r in c.rules
                if r.target is not None and r.target.name == name]


@dataclass
class RestoreOptions:
    noflush: bool = False
    only_table: str | None = None
    test: bool = False


class Replay:
    """Every family's tables, and what happened to them."""

    def __init__(self, registry: Registry, refusal: Refusal | None = None, exact: bool = False) -> None:
        self.registry = registry
        self.refusal = refusal
        self.exact = exact
        self.families: dict[int, dict[str, TableState]] = {4: {}, 6: {}}
        self.used: set[int] = set()
        self.steps: list[ScriptStep] = []
        self.problems: list[SyntaxProblem] = []
        self._pending_targets: list[tuple[int, str, Rule]] = []

    # --- helpers ------------------------------------------------------------------------------

    def problem(self, message: str, span: Span) -> None:
        self.problems.append(SyntaxProblem(message, span))

    def table(self, family: int, name: str, span: Span, report: bool = True) -> TableState | None:
        tables = self.families[family]
        if name in tables:
            return tables[name]
        if name not in BUILTIN_CHAINS:
            if report:
                self.problem(f"-t {name}: no such table (iptables has "
                             + ", ".join(BUILTIN_CHAINS) + "); iptables refuses this command", span)
            return None
        tables[name] = TableState.fresh(name, span)
        return tables[name]

    def step(self, command: str, family: int, table: str, chain: str | None, span: Span,
             rule: Rule | None = None, args: tuple[str, ...] = (), refused: str = "",
             after: Table | None = None) -> None:
        self.used.add(family)
        self.steps.append(ScriptStep(command, family, table, chain, span, rule, args, refused, after))

    def forget(self, family: int, table: TableState, chains: list[ChainState]) -> None:
        """Before the rules of ``chains`` go (lint mode): keep each one, with the table as it
        stands now, as a ``removed`` step (see the module's docstring)."""
        if self.exact or not any(c.rules for c in chains):
            return
        before = table.freeze()
        for c in chains:
            for rule in c.rules:
                self.step("removed", family, table.name, c.name, rule.span, rule, after=before)

    def _forget_rule(self, family: int, table: TableState, chain: ChainState, index: int) -> None:
        if self.exact:
            return
        before = table.freeze()
        rule = chain.rules[index]
        self.step("removed", family, table.name, chain.name, rule.span, rule, after=before)

    def jumps(self, rule: Rule) -> bool:
        """Whether the rule's target is (or may be) a chain rather than a target extension."""
        return rule.target is not None and self.registry.target(rule.target.name) is None

    def _target_exists(self, rule: Rule, table: TableState) -> bool:
        t = rule.target
        if t is None:
            return True
        if self.registry.target(t.name) is not None:
            return True
        chain = table.chains.get(t.name)
        return chain is not None and not chain.builtin

    def _refused(self, rule: Rule, table: TableState, chain: ChainState | None, family: int) -> str | None:
        """Why iptables would refuse ``rule`` here (exact mode only), else None."""
        if not self.exact:
            return None
        if self.refusal is not None:
            skeleton = table.skeleton(self.jumps)
            why = self.refusal(rule, skeleton, skeleton.chain(chain.name) if chain else None, family)
            if why is not None:
                return why
        if rule.unclaimed:
            opt = rule.unclaimed[0]
            return f"unknown option {opt.written}" if opt.written else f"stray word {opt.value!r}"
        if not self._target_exists(rule, table):
            return f"no chain or target {rule.target.name} in table {table.name} (yet)"  # type: ignore[union-attr]
        return None

    # --- commands -------------------------------------------------------------------------------

    def run(self, cmd: CommandLine, family: int, table_name: str, span: Span,
            table_span: Span | None = None) -> None:
        """Replay one iptables command line (already built from its words); ``table_span``:
        where its -t value stands."""
        command = cmd.command
        self.used.add(family)
        if command in (None, "list", "list-rules", "check"):
            return
        if cmd.chain is None and command not in ("flush", "zero", "delete-chain"):
            return  # the builder reported the missing chain name
        table = self.table(family, table_name, table_span or span)
        if table is None:
            return
        if cmd.problems and self.exact:
            self.step(command, family, table.name, cmd.chain, span, cmd.rule,
                      refused=cmd.problems[0][0])
            return
        handler = getattr(self, "_" + command.replace("-", "_"))
        handler(cmd, family, table, span)

    def _chain_for_rule(self, cmd: CommandLine, family: int, table: TableState,
                        span: Span) -> ChainState | None:
        name = cmd.chain or ""
        chain = table.chains.get(name)
        if chain is None:
            where = cmd.chain_span or span
            if self.exact:
                self.step(cmd.command or "", family, table.name, name, span, cmd.rule,
                          refused=f"no chain {name} in table {table.name}")
            else:
                self.problem(f"-{(cmd.command or 'x')[0].upper()} {name}: no chain {name} in table "
                             f"{table.name} when this command runs (create it first with -N {name}); "
                             f"iptables refuses this command", where)
        return chain

    def _add(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> None:
        rule = cmd.rule
        if rule is None:
            return
        chain = self._chain_for_rule(cmd, family, table, span)
        if chain is None:
            return
        position = len(chain.rules) + 1
        if cmd.command == "insert":
            position = rule.position or 1
            if position > len(chain.rules) + 1 or position < 1:
                self._position_problem(cmd, family, table, chain, span, position, "insert")
                return
        elif cmd.command == "replace":
            position = rule.position or 0
            if not 1 <= position <= len(chain.rules):
                self._position_problem(cmd, family, table, chain, span, position, "replace")
                return
        why = self._refused(rule, table, chain, family)
        if why is not None:
            self.step(cmd.command or "", family, table.name, chain.name, span, rule, refused=why)
            return
        if not self.exact and not self._target_exists(rule, table):
            self._pending_targets.append((family, table.name, rule))
        if cmd.command == "replace":
            self._forget_rule(family, table, chain, position - 1)
            old = chain.rules[position - 1]
            chain.rules[position - 1] = rule
            if self.jumps(old) or self.jumps(rule):
                chain.jumps += 1
        else:
            chain.rules.insert(position - 1, rule)
            if self.jumps(rule):
                chain.jumps += 1
        chain.changed()
        self.step(cmd.command or "", family, table.name, chain.name, span, rule,
                  tuple(a.text for a in cmd.args))

    _append = _add
    _insert = _add
    _replace = _add

    def _position_problem(self, cmd: CommandLine, family: int, table: TableState, chain: ChainState,
                          span: Span, position: int, what: str) -> None:
        letter = "I" if what == "insert" else "R"
        have = len(chain.rules)
        why = (f"-{letter} {chain.name} {position}: the chain has {have} rule{'s' if have != 1 else ''} "
               f"when this command runs")
        if what == "insert":
            why += f" (-I takes 1 to {have + 1})"
        self.step(cmd.command or "", family, table.name, chain.name, span, cmd.rule, refused=why)
        if not self.exact:
            self.problem(why + "; iptables refuses this command", cmd.command_span or span)

    def _delete(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> None:
        chain = table.chains.get(cmd.chain or "")
        args = tuple(a.text for a in cmd.args)
        if chain is None:
            self.step("delete", family, table.name, cmd.chain, span, cmd.rule, args, refused="no such chain")
            return
        if args and args[0].isdigit():
            n = int(args[0])
            if 1 <= n <= len(chain.rules):
                self._forget_rule(family, table, chain, n - 1)
                if self.jumps(chain.rules[n - 1]):
                    chain.jumps += 1
                del chain.rules[n - 1]
                chain.changed()
                self.step("delete", family, table.name, chain.name, span, None, args)
            else:
                self.step("delete", family, table.name, chain.name, span, None, args, refused="no such rule")
            return
        if cmd.rule is None:
            return
        key = rule_key(cmd.rule, self.registry, family)
        for idx, existing in enumerate(chain.rules):
            if rule_key(existing, self.registry, family) == key:
                self._forget_rule(family, table, chain, idx)
                if self.jumps(existing):
                    chain.jumps += 1
                del chain.rules[idx]
                chain.changed()
                self.step("delete", family, table.name, chain.name, span, cmd.rule, args)
                return
        self.step("delete", family, table.name, chain.name, span, cmd.rule, args, refused="no such rule")

    def _new_chain(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> None:
        name = cmd.chain
        where = cmd.chain_span or span
        if not name:
            return
        why = None
        existing = table.chains.get(name)
        if existing is not None:
            made = f" (made at line {existing.span.line})" if existing.span and not existing.builtin else ""
            why = f"-N {name}: the chain exists already{made}"
        elif len(name) > MAX_CHAIN_NAME:
            why = f"-N {name}: a chain name has at most {MAX_CHAIN_NAME} characters, this one {len(name)}"
        elif self.registry.target(name) is not None:
            why = f"-N {name}: there is a target of that name; a chain may not take it"
        elif name.startswith(("-", "!")) or any(ch.isspace() for ch in name):
            why = f"-N {name!r}: not a valid chain name"
        if why is not None:
            self.step("new-chain", family, table.name, name, span, refused=why)
            self.problem(why + "; iptables refuses this command", where)
            return
        table.chains[name] = ChainState(name, False, None, span, True)
        table.structure += 1
        self.step("new-chain", family, table.name, name, span)

    def _delete_chain(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> None:
        name = cmd.chain
        if name is None:
            user = [c for c in table.chains.values() if not c.builtin]
            for c in user:
                why = self._undeletable(table, c)
                if why is not None:
                    self.step("delete-chain", family, table.name, None, span, refused=why)
                    self.problem(f"-X: {why}; iptables refuses this command and deletes no chain",
                                 cmd.command_span or span)
                    return
            for c in user:
                del table.chains[c.name]
                table.structure += 1
            self.step("delete-chain", family, table.name, None, span)
            return
        chain = table.chains.get(name)
        if chain is None:
            self.step("delete-chain", family, table.name, name, span, refused="no such chain")
            return
        why = "a built-in chain cannot be deleted" if chain.builtin else self._undeletable(table, chain)
        if why is not None:
            self.step("delete-chain", family, table.name, name, span, refused=why)
            self.problem(f"-X {name}: {why}; iptables refuses this command", cmd.chain_span or span)
            return
        del table.chains[name]
        table.structure += 1
        self.step("delete-chain", family, table.name, name, span)

    def _undeletable(self, table: TableState, chain: ChainState) -> str | None:
        """Why ``-X`` cannot delete ``chain`` (iptables checks the references first)."""
        refs = [r for r in table.references(chain.name) if r.chain != chain.name]
        if refs:
            return (f"chain {chain.name} is still the target of the rule at line {refs[0].span.line} "
                    f"(delete that rule first)")
        if chain.rules:
            n = len(chain.rules)
            return (f"chain {chain.name} still has {n} rule{'s' if n != 1 else ''} "
                    f"(flush it first: -F {chain.name})")
        return None

    def _flush(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> None:
        name = cmd.chain
        if name is None:
            self.forget(family, table, list(table.chains.values()))
            for c in table.chains.values():
                c.rules.clear()
                c.jumps += 1
                c.changed()
        else:
            chain = table.chains.get(name)
            if chain is None:
                self.step("flush", family, table.name, name, span, refused="no such chain")
                return
            self.forget(family, table, [chain])
            chain.rules.clear()
            chain.jumps += 1
            chain.changed()
        after = table.freeze() if table.name == "filter" else None
        self.step("flush", family, table.name, name, span, after=after)

    def _zero(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> None:
        self.step("zero", family, table.name, cmd.chain, span)

    def _policy(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> None:
        name = cmd.chain or ""
        policy = cmd.args[0].text if cmd.args else ""
        chain = table.chains.get(name)
        why = None
        if chain is None:
            why = (f"-P {name}: {table.name} has no built-in chain {name} (it has "
                   + ", ".join(BUILTIN_CHAINS[table.name]) + ")")
        elif not chain.builtin:
            why = f"-P {name}: only built-in chains have a policy; {name} is a user chain"
        elif policy not in POLICIES:
            hint = f" (did you mean {policy.upper()}?)" if policy.upper() in POLICIES else ""
            why = f"-P {name} {policy}: a policy is ACCEPT or DROP{hint}"
        if why is not None:
            self.step("policy", family, table.name, name, span, args=(policy,), refused=why)
            where = cmd.args[0].span if chain is not None and chain.builtin and cmd.args else \
                (cmd.chain_span or span)
            self.problem(why + "; iptables refuses this command", where)
            return
        assert chain is not None
        chain.policy = policy
        table.structure += 1
        chain.span = span
        chain.declared = True
        chain.changed()
        after = table.freeze() if table.name == "filter" else None
        self.step("policy", family, table.name, name, span, args=(policy,), after=after)

    def _rename_chain(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> None:
        old = cmd.chain or ""
        new = cmd.args[0].text if cmd.args else ""
        chain = table.chains.get(old)
        if chain is None:
            self.step("rename-chain", family, table.name, old, span, args=(new,), refused="no such chain")
            return
        why = None
        if chain.builtin:
            why = f"-E {old}: a built-in chain cannot be renamed"
        elif new in table.chains:
            why = f"-E {old} {new}: there is a chain {new} already"
        elif not new or len(new) > MAX_CHAIN_NAME:
            why = f"-E {old} {new!r}: not a valid chain name"
        if why is not None:
            self.step("rename-chain", family, table.name, old, span, args=(new,), refused=why)
            self.problem(why + "; iptables refuses this command", cmd.chain_span or span)
            return
        chain.name = new
        chain.rules = [dataclasses.replace(r, chain=new) for r in chain.rules]
        table.chains = {(new if k == old else k): v for k, v in table.chains.items()}
        table.structure += 1
        for c in table.chains.values():
            changed = False
            for i, r in enumerate(c.rules):
                if r.target is not None and r.target.name == old:
                    c.rules[i] = dataclasses.replace(r, target=dataclasses.replace(r.target, name=new))
                    changed = True
            if changed or c is chain:
                c.changed()
        self.step("rename-chain", family, table.name, old, span, args=(new,))

    # --- iptables-restore ----------------------------------------------------------------------

    def begin_restore_table(self, family: int, name: str, span: Span, options: RestoreOptions
                            ) -> tuple[TableState | None, TableState | None]:
        """Start a ``*table`` block of a restore input: the table (flushed unless --noflush) and a
        copy of it as it was, to go back to when the block fails (exact mode)."""
        self.used.add(family)
        existed = name in self.families[family]
        table = self.table(family, name, span)
        if table is None:
            return None, None
        saved = copy.deepcopy(table) if existed else None
        if not options.noflush:
            self.forget(family, table, list(table.chains.values()))
            for c in list(table.chains.values()):
                if c.builtin:
                    c.rules.clear()
                    c.jumps += 1
                    c.changed()
                else:
                    del table.chains[c.name]
                    table.structure += 1
        self.step("restore", family, name, None, span)
        return table, saved

    def abandon_restore_table(self, family: int, table: TableState, saved: TableState | None) -> None:
        if saved is None:
            del self.families[family][table.name]
        else:
            self.families[family][table.name] = saved

    def declare_chain(self, family: int, table: TableState, name: str, policy: str, span: Span,
                      policy_span: Span, options: RestoreOptions) -> bool:
        """``:NAME POLICY`` in a restore input; False when iptables-restore fails on it."""
        builtin = name in BUILTIN_CHAINS[table.name]
        if builtin:
            if policy != "-" and policy not in POLICIES:  # -: the policy stays as it is
                self.problem(f"policy {policy!r} of {name}: a built-in chain's policy is ACCEPT or DROP",
                             policy_span)
                return False
            chain = table.chains[name]
            if policy != "-":
                chain.policy = policy
            table.structure += 1
            chain.span = span
            chain.declared = True
            chain.changed()
            return True
        if policy != "-":
            self.problem(f"user chain {name} cannot have a policy: write - instead of {policy}", policy_span)
            return False
        existing = table.chains.get(name)
        if existing is not None:
            self.forget(family, table, [existing])
            existing.rules.clear()  # --noflush: a declared chain is emptied
            existing.jumps += 1
            existing.span = span
            existing.changed()
            return True
        if len(name) > MAX_CHAIN_NAME:
            self.problem(f"chain {name}: a chain name has at most {MAX_CHAIN_NAME} characters", span)
            return False
        table.chains[name] = ChainState(name, False, None, span, True)
        table.structure += 1
        return True

    def restore_rule(self, cmd: CommandLine, family: int, table: TableState, span: Span) -> bool:
        """One rule line of a restore input; False when iptables-restore fails on it."""
        before = len(self.steps), len(self.problems)
        self.run(cmd, family, table.name, span)
        failed = any(s.refused and s.command not in ("delete", "flush", "delete-chain", "rename-chain")
                     for s in self.steps[before[0]:])
        return not failed and len(self.problems) == before[1]

    # --- the end -------------------------------------------------------------------------------

    def finish(self) -> None:
        """Problems only the end of the script shows: a jump to a chain made later."""
        for family, table_name, rule in self._pending_targets:
            table = self.families[family].get(table_name)
            if table is None or rule.target is None:
                continue
            chain = table.chains.get(rule.target.name)
            if chain is None or chain.builtin or chain.span is None:
                continue
            if not any(r is rule for c in table.chains.values() for r in c.rules):
                continue
            jump = "-g" if rule.target.goto else "-j"
            self.problem(f"{jump} {rule.target.name}: chain {rule.target.name} does not exist yet when "
                         f"this command runs (it is made at line {chain.span.line}); iptables refuses "
                         f"this command", rule.target.name_span)

    def tables_of(self, family: int) -> tuple[Table, ...]:
        return tuple(t.freeze() for t in self.families[family].values())
