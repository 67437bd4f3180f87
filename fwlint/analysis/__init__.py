"""The exact reachability analysis: packet sets as BDDs (dd.cudd), chains evaluated as the kernel does.

Modules
-------
``fields``    header fields as BDD variables, the variable order, value encoders, the
              universe of packets, concrete packets to and from bit assignments.
``meaning``   the protocol extension modules implement (``meaning=``): MatchContext,
              TargetContext, Meaning (upper/lower bounds), Action, SetBits, Havoc.
``model``     rules to BDDs (and which rules are left out), chain summaries, the walks
              ("may reach"), the backward pass ("surely decided as").
``findings``  FW201-FW204 from the model, with the rules that cause each.
``effects``   what rules do besides deciding (LOG, MARK, jumps to chains with such rules,
              matches that change what other packets see: recent --set, hashlimit, nfacct):
              a rule is not redundant when, without it, its packets would meet one.
``refusals``  what iptables or the kernel refuses in options the meanings do not read (a
              ``!`` an option does not take, a refused ``validate`` problem, exclusive or
              missing options, the other family's options, a syntax error on the line).
``native``    "is f within g?" / "do f and g meet?" asked of CUDD without building a BDD.
``scratch``   leaf chains (no jump, no header change) worked out in a small BDD manager of
              their own (CUDD's operations several times faster there), their results moved
              back to the main manager.
``parallel``  a big table's leaf chains shared with a forked child; their findings, summaries
              and rule models come back as plain values.  In ``fwlint check`` the other lint
              rules run in this process while the child works (fwlint.lint.engine: the model
              is built first, with ``meanwhile=``).
(``evaluate``, ``packet`` and ``trace`` are the concrete evaluator and ``fwlint trace``.)

The model
---------
A packet is an assignment to the fields of :data:`fields.FIELD_ORDER`: ``family``, ``proto``,
``frag`` (a second or later fragment), ``ctstate`` (INVALID NEW ESTABLISHED RELATED UNTRACKED,
exclusive), ``snat``/``dnat`` (conntrack NAT flags), ``ctstatus``, ``iif``/``oif`` (interface
symbols), ``pkttype``, ``tcpflags``, ``icmptype``/``icmpcode``, ``srctype``/``dsttype``
(address-type masks), ``tos``, ``ttl`` (hop limit for IPv6), ``length``, ``mark``, ``ctmark``,
``hasmac``/``mac``, ``sport``/``dport``, ``src``/``dst``.  ``Encoding.universe`` is the set of
packets that can exist (the ruleset's family, one state, one address type per IPv4 address ...).

Each rule has two BDDs: ``upper`` (it may match these packets) and ``lower`` (it surely does).
They differ only where a match is not modelled (``-m limit``, ``-m set``, ``-m u32`` ...: may
match anything, surely matches nothing; a host name in -s/-d likewise); ``RuleModel.approximations``
names those.  Rules the kernel would refuse are left out of the model: a cheap check sets
``RuleModel.excluded`` to the reason (unknown match or target, options nothing takes, a value
iptables rejects, an option given twice, an extension outside its tables, hooks, protocol or
family (``fwlint.lint.facts.misplacements``), ``-i`` on OUTPUT/POSTROUTING, ``-o`` on
PREROUTING/INPUT, a jump to a built-in chain, a jump that closes a loop of chains); the
validity rules (FW1xx) report the error itself.

Chains are evaluated as the kernel does: the built-in chain's policy at its end; a jump enters
the user chain and what RETURNs (or falls off its end) comes back; ``-g`` returns to the
caller's caller (the policy, from a built-in chain); LOG, NFLOG, MARK ... let packets go on.
Each user chain is summarised once (:class:`model.ChainSummary`) and the summary is used at
every jump.  Header changes (MARK, CONNMARK, TOS/DSCP, TTL/HL, ECN, NOTRACK/CT, DNPT/SNPT ...)
apply to the packets that go on: exactly for the kernel's set/flip bit arithmetic
(``SetBits``), as "any value" (``Havoc``) for the rest.  Each table block is analysed on its
own; a built-in chain is entered by the whole packet space, a user chain by what the
conditions of the jumps to it let through (not less what earlier rules of its callers decide:
a superset, so sound).  Large sets are kept from growing with the ruleset by three budgets
(``model.SUMMARY_BUDGET``, ``REACH_BUDGET``, ``EXACT_JUMP_BUDGET``), each losing precision the
sound way; see fwlint/analysis/model.py.

Findings and their precedence (fwlint.analysis.findings): a rule gets at most one of FW203
(after a catch-all), FW204 (duplicate), FW201 (shadowed: never matches, and some of its packets
surely get another outcome) and FW202 (redundant: never matches with all its packets decided
its way; or matches, and the rules after it and the policy would decide every one of its
packets its way, none of them meeting a rule with an effect on the way: fwlint.analysis.effects),
in that order.  ``--no-analysis`` (``without_analysis``) drops FW201/FW202
and makes FW203/FW204 compare rules as written.

API for the packet trace and the cross-checks
---------------------------------------------
::

    from fwlint.analysis import build_model
    model = build_model(ruleset)              # or model_for(ctx) inside a lint rule
    enc = model.encoding

    rm = model.rule_model(rule)               # RuleModel of an ast.Rule (None: not in a chain)
    rm.excluded                               # None, or why the kernel would refuse it
    rm.upper, rm.lower, rm.approximations     # BDDs: may match / surely matches (released
                                              # after the build, encoded again when read)
    rm.action, rm.jump, rm.goto               # what its target does (Action) or where it jumps
    analysis, rm = model.analysis_of(rule)    # with the ChainAnalysis of its chain

    packet = {"family": 4, "proto": 6, "src": "203.0.113.7", "sport": 40000,
              "dst": "192.0.2.1", "dport": 22, "iif": "eth0", "oif": "",
              "ctstate": "NEW", "frag": False, "tcpflags": {"SYN"}}
    enc.holds(rm.upper, packet)               # True / False, or None when it depends on
                                              # fields the packet leaves out
    analysis = model.chain("filter", "INPUT") # ChainAnalysis (the last block of the table)
    analysis.entry                            # what may enter the chain
    analysis.reach_at(i)                      # what may reach rule i, as it stands there
    analysis.hit(i)                           # ... and rule i may match
    analysis.kill[i]                          # what rule i surely takes out of the chain
    analysis.sure_after(i)                    # what the rest surely decides with rule i's outcome
    analysis.segment[i]                       # where rule i's segment (no header change) starts
    model.table("filter").summaries["CHAIN"]  # ChainSummary: may_decide, may_return, ...
    enc.sample(u, count=5, seed=1)            # concrete packets of a BDD (dicts as above,
                                              # every field filled in; interfaces get a name
                                              # of the right symbol, "" for "no interface")
    enc.assignment(packet) / enc.decode(bits) # packets to bit values and back

Field values in packets: ``family`` 4 or 6; ``src``/``dst`` an address (text, ipaddress object
or int); ``proto``, ports, ``icmptype``, ``icmpcode``, ``tos``, ``ttl``, ``length``, ``mark``,
``ctmark`` ints; ``frag``, ``snat``, ``dnat``, ``hasmac`` bools; ``iif``/``oif`` names ("" for
none); ``ctstate`` a state name; ``ctstatus`` a set of status names; ``tcpflags`` a set of flag
names or the flag byte; ``srctype``/``dsttype`` a set of address-type names; ``pkttype`` a name
(unicast, broadcast, multicast, otherhost, outgoing, user, kernel); ``mac`` "xx:xx:..." or an int.

``model.findings`` (or :func:`findings_for`) lists the FW201-FW204 findings;
each :class:`findings.Finding` has ``code``, ``kind``, ``rule``, ``message``, ``blockers`` and
``also`` (RuleModels), ``outcome`` and ``packets``: a BDD to sample from (for a shadowed or
earlier-redundant rule, packets it matches that never reach it; for "...-by-callers" ones,
packets it matches that no jump sends to its chain; for a "redundant-later" one, packets it
takes that the rest of the chain would decide the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fwlint.analysis.findings import Finding
    from fwlint.analysis.model import Model
    from fwlint.ast import Ruleset
    from fwlint.extensions import Registry
    from fwlint.lint.rule import Context, Rule


def build_model(ruleset: Ruleset, registry: Registry | None = None, ctx: Context | None = None,
                meanwhile: Callable[[], None] | None = None) -> Model:
    """The reachability model of one ruleset (its findings included).  ``meanwhile()`` is
    called once, while the analysis's forked child works if there is one (a large ruleset's
    other lint rules run then: fwlint.lint.engine)."""
    from fwlint.analysis.model import build_model as build
    from fwlint.extensions import default_registry

    return build(ruleset, registry or default_registry(), ctx, meanwhile)


_MODEL = ("fwlint.analysis", "model")


def model_for(ctx: Context, meanwhile: Callable[[], None] | None = None) -> Model:
    """The model of the ruleset a lint rule is looking at, built once and shared;
    ``meanwhile()`` as for build_model (called at once when the model is already built)."""
    if meanwhile is not None and ctx.has_memo(_MODEL):
        meanwhile()
    return ctx.memo(_MODEL, lambda: build_model(ctx.ruleset, ctx.registry, ctx, meanwhile))


def needs_model(rule: Rule) -> bool:
    """The lint rule reads the model (``analysis`` required, or optional and not turned off)."""
    need = getattr(rule, "analysis", None)
    return need == "required" or (need == "optional" and getattr(rule, "use_analysis", True))


def findings_for(ctx: Context) -> list[Finding]:
    """FW201-FW204 findings of the ruleset, shared by the four rules."""
    return model_for(ctx).findings


def without_analysis(rules: Sequence[Rule]) -> list[Rule]:
    """The rules to run under ``--no-analysis``: those that need the model (``analysis ==
    "required"``) left out, those that can do without it (``"optional"``) made to."""
    out = []
    for r in rules:
        if needs_model(r):
            if r.analysis == "required":
                continue
            r = type(r)(use_analysis=False)
        out.append(r)
    return out
