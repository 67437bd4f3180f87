"""fwlint: lint, analyse and translate Linux firewall rulesets."""

__version__ = "0.1.0"
