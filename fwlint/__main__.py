from fwlint.cli import entry

entry()
