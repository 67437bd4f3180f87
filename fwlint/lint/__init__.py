"""The lint layer: rules, diagnostics, fixes and the engine that runs them."""

from fwlint.lint.diagnostic import Diagnostic, Edit, Fix, Severity
from fwlint.lint.rule import Context, Rule

__all__ = ["Context", "Diagnostic", "Edit", "Fix", "Rule", "Severity"]
