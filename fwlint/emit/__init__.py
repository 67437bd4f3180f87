"""Writers: from the AST back to text a tool reads.

``fwlint.emit.save``: the iptables-save form (what ``fwlint convert`` writes).
"""

from fwlint.emit.save import emit_ruleset, format_rule

__all__ = ["emit_ruleset", "format_rule"]
