"""``fwlint apply``: a ruleset into the running kernel through libnftables, checked first,
in one transaction, with a backup, a confirmation timer and a lockout guard.

- :mod:`fwlint.apply.source`: the input, an nft file or iptables rulesets (linted: error
  findings stop it unless ``--force``; translated: FW1xx and FW601 always stop it), with the
  way back from each loaded line to the user's;
- :mod:`fwlint.apply.nftfile`: an nft file's tables, chains and rules, read at its top level;
- :mod:`fwlint.apply.kernel`: the tables in the kernel, whose they are (fwlint's carry the
  comment "managed by fwlint"), their listings, one transaction from a file;
- :mod:`fwlint.apply.backup`: what is saved before a change, and ``--restore``;
- :mod:`fwlint.apply.confirm`: ``--confirm SECONDS``, as iptables-apply;
- :mod:`fwlint.apply.guard`: the lockout guard (``SSH_CONNECTION``);
- :mod:`fwlint.apply.command`: the command itself.

libnftables is reached through :mod:`fwlint.nft.libnft` (the distribution's ``nftables``
module, or ``libnftables.so.1`` through ctypes).

The transaction: each table the input names is created if missing, deleted, and created again
with fwlint's mark, then the input is loaded, all in one batch, so the kernel never runs half a
ruleset and a refusal anywhere leaves everything as it was.  Tables the input does not name are
not touched; ``flush ruleset`` in an nft file is left out (it would delete them).
"""
