"""Mutations of valid rules, drawn by hypothesis: the mistakes people make in rulesets.

A seed is a rule iptables accepts (an ``ok`` case of the hand-written files).  A mutation
changes its words (drops, duplicates, moves or swaps options and values, misspells option
names, targets, match names and values, shortens options to a prefix, puts an edge value or
another seed's value of the same option in place of a value, adds or removes ``!``, spells
options the getopt way), moves the rule to another table or chain (or a user chain reached
from one), or runs it in the other family; one to three of these at a time.  The result is a
ruleset of one rule (and the jump to its chain).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from hypothesis import strategies as st

from fwlint.ast import BUILTIN_CHAINS
from fwlint.extensions import Registry, builtin_extensions
from tests.kernel.agreement.oracle import one_rule

_WORD = re.compile(r'(?:[^\s"]|"(?:[^"\\]|\\.)*")+')
_OPTION = re.compile(r"^(?:--?[A-Za-z][A-Za-z0-9_.-]*|-[46])$")

# Kernel modules this kernel lacks for reasons of its configuration, not of the rule: a rule
# that names them is refused wherever fwlint cannot know the kernel's configuration.  They are
# kept out of the names a mutation may bring in (the hand-written `beyond` cases cover them).
NOT_IN_THIS_KERNEL = frozenset({"ipvs", "LED"})

# Values a mutation may put in place of another: numbers at the edges of what options take,
# ranges, lists, addresses of both families, names of every kind.
EDGE_VALUES = (
    "0", "1", "-1", "7", "22", "255", "256", "1000", "65535", "65536", "4294967295", "4294967296",
    "0x10", "0x", "010", "08", "1.5", "+1", "1:2", "2:1", ":", "1:", ":1", "1,2", "1,", ",1",
    "1-2", "2-1", "1/2", "0/0", "1/0", "a", "all", "ALL", "none", "NONE", "NEW", "new",
    "ESTABLISHED,RELATED", "SYN", "SYN,ACK", "FIN,SYN,RST,ACK", "lo", "eth0+", "+", "tcp",
    "udp", "icmp", "ipv6-icmp", "ssh", "http", "192.0.2.1", "192.0.2.0/24", "192.0.2.1/24",
    "198.51.100.1-198.51.100.9", "192.0.2.1:80", "192.0.2.1:80-90", "2001:db8::1",
    "2001:db8::/32", "[2001:db8::1]:80", "00:00:5e:00:53:01", "5/second", "5/sec", "1/day",
    "10000/s", "src", "dst", "src,dst", "in", "out", "original", "reply", "echo-request",
    "any", "8/0", "x" * 16, "x" * 300, '""', "0x1/0x1", "0xffffffff", "1/1",
)
_TYPO_ALPHABET = string.ascii_letters + string.digits + "-:,./+_="


@dataclass(frozen=True)
class Seed:
    body: str
    table: str
    chain: str
    family: int


@dataclass(frozen=True)
class Mutant:
    text: str
    family: int
    seed: Seed
    steps: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.seed.body!r} ({self.seed.table} {self.seed.chain}, v{self.seed.family}) " \
               f"-> {' / '.join(self.steps)}"


def _families_named(word: str) -> list[tuple[int, bool]]:
    """The families a word selects (-4, --ipv6, the 4 of a bundle such as -f4), each with
    whether other options come before it in the word."""
    if word in ("--ipv4", "--ipv6"):
        return [(int(word[-1]), False)]
    if not re.fullmatch(r"-[^-\s]\S*", word):  # a bundle of short options (-f4, and -,4: getopt's too)
        return []
    return [(int(ch), index > 1) for index, ch in enumerate(word) if ch in "46"]


def other_family_after_words(mutant: Mutant) -> bool:
    """The rule has a -4/-6 (--ipv4/--ipv6) of the other family after other words or options
    (`-f4`): iptables-restore reads the line up to it, then skips the rest; fwlint skips the whole
    line, and does not judge the words before (a known gap)."""
    words = words_of(mutant.text.rsplit("\n-A ", 1)[-1].split("\n", 1)[0])
    return any(family != mutant.family and (index > 1 or late)
               for index, word in enumerate(words) for family, late in _families_named(word))


def words_of(body: str) -> list[str]:
    return _WORD.findall(body)


def is_option(word: str) -> bool:
    return bool(_OPTION.match(word))


def units(words: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each option with its `!` and its values."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        start = i
        if words[i] == "!" and i + 1 < len(words):
            i += 1
        i += 1
        while i < len(words) and not is_option(words[i]) and words[i] != "!":
            i += 1
        out.append((start, i))
    return out


def _names() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    registry = Registry(builtin_extensions())  # fwlint's own: no plugin changes the cases
    options: set[str] = set()
    for ext in (registry.builtin, *registry.matches.values(), *registry.targets.values()):
        if ext is None:
            continue
        for name, spec in ext.long_names():
            options.add(f"--{name}")
            if spec.short:
                options.add(f"-{spec.short}")
    matches = tuple(sorted(n for n in registry.matches if n not in NOT_IN_THIS_KERNEL))
    targets = tuple(sorted(n for n in registry.targets if n not in NOT_IN_THIS_KERNEL))
    return tuple(sorted(options)), matches, targets


_OPTIONS, _MATCHES, _TARGETS = _names()


@dataclass(frozen=True)
class Values:
    """What a mutation may put in place of a value: any value of the seeds and the edge values,
    or a value the seeds give the same option (a plausible change: --dport 22 -> 1024:65535)."""

    anything: tuple[str, ...]
    by_option: dict[str, tuple[str, ...]]


def seed_values(seeds: list[Seed]) -> Values:
    anything = {w for s in seeds for w in words_of(s.body) if not is_option(w) and w != "!"}
    by_option: dict[str, set[str]] = {}
    for seed in seeds:
        words = words_of(seed.body)
        for a, b in units(words):
            head = a + (words[a] == "!")
            if b - head > 1:
                by_option.setdefault(words[head], set()).add(words[head + 1])
    return Values(tuple(sorted(anything | set(EDGE_VALUES))),
                  {k: tuple(sorted(v)) for k, v in by_option.items() if len(v) > 1})


def _typo(draw, word: str) -> tuple[str, str]:
    kind = draw(st.sampled_from(("delete", "insert", "replace", "swap", "case", "truncate",
                                 "double")))
    if not word:
        return "x", "typo: empty -> x"
    at = draw(st.integers(0, len(word) - 1))
    if kind == "delete":
        new = word[:at] + word[at + 1:]
    elif kind == "insert":
        new = word[:at] + draw(st.sampled_from(_TYPO_ALPHABET)) + word[at:]
    elif kind == "replace":
        new = word[:at] + draw(st.sampled_from(_TYPO_ALPHABET)) + word[at + 1:]
    elif kind == "swap" and len(word) > 1:
        at = min(at, len(word) - 2)
        new = word[:at] + word[at + 1] + word[at] + word[at + 2:]
    elif kind == "case":
        new = word.swapcase() if draw(st.booleans()) else word[:at] + word[at:].upper()
    elif kind == "truncate":
        new = word[:max(1, at + 1)]
    else:
        new = word[:at + 1] + word[at] + word[at + 1:]
    if new.count('"') % 2:
        new = new.replace('"', "")
    return new, f"typo {word!r} -> {new!r}"


@st.composite
def mutants(draw, seeds: list[Seed], values: Values) -> Mutant:
    seed = draw(st.sampled_from(seeds))
    words = words_of(seed.body)
    table, chain, family = seed.table, seed.chain, seed.family
    reached_from: str | None = None
    steps: list[str] = []
    for _ in range(draw(st.sampled_from((1, 1, 1, 2, 2, 3)))):
        op = draw(st.sampled_from((
            "drop-unit", "drop-word", "duplicate", "move", "swap", "typo-option", "typo-value",
            "typo-target", "value", "same-option-value", "same-option-value", "option", "target",
            "match", "bang", "place", "family", "getopt", "abbreviate", "abbreviate", "move")))
        spans = units(words)
        option_at = [i for i, w in enumerate(words) if is_option(w)]
        value_at = [i for i, w in enumerate(words) if not is_option(w) and w != "!"]
        if op == "drop-unit" and spans:
            a, b = spans[draw(st.integers(0, len(spans) - 1))]
            steps.append(f"drop {' '.join(words[a:b])!r}")
            words = words[:a] + words[b:]
        elif op == "drop-word" and words:
            k = draw(st.integers(0, len(words) - 1))
            steps.append(f"drop word {words[k]!r}")
            words = words[:k] + words[k + 1:]
        elif op == "duplicate" and spans:
            a, b = spans[draw(st.integers(0, len(spans) - 1))]
            at = draw(st.integers(0, len(words)))
            steps.append(f"repeat {' '.join(words[a:b])!r} at {at}")
            words = words[:at] + words[a:b] + words[at:]
        elif op == "move" and len(spans) > 1:
            a, b = spans[draw(st.integers(0, len(spans) - 1))]
            moved, rest = words[a:b], words[:a] + words[b:]
            at = draw(st.integers(0, len(rest)))
            steps.append(f"move {' '.join(moved)!r} to {at}")
            words = rest[:at] + moved + rest[at:]
        elif op == "swap" and len(value_at) > 1:
            i, j = draw(st.lists(st.sampled_from(value_at), min_size=2, max_size=2, unique=True))
            steps.append(f"swap {words[i]!r} and {words[j]!r}")
            words[i], words[j] = words[j], words[i]
        elif op == "typo-option" and option_at:
            k = draw(st.sampled_from(option_at))
            dashes = 2 if words[k].startswith("--") else 1
            new, how = _typo(draw, words[k][dashes:])
            words[k] = words[k][:dashes] + new
            steps.append(how)
        elif op == "typo-value" and value_at:
            k = draw(st.sampled_from(value_at))
            new, how = _typo(draw, words[k])
            words[k] = new
            steps.append(how)
        elif op == "typo-target" and "-j" in words[:-1]:
            k = words.index("-j") + 1
            new, how = _typo(draw, words[k])
            words[k] = new
            steps.append(how)
        elif op == "value" and value_at:
            k = draw(st.sampled_from(value_at))
            new = draw(st.sampled_from(values.anything))
            steps.append(f"value {words[k]!r} -> {new!r}")
            words[k] = new
        elif op == "same-option-value":
            choices = [k for k in value_at if words[k - 1] in values.by_option]
            if choices:
                k = draw(st.sampled_from(choices))
                new = draw(st.sampled_from(values.by_option[words[k - 1]]))
                steps.append(f"value {words[k]!r} -> {new!r}")
                words[k] = new
        elif op == "option" and option_at:
            k = draw(st.sampled_from(option_at))
            new = draw(st.sampled_from(_OPTIONS))
            steps.append(f"option {words[k]!r} -> {new!r}")
            words[k] = new
        elif op == "target":
            new = draw(st.sampled_from(_TARGETS))
            if "-j" in words[:-1]:
                k = words.index("-j") + 1
                steps.append(f"target {words[k]!r} -> {new!r}")
                words[k] = new
            else:
                steps.append(f"add -j {new}")
                words += ["-j", new]
        elif op == "match":
            new = draw(st.sampled_from(_MATCHES))
            if "-m" in words[:-1] and draw(st.booleans()):
                k = words.index("-m") + 1
                steps.append(f"match {words[k]!r} -> {new!r}")
                words[k] = new
            else:
                at = draw(st.integers(0, len(words)))
                steps.append(f"add -m {new} at {at}")
                words = words[:at] + ["-m", new] + words[at:]
        elif op == "bang" and spans:
            a, _ = spans[draw(st.integers(0, len(spans) - 1))]
            if words[a] == "!":
                steps.append(f"drop ! before {words[a + 1]!r}")
                words = words[:a] + words[a + 1:]
            else:
                steps.append(f"add ! before {words[a]!r}")
                words = words[:a] + ["!"] + words[a:]
        elif op == "place":
            table = draw(st.sampled_from(sorted(BUILTIN_CHAINS)))
            chain = draw(st.sampled_from(BUILTIN_CHAINS[table]))
            reached_from = chain if draw(st.booleans()) else None
            steps.append(f"in {table} {'user chain from ' if reached_from else ''}{chain}")
        elif op == "family":
            family = 10 - family
            steps.append(f"as IPv{family}")
        elif op == "abbreviate":
            long_at = [k for k in option_at if words[k].startswith("--") and len(words[k]) > 4]
            if long_at:
                k = draw(st.sampled_from(long_at))
                cut = draw(st.integers(3, len(words[k]) - 1))
                steps.append(f"abbreviate {words[k]} as {words[k][:cut]}")
                words[k] = words[k][:cut]
        elif op == "getopt" and option_at:
            k = draw(st.sampled_from(option_at))
            if k + 1 < len(words) and not is_option(words[k + 1]) and words[k + 1] != "!":
                joined = f"{words[k]}={words[k + 1]}" if words[k].startswith("--") \
                    else words[k] + words[k + 1]
                steps.append(f"write {words[k]} {words[k + 1]} as {joined}")
                words = words[:k] + [joined] + words[k + 2:]
    body = " ".join(words)
    if reached_from is not None:
        text = f"*{table}\n:user - [0:0]\n-A {reached_from} -j user\n-A user {body}\nCOMMIT\n"
    else:
        text = one_rule(body, table, chain if reached_from is None else "user")
    return Mutant(text, family, seed, tuple(steps))
