"""The leaf chains of a big table shared with a forked child (fwlint.analysis.parallel): the same
findings, messages, related rules, packets, summaries and per-rule sets as one process finds,
whoever worked a chain out, and complete when the child dies or fails."""

from __future__ import annotations

import os
import time

import pytest

from fwlint.analysis import build_model, parallel, scratch
from fwlint.analysis import model as model_module
from fwlint.analysis.findings import RemoteFinding
from fwlint.parse import parse_text
from tests.analysis.test_native import generated_ruleset

# Leaf chains first (the child takes them from the front), then filler chains of random boxes.
SPECIAL = """*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:MID - [0:0]
:SSH - [0:0]
:RET - [0:0]
:APPROX - [0:0]
:UNION - [0:0]
{declarations}
-A INPUT -p tcp -j SSH
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -j MID
-A INPUT -j RET
-A INPUT -j APPROX
-A INPUT -j UNION
-A MID -p udp -j SSH
-A MID -p udp --dport 53 -j ACCEPT
-A MID -p tcp --dport 80 -j ACCEPT
-A SSH -p tcp --dport 22 -j DROP
-A SSH -p udp --dport 53 -j REJECT
-A SSH -p tcp --dport 22 -s 192.0.2.7 -j ACCEPT
-A RET -s 192.0.2.0/24 -j RETURN
-A RET -s 192.0.2.7 -p tcp -j DROP
-A RET -s 198.51.100.0/24 -p tcp --dport 25 -j ACCEPT
-A APPROX -p tcp --dport 443 -m limit --limit 1/sec -j DROP
-A APPROX -p tcp --dport 443 -j ACCEPT
-A UNION -p tcp --dport 0:1023 -j DROP
-A UNION -p tcp --dport 1024:65535 -j DROP
-A UNION -p tcp --dport 1000:2000 -j ACCEPT
{jumps}
{rules}
COMMIT
"""


def special_ruleset(seed: int = 3) -> str:
    filler = generated_ruleset(seed, chains=8, per_chain=20).splitlines()
    declarations = [line for line in filler if line.startswith(":BOX-")]
    jumps = [line for line in filler if line.startswith("-A INPUT -j BOX-")]
    rules = [line for line in filler if line.startswith("-A BOX-")]
    return SPECIAL.format(declarations="\n".join(declarations), jumps="\n".join(jumps),
                          rules="\n".join(rules))


def described(model) -> list[tuple]:
    return [(f.code, f.kind, f.rule.line, f.message, [b.line for b in f.blockers],
             [b.line for b in f.also], f.outcome, f.to_policy, f.approximations) for f in model.findings]


def dumped(model, u):
    return parallel.dump_bdd(model.encoding.bdd, u)


@pytest.fixture
def shared(monkeypatch):
    """Every table shared with a child, whatever its size and the machine's processors; this
    process slow to start each chain, so that the child works out most of them."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "SHARED_FROM", 1)
    monkeypatch.setattr(parallel, "_processors", lambda: 2)
    parent = os.getpid()
    real = parallel.share_chains

    def slow_here(names, work, produce, apply, first=None):
        def slowed(name):
            if os.getpid() == parent:
                time.sleep(0.05)
            return work(name)
        return real(names, slowed, produce, apply, first)

    monkeypatch.setattr(parallel, "share_chains", slow_here)


def one_process(text: str):
    return build_model(parse_text(text, "rules.v4")[0])


def test_a_ruleset_worked_out_by_two_processes_has_the_findings_of_one(monkeypatch):
    text = special_ruleset()
    alone = one_process(text)
    expected = described(alone)
    # the cases the special chains are for, found by one process
    by_line = {line: (code, message) for code, _, line, message, *_ in expected}
    lines = text.splitlines()

    def line_of(rule: str) -> int:
        return lines.index(rule) + 1

    assert by_line[line_of("-A INPUT -p tcp --dport 22 -j ACCEPT")][0] == "FW201"
    assert by_line[line_of("-A MID -p udp --dport 53 -j ACCEPT")][0] == "FW201"
    assert by_line[line_of("-A SSH -p tcp --dport 22 -s 192.0.2.7 -j ACCEPT")][0] == "FW201"
    assert by_line[line_of("-A RET -s 192.0.2.7 -p tcp -j DROP")] == (
        "FW201", (f"shadowed: every packet it matches is taken first by the rule at line "
                  f"{line_of('-A RET -s 192.0.2.0/24 -j RETURN')} (-j RETURN)"))
    assert line_of("-A APPROX -p tcp --dport 443 -j ACCEPT") not in by_line
    assert by_line[line_of("-A UNION -p tcp --dport 1000:2000 -j ACCEPT")][1].startswith(
        f"shadowed: every packet it matches is taken first by the rules at lines "
        f"{line_of('-A UNION -p tcp --dport 0:1023 -j DROP')} (-j DROP) and "
        f"{line_of('-A UNION -p tcp --dport 1024:65535 -j DROP')} (-j DROP)")

    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "SHARED_FROM", 1)
    monkeypatch.setattr(parallel, "_processors", lambda: 2)
    parent = os.getpid()
    real = parallel.share_chains
    calls = []

    def slow_here(names, work, produce, apply, first=None):
        calls.append([name for _, name in names])  # (table block, chain)

        def slowed(name):
            if os.getpid() == parent:
                time.sleep(0.05)
            return work(name)
        return real(names, slowed, produce, apply, first)

    monkeypatch.setattr(parallel, "share_chains", slow_here)
    both = one_process(text)
    assert calls and {"SSH", "RET", "APPROX", "UNION", "BOX-0"} <= set(calls[0])
    assert "MID" not in calls[0] and "INPUT" not in calls[0]  # they jump: not leaves
    assert described(both) == expected
    remote = [f for f in both.findings if isinstance(f, RemoteFinding)]
    assert remote, "the child worked out no chain"
    # the packets of each finding, worked out again here for the child's
    for mine, theirs in zip(alone.findings, both.findings, strict=True):
        assert dumped(alone, mine.packets) == dumped(both, theirs.packets)
    # the summaries the callers used, and what the model tells of each chain and rule
    ta, tb = alone.table("filter"), both.table("filter")
    for name, summary in ta.summaries.items():
        other = tb.summaries[name]
        assert (summary.labels, summary.coarse, summary.small, summary.approximations, summary.modifies) == \
            (other.labels, other.coarse, other.small, other.approximations, other.modifies)
        assert dumped(alone, summary.may_return) == dumped(both, other.may_return)
        assert {k: dumped(alone, u) for k, u in summary.may_decide.items()} == \
            {k: dumped(both, u) for k, u in other.may_decide.items()}
    for name in ("SSH", "RET", "UNION", "BOX-3"):
        a, b = alone.chain("filter", name), both.chain("filter", name)
        assert dumped(alone, a.entry) == dumped(both, b.entry)
        assert [r.line for r in a.callers] == [r.line for r in b.callers]
        for i, (ra, rb) in enumerate(zip(a.rules, b.rules, strict=True)):
            assert (ra.excluded, ra.approximations, ra.action, ra.protocol, ra.line) == \
                (rb.excluded, rb.approximations, rb.action, rb.protocol, rb.line)
            assert dumped(alone, ra.upper) == dumped(both, rb.upper)
            assert dumped(alone, a.reach_at(i)) == dumped(both, b.reach_at(i))
            assert dumped(alone, a.hit(i)) == dumped(both, b.hit(i))
            assert both.rule_model(rb.rule) is rb


@pytest.mark.parametrize("fault_after", [0, 1, 5])
def test_a_child_that_dies_leaves_no_finding_out(shared, monkeypatch, fault_after):
    text = special_ruleset(4)
    expected = described(one_process(text))
    monkeypatch.setattr(parallel, "FAULT_AFTER", fault_after)
    assert described(one_process(text)) == expected


def test_the_child_sends_more_than_the_pipe_holds_without_waiting_for_this_process(monkeypatch, tmp_path):
    # While this process does its first part (in `fwlint check`, the other lint rules too), it
    # reads nothing; the child works out every chain meanwhile, whatever the pipe holds.
    text = special_ruleset(7)
    expected = described(one_process(text))
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "SHARED_FROM", 1)
    monkeypatch.setattr(parallel, "_processors", lambda: 2)
    done = tmp_path / "done-by-the-child"
    real = parallel.share_chains
    all_done: list[bool] = []
    shared_chains: set[str] = set()

    def big_values(names, work, produce, apply, first=None):
        assert len(names) >= 4
        shared_chains.update(chain for _, chain in names)

        def padded(name):  # each chain's values with 512 KiB more: 2 MiB or more in all
            values = produce(name), b"x" * (512 << 10)
            with open(done, "a") as f:
                f.write(f"{names.index(name)}\n")
            return values

        def waiting():  # this process reads nothing until the child has done every chain
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not (
                    done.exists() and len(done.read_text().split()) == len(names)):
                time.sleep(0.01)
            did = sorted(map(int, done.read_text().split())) if done.exists() else []
            all_done.append(did == list(range(len(names))))
            if first is not None:
                first()
        return real(names, work, padded, lambda values: apply(values[0]), waiting)

    monkeypatch.setattr(parallel, "share_chains", big_values)
    both = one_process(text)
    assert all_done == [True]
    assert described(both) == expected
    # every chain was the child's: their findings came from it
    theirs = [f for f in both.findings if f.rule.chain in shared_chains]
    assert theirs and all(isinstance(f, RemoteFinding) for f in theirs)

def test_a_child_that_fails_leaves_no_finding_out(shared, monkeypatch):
    text = special_ruleset(5)
    expected = described(one_process(text))
    real = parallel.describe_chain
    parent = os.getpid()

    def failing(model, tm, name, findings, carry=None):
        if name == "BOX-2" and os.getpid() != parent:
            raise RuntimeError("a chain the child cannot describe")
        return real(model, tm, name, findings, carry)

    monkeypatch.setattr(parallel, "describe_chain", failing)
    assert described(one_process(text)) == expected


def test_a_child_that_fails_with_values_still_queued_sends_them_first(monkeypatch):
    # The pipe full (this process reads nothing for a while) when the child fails: the chains
    # it did before still arrive, and the rest is worked out here.
    text = special_ruleset(5)
    expected = described(one_process(text))
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "SHARED_FROM", 1)
    monkeypatch.setattr(parallel, "_processors", lambda: 2)
    parent = os.getpid()
    real = parallel.share_chains
    order: list[str] = []
    applied: list[str] = []

    def failing_late(names, work, produce, apply, first=None):
        order.extend(chain for _, chain in names)

        def applying(values):
            applied.append(values[0][1][1])  # (table block, ("chain", name, ...))
            return apply(values[0])

        def padded(name):
            if name[1] == "BOX-2" and os.getpid() != parent:
                raise RuntimeError("a chain the child cannot describe")
            return produce(name), b"x" * (512 << 10)

        def busy():
            time.sleep(0.5)
            if first is not None:
                first()
        return real(names, work, padded, applying, busy)

    monkeypatch.setattr(parallel, "share_chains", failing_late)
    both = one_process(text)
    assert described(both) == expected
    # every chain the child did before it failed came from it (more than the pipe holds)
    assert order.index("BOX-2") >= 4
    assert applied == order[:order.index("BOX-2")]


def test_a_chain_the_child_finds_is_no_leaf_is_worked_out_here(shared, monkeypatch):
    text = special_ruleset(6)
    expected = described(one_process(text))
    # in the child, and in the scratch managers of this process (fwlint.analysis.scratch)
    monkeypatch.setattr(parallel, "describe_chain",
                        lambda model, tm, name, findings, carry=None: ("again", name))
    both = one_process(text)
    assert described(both) == expected
    assert not any(isinstance(f, RemoteFinding) for f in both.findings)


def test_a_generated_ruleset_has_the_same_findings_either_way(shared):
    text = generated_ruleset(7, chains=10, per_chain=40)
    alone = described(build_model_alone(text))
    assert {"FW201", "FW202"} <= {code for code, *_ in alone}
    assert described(one_process(text)) == alone


def build_model_alone(text: str):
    saved = parallel.PARALLEL_FROM
    parallel.PARALLEL_FROM = 10**9
    try:
        return one_process(text)
    finally:
        parallel.PARALLEL_FROM = saved


def test_nat_leaf_chains_are_shared_too(shared):
    lines = ["*nat", ":PREROUTING ACCEPT [0:0]", ":SVC - [0:0]"]
    body = ["-A PREROUTING -d 192.0.2.1 -p tcp --dport 80 -j SVC"]
    for k in range(12):
        lines.append(f":SEP-{k} - [0:0]")
        body.append(f"-A SVC -m statistic --mode random --probability 0.5 -j SEP-{k}")
        body.append(f"-A SEP-{k} -p tcp -j DNAT --to-destination 198.51.100.{k + 1}:8080")
        body.append(f"-A SEP-{k} -p tcp -j DNAT --to-destination 198.51.100.{k + 100}:8080")
    text = "\n".join(lines + body + ["COMMIT"]) + "\n"
    alone = described(build_model_alone(text))
    assert [(code, line) for code, _, line, *_ in alone] == [("FW201", 19 + 3 * k) for k in range(12)]
    assert described(one_process(text)) == alone


def test_bdds_as_plain_values_come_back_the_same():
    model = one_process(special_ruleset(8))
    enc = model.encoding
    other = model_module.Model(model.ruleset, model.registry).encoding  # the same variables
    sets = [enc.true, enc.false, enc.universe, ~enc.equals("proto", 6),
            enc.equals("proto", 6) & ~enc.equals("dport", 22),
            model.chain("filter", "UNION").reach_at(2), ~model.chain("filter", "BOX-1").reach_at(10)]
    for u in sets:
        values = parallel.dump_bdd(enc.bdd, u)
        assert parallel.load_bdd(enc.bdd, values) == u
        moved = parallel.load_bdd(other.bdd, values)
        assert parallel.dump_bdd(other.bdd, moved) == values
        assert moved.count(len(other.bdd.vars)) == u.count(len(enc.bdd.vars))


def test_short_leaf_chains_stay_in_this_process(monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "_processors", lambda: 2)
    shared = []
    real = parallel.share_chains

    def recording(names, work, produce, apply, first=None):
        shared.append([name for _, name in names])
        return real(names, work, produce, apply, first)

    monkeypatch.setattr(parallel, "share_chains", recording)
    text = special_ruleset(10)
    model = one_process(text)
    assert len(shared) == 1
    lengths = {name: len(model.chain("filter", name).rules) for name in model.table("filter").chains}
    assert {name for name, n in lengths.items() if n < parallel.SHARED_FROM} >= {"SSH", "RET", "UNION"}
    assert not set(shared[0]) & {name for name, n in lengths.items() if n < parallel.SHARED_FROM}
    assert set(shared[0]) == {f"BOX-{k}" for k in range(8)}  # 20 rules each


def test_small_tables_and_single_processors_stay_in_one_process(monkeypatch):
    monkeypatch.setattr(parallel, "_processors", lambda: 1)
    assert not parallel.available(10**6)
    monkeypatch.setattr(parallel, "_processors", lambda: 2)
    assert not parallel.available(parallel.PARALLEL_FROM - 1)
    assert parallel.available(parallel.PARALLEL_FROM)


def test_no_child_to_be_had_means_one_process(shared, monkeypatch):
    text = special_ruleset(9)
    expected = described(one_process(text))

    def no_fork():
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    # every chain worked out in this process's main manager, none sent by a child
    monkeypatch.setattr(scratch, "SCRATCH_FROM", 10**9)
    both = one_process(text)
    assert described(both) == expected
    assert not any(isinstance(f, RemoteFinding) for f in both.findings)


def test_claims_go_on_without_a_lock_the_child_died_holding(monkeypatch):
    monkeypatch.setattr(parallel._Claims, "LOCK_WAIT", 0.05)
    claims = parallel._Claims(5)
    assert claims.front() == 0
    claims._lock.acquire()  # as if a child had died holding it
    assert claims.back() == 4 and not claims._locking
    assert [claims.front(), claims.back(), claims.front(), claims.back()] == [1, 3, 2, None]
    assert claims.front() is None and claims.child_claimed() == 3


def test_the_tables_share_one_child_while_this_process_works_out_what_needs_none(shared, monkeypatch):
    nat = ["*nat", ":PREROUTING ACCEPT [0:0]", ":SVC - [0:0]", ":BIG - [0:0]", ":SMALL - [0:0]",
           "-A PREROUTING -d 192.0.2.1 -p tcp --dport 80 -j SVC",
           "-A PREROUTING -d 192.0.2.2 -p tcp --dport 80 -j SMALL",
           "-A SVC -m statistic --mode random --probability 0.5 -j BIG"]
    nat += [f"-A BIG -p tcp -s 203.0.113.{k} -j DNAT --to-destination 198.51.100.{k}:8080" for k in range(12)]
    nat += ["-A BIG -p tcp -s 203.0.113.3 -j DNAT --to-destination 198.51.100.99:8080",  # FW201
            "-A SMALL -p tcp -j DNAT --to-destination 198.51.100.1:80",
            "-A SMALL -p tcp -j DNAT --to-destination 198.51.100.2:80", "COMMIT"]  # FW201
    text = "\n".join(nat) + "\n" + special_ruleset(14)
    expected = described(build_model_alone(text))
    assert [line for code, _, line, *_ in expected if code == "FW201"][:2] == [21, 23]
    monkeypatch.setattr(parallel, "SHARED_FROM", 8)  # BIG (13 rules) and the BOX chains (20)
    calls = []
    firsts = []
    real = parallel.share_chains

    def recording(names, work, produce, apply, first=None):
        calls.append(list(names))

        def logged():
            firsts.append(os.getpid())
            first()
        return real(names, work, produce, apply, logged)

    monkeypatch.setattr(parallel, "share_chains", recording)
    both = one_process(text)
    assert described(both) == expected
    assert len(calls) == 1  # one child for both tables
    assert {name for k, name in calls[0] if k == 0} == {"BIG"}
    assert {name for k, name in calls[0] if k == 1} >= {f"BOX-{k}" for k in range(8)}
    assert firsts == [os.getpid()]  # run once, here
    waiting = model_module._waiting(both.tables[0], {"BIG"})
    assert waiting == {"BIG", "SVC", "PREROUTING"}  # SMALL and the others need none of the shared


def test_meanwhile_runs_once_here_while_the_child_works(shared, monkeypatch):
    text = special_ruleset(15)
    expected = described(build_model_alone(text))
    children: list[int] = []
    real_fork = os.fork

    def recording_fork():
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    seen: list[tuple[int, bool]] = []

    def meanwhile():
        # the child was forked and has not been waited for yet (a finished one stays a zombie
        # until then, so signal 0 reaches it): it is at work, or done
        try:
            os.kill(children[0], 0)
            forked = True
        except (IndexError, ProcessLookupError):
            forked = False
        seen.append((os.getpid(), forked))

    both = build_model(parse_text(text, "rules.v4")[0], meanwhile=meanwhile)
    assert described(both) == expected
    assert len(children) == 1
    assert seen == [(os.getpid(), True)]


def test_meanwhile_runs_once_without_a_child(monkeypatch):
    text = special_ruleset(16)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10**9)
    calls = []
    model = build_model(parse_text(text, "rules.v4")[0], meanwhile=lambda: calls.append(os.getpid()))
    assert calls == [os.getpid()]
    assert described(model) == described(one_process(text))


def test_check_lints_while_the_child_works_and_finds_the_same(shared, monkeypatch):
    from fwlint.lint.engine import catalogue, lint_ruleset

    def all_rules():
        return [cls() for cls in catalogue().by_code.values()]

    text = special_ruleset(17) + "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -i eth0 -j ACCEPT\nCOMMIT\n"
    rulesets = parse_text(text, "rules.v4")
    saved = parallel.PARALLEL_FROM
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10**9)
    alone = [d for rs in rulesets for d in lint_ruleset(rs, all_rules())]
    monkeypatch.setattr(parallel, "PARALLEL_FROM", saved)
    from fwlint.lint import engine

    order = []
    real = parallel.share_chains
    inside = [False]

    def recording(names, work, produce, apply, first=None):
        def logged():
            order.append("first")
            inside[0] = True
            first()
            inside[0] = False
        order.append("fork")
        return real(names, work, produce, apply, logged)

    real_lint = engine._lint
    linted = []

    def lint(ruleset, rules, ctx, out):
        linted.append((inside[0], all(not getattr(r, "analysis", None) for r in rules)))
        real_lint(ruleset, rules, ctx, out)

    monkeypatch.setattr(parallel, "share_chains", recording)
    monkeypatch.setattr(engine, "_lint", lint)
    both = [d for rs in rulesets for d in lint_ruleset(rs, all_rules())]
    assert order == ["fork", "first"]
    # the other rules while the child works, then those that read the model
    assert linted == [(True, True), (False, False)]
    assert sorted(d.sort_key for d in both) == sorted(d.sort_key for d in alone)
    assert sorted((d.code, d.span, d.message) for d in both) == sorted((d.code, d.span, d.message) for d in alone)
    codes = {d.code for d in both}
    assert {"FW201", "FW202"} <= codes and any(not c.startswith("FW2") for c in codes)  # both kinds of rule ran


def test_the_values_on_the_pipe_are_taken_whole_and_in_order_without_waiting_for_a_partial_one():
    read_fd, write_fd = os.pipe()
    receiver = parallel._Receiver(read_fd)
    try:
        values = [("chain", "A", [1, 2, 3]), ("chain", "B", "x" * 30_000), parallel._END]
        frames = b""
        for v in values:
            data = parallel.pickle.dumps(v)
            frames += parallel._FRAME.pack(len(data)) + data
        cut = len(frames) // 3  # inside B's value (all of it fits in the pipe: 64 KiB)
        os.write(write_fd, frames[:cut])
        assert receiver.take(False) == [values[0]]  # B is not whole yet: not waited for
        assert receiver.take(False) == []
        assert not receiver.closed
        os.write(write_fd, frames[cut:])
        os.close(write_fd)
        write_fd = -1
        assert receiver.take(True) == values[1:]
        assert receiver.closed
        assert receiver.take(True) == []
    finally:
        receiver.close()
        if write_fd >= 0:
            os.close(write_fd)
