from __future__ import annotations

from collections.abc import Iterable

from fwlint.ast import Ruleset
from fwlint.lint import Context, Diagnostic, Rule, Severity
from fwlint.lint.facts import ends_traversal, is_unconditional


class UnreachableAfterCatchAll(Rule):
    """## What it does
    Finds rules that come after a catch-all in the same chain: a rule that
    takes every packet whatever it is, so that nothing gets past it. That is
    a rule with no conditions (or only ones every packet meets, such as
    `-p all`, `-s 0.0.0.0/0`, a comment, or `--ctstate` listing every state)
    whose target ends the chain: ACCEPT, DROP, REJECT, RETURN, a NAT target,
    a `-g` goto, or a jump to a chain that decides every packet. The exact
    model decides what "every packet" means, so `-p all -j DROP` and
    `-j DROP` are the same catch-all.

    A rule reported here is not reported again as a duplicate (FW204) or as
    shadowed or redundant (FW201, FW202). With `--no-analysis` only rules
    whose conditions are written to match everything count as catch-alls.

    ## Why is this bad
    No packet ever reaches the later rules, so they do nothing. Usually a rule
    was appended (`-A`) where it should have been inserted (`-I`) before the
    catch-all, and the port it means to open stays closed.

    ## Example
    ```
    -A INPUT -j DROP
    -A INPUT -p tcp --dport 22 -j ACCEPT
    ```

    ## Use instead
    ```
    -A INPUT -p tcp --dport 22 -j ACCEPT
    -A INPUT -j DROP
    ```

    ## In nftables
    The same holds for a rule after an unconditional `drop` or `accept`.
    """

    code = "FW203"
    name = "unreachable-after-catch-all"
    severity = Severity.WARNING
    analysis = "optional"

    def __init__(self, use_analysis: bool = True) -> None:
        self.use_analysis = use_analysis

    def check_ruleset(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        if self.use_analysis:
            from fwlint.analysis import findings_for

            for f in findings_for(ctx):
                if f.code == self.code:
                    yield self.diagnostic(f.rule.rule.span, f.message, related=f.related)
            return
        yield from self._written(ruleset, ctx)

    def _written(self, ruleset: Ruleset, ctx: Context) -> Iterable[Diagnostic]:
        """Without the model: catch-alls recognised by how they are written."""
        registry = ctx.registry
        for table in ruleset.tables:
            for chain in table.chains:
                catch_all = None
                for rule in chain.rules:
                    if catch_all is not None:
                        verb = "-g" if catch_all.target.goto else "-j"  # type: ignore[union-attr]
                        yield self.diagnostic(
                            rule.span,
                            f"unreachable: the rule at line {catch_all.span.line} "
                            f"({verb} {catch_all.target.name} with no conditions) takes every "  # type: ignore[union-attr]
                            f"packet in {chain.name} before it gets here",
                            related=(catch_all.span,))
                    elif is_unconditional(rule) and ends_traversal(rule, registry):
                        catch_all = rule
