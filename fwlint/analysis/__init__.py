"""The exact reachability analysis: packet sets as BDDs (dd.cudd), chains evaluated as the kernel does.

Modules
-------
``fields``    header fields as BDD variables, the variable order, value encoders, the
              universe of packets, concrete packets to and from bit assignments.
``meaning``   the protocol extension modules implement (``meaning=``): MatchContext,
              TargetContext, Meaning (upper/lower bounds), Action, SetBits, Havoc.
``model``     rules to BDDs (and which rules are left out), chain summaries, the forward
              ("may reach") and backward ("surely decided as") passes.
``findings``  FW201-FW204 from the model, with the rules that cause each.
``packet``    a concrete Packet and the ``--packet`` mini-language of ``fwlint trace``.
``evaluate``  the concrete evaluator (no BDDs: each extension's ``concrete=``, three-valued),
              chains as the kernel runs them, the packet's path through hooks and tables.
``trace``     ``fwlint trace``: runs the evaluator, writes text or JSON.

The model
---------
A packet is an assignment to the fields of :data:`fields.FIELD_ORDER`: ``family``, ``proto``,
``frag`` (a second or later fragment), ``ctstate`` (INVALID NEW ESTABLISHED RELATED UNTRACKED,
exclusive), ``snat``/``dnat`` (conntrack NAT flags), ``ctstatus``, ``iif``/``oif`` (interface
symbols), ``pkttype``, ``tcpflags``, ``icmptype``/``icmpcode``, ``srctype``/``dsttype``
(address-type masks), ``tos``, ``ttl`` (hop limit for IPv6), ``length``, ``mark``, ``ctmark``,
``hasmac``/``mac``, ``sport``/``dport``, ``src``/``dst``.

Each rule has two BDDs: ``upper`` (it may match these packets) and ``lower`` (it surely does).
They differ only where a match is not modelled (``-m limit``, ``-m set``, ``-m u32`` ...: may
match anything, surely matches nothing); ``RuleModel.approximations`` names those.  Rules the
kernel would refuse are left out: a cheap check (unknown match or target, options nothing
takes, values iptables rejects, an extension outside its tables, hooks or protocol, ``-i`` on
OUTPUT, a jump to a built-in chain, a jump that closes a loop of chains) sets
``RuleModel.excluded`` to the reason, and the validity rules (FW1xx) report the error itself.

Each user chain is summarised once (:class:`model.ChainSummary`) and the summary is used at
every jump.  Header changes (MARK, CONNMARK, TOS/DSCP, TTL, NOTRACK, DNPT/SNPT ...) are applied
to the packets that go on: exactly for set/flip bit arithmetic, as "any value" (havoc) for
the rest.  Each table block is analysed on its own, each built-in chain from the whole packet
space (``Encoding.universe``), each user chain from what its callers send it.

API for the packet trace and the cross-checks
---------------------------------------------
::

    from fwlint.analysis import build_model
    model = build_model(ruleset)              # or model_for(ctx) inside a lint rule
    enc = model.encoding

    rm = model.rule_model(rule)               # RuleModel of an ast.Rule (None: not in a chain)
    rm.excluded                               # None, or why the kernel would refuse it
    rm.upper, rm.lower, rm.approximations     # BDDs: may match / surely matches
    rm.action, rm.jump, rm.goto               # what its target does

    packet = {"family": 4, "proto": 6, "src": "203.0.113.7", "sport": 40000,
              "dst": "192.0.2.1", "dport": 22, "iif": "eth0", "oif": "",
              "ctstate": "NEW", "frag": False, "tcpflags": {"SYN"}}
    enc.holds(rm.upper, packet)               # True / False, or None when it depends on
                                              # fields the packet leaves out
    analysis = model.chain("filter", "INPUT") # ChainAnalysis: .rules, .entry, .reach[i] ...
    enc.holds(analysis.reach[i], packet)      # may the packet reach rule i of the chain?
    enc.sample(u, count=5, seed=1)            # concrete packets of a BDD (dicts as above,
                                              # every field filled in; interfaces get a name
                                              # of the right symbol, "" for "no interface")
    enc.assignment(packet) / enc.decode(bits) # packets to bit values and back

Field values in packets: ``family`` 4 or 6; ``src``/``dst`` an address (text, ipaddress object
or int); ``proto``, ports, ``icmptype``, ``icmpcode``, ``tos``, ``ttl``, ``length``, ``mark``,
``ctmark`` ints; ``frag``, ``snat``, ``dnat``, ``hasmac`` bools; ``iif``/``oif`` names ("" for
none); ``ctstate`` a state name; ``ctstatus`` a set of status names; ``tcpflags`` a set of flag
names or the flag byte; ``srctype``/``dsttype`` a set of address-type names; ``pkttype`` a name
(unicast, broadcast, multicast, otherhost, outgoing); ``mac`` "xx:xx:..." or an int.

``model.findings`` (:func:`findings_for`) lists the FW201-FW204 findings; each
:class:`findings.Finding` has ``packets`` (a BDD to sample from: for a shadowed rule, packets
it matches that never reach it; for a "redundant-later" one, packets it takes that the rest of
the chain would decide the same way), ``blockers`` and ``also`` (RuleModels) and ``outcome``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from fwlint.analysis.findings import Finding
    from fwlint.analysis.model import Model
    from fwlint.ast import Ruleset
    from fwlint.extensions import Registry
    from fwlint.lint.rule import Context, Rule


def build_model(ruleset: "Ruleset", registry: "Registry | None" = None, ctx: "Context | None" = None) -> "Model":
    """The reachability model of one ruleset."""
    from fwlint.analysis.model import build_model as build
    from fwlint.extensions import default_registry

    return build(ruleset, registry or default_registry(), ctx)


def model_for(ctx: "Context") -> "Model":
    """The model of the ruleset a lint rule is looking at, built once and shared."""
    return ctx.memo(("fwlint.analysis", "model"), lambda: build_model(ctx.ruleset, ctx.registry, ctx))


def findings_for(ctx: "Context") -> "list[Finding]":
    """FW201-FW204 findings of the ruleset, computed once and shared by the four rules."""
    def compute() -> list[Any]:
        from fwlint.analysis.findings import compute_findings

        return compute_findings(model_for(ctx))
    return ctx.memo(("fwlint.analysis", "findings"), compute)


def without_analysis(rules: "Sequence[Rule]") -> "list[Rule]":
    """The rules to run under ``--no-analysis``: those that need the model (``analysis ==
    "required"``) left out, those that can do without it (``"optional"``) made to."""
    out = []
    for r in rules:
        need = getattr(r, "analysis", None)
        if need == "required":
            continue
        if need == "optional" and getattr(r, "use_analysis", True):
            r = type(r)(use_analysis=False)
        out.append(r)
    return out
