from __future__ import annotations

from typing import Iterable

from fwlint.lint import Diagnostic, Fix, Rule, Severity
from fwlint.lint.suppression import SuppressionProblem


def _either(codes: Iterable[str]) -> str:
    items = list(codes)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


class UnusedSuppression(Rule):
    """## What it does
    Finds `fwlint:` suppression comments that suppress nothing: a code with
    no finding where the comment stands, a code no rule has, an `enable`
    with nothing disabled before it, a `noqa` below the first table, an
    `ignore` with no rule under it, and a directive fwlint does not know.
    A code is only judged unused when the rules it names have run (a
    `--select FW1` run says nothing about an `ignore=FW204`).

    ## Why is this bad
    A suppression outlives the finding it was written for: once the rule is
    fixed, the comment stays and would hide the next, different, problem on
    that line. A misspelt code or a misplaced comment suppresses nothing
    while looking as if it did.

    ## Example
    ```
    *filter
    # fwlint: ignore=FW204
    -A INPUT -p tcp --dport 22 -j ACCEPT
    # fwlint: ignore=FW2O4
    -A INPUT -p tcp --dport 80 -j ACCEPT
    COMMIT
    ```
    The first rule is no duplicate (nothing for FW204 to suppress); the
    second comment has the letter O where a zero belongs.

    ## Use instead
    Remove the suppression, or correct its code. The fix removes the unused
    or unknown codes, and the whole comment (or the rule's `-m comment`) when
    no code is left; it is safe: the findings stay exactly as they are. An
    unknown directive, a misplaced `noqa` and an `ignore` with no rule under
    it are left for you to move or correct.

    ## In nftables
    nftables has no suppression convention of its own. Its `#` comments are
    gone once a ruleset is loaded, while a rule's `comment "..."` is kept and
    shown by `nft list ruleset`, just as `-m comment` survives
    `iptables-save`.
    """

    code = "FW901"
    name = "unused-suppression"
    severity = Severity.INFO
    fixable = "safe"

    def check_suppression(self, problem: SuppressionProblem) -> Iterable[Diagnostic]:
        d = problem.directive
        codes = problem.code_texts
        kind = problem.kind
        if kind == "unused":
            what = f"no {_either(codes)} finding" if codes else "no finding"
            if d.kind == "noqa":
                where = "in this file"
            elif d.kind == "disable":
                where = "in the lines it disables"
            elif d.place == "rule":
                where = "on this rule"
            else:
                first, last = d.covers or (d.span.line, d.span.line)
                where = f"on the rule it covers ({_lines(first, last)})"
            message = f"unused suppression `fwlint: {d.text}`: {what} {where} to suppress"
        elif kind == "unknown-code":
            message = (f"unknown rule code{'s' if len(codes) > 1 else ''} {', '.join(codes)} in "
                       f"`fwlint: {d.text}` (see `fwlint rules`)")
        elif kind == "enables-nothing":
            what = _either(codes) if codes else "any rule"
            message = (f"unused suppression `fwlint: {d.text}`: no disable before it is in force "
                       f"for {what}")
        elif kind == "unknown-directive":
            message = (f"unknown fwlint directive {d.kind!r}: expected ignore, disable, enable "
                       "or noqa")
        elif kind == "malformed":
            message = (f"malformed suppression: write `fwlint: {d.kind}` or "
                       f"`fwlint: {d.kind}=CODE,CODE` (codes separated by commas)")
        elif kind == "misplaced-noqa":
            message = ("`fwlint: noqa` suppresses nothing below the first table or rule "
                       f"(line {problem.first_statement}): move it to the top of the file")
        elif kind == "dangling-ignore":
            under = f"line {d.next_line} is blank" if d.next_line else "the file ends"
            message = (f"`fwlint: {d.text}` covers no rule: {under}; put it on the line just "
                       "above the rule (or in the comment lines right above it)")
        elif kind == "not-for-rules":
            message = (f"`fwlint: {d.kind}` in a rule comment suppresses nothing: a rule comment "
                       "takes ignore=CODES")
        else:
            return
        edit = problem.fix
        fix = None
        if edit is not None:
            removed = ", ".join(codes) if codes and d.removing(problem.codes) != d.removal else None
            fix = Fix("safe", f"Remove {removed}" if removed else "Remove the suppression", (edit,))
        yield self.diagnostic(d.span, message, fix=fix)
