"""Differential verification on the kernel: an iptables ruleset and an nftables ruleset, the
same packets sent into both, every difference in what becomes of them reported.

Modules
-------
``packets``  raw IPv4/IPv6 packets (TCP, UDP, ICMP, ICMPv6) built and read back.
``agent``    the process inside each namespace: TUN devices, raw sockets, listeners; sends a
             batch of probes and reports what it observed of each.
``lab``      the two throwaway namespaces, loading the rulesets, the deciding rules
             (iptables counters, nft trace).
``probes``   probe packets from the rules themselves (inside each rule, just outside each
             constraint, random ones), from the reachability model.
``comparison`` rounds and batches, the comparison, the report.

Use::

    from fwlint.verify import compare, probes_for
    report = compare({4: iptables_save_text}, nft_text, probes_for([ruleset]), rulesets=[ruleset])
    report.differences      # [] when every probe met the same fate on both sides

Root is needed (network namespaces); :func:`missing_prerequisites` says what is missing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["compare", "probes_for", "missing_prerequisites", "LabError", "LoadError", "Report", "Difference",
           "Probe"]


def __getattr__(name: str) -> Any:
    # lazy: the agent imports fwlint.verify.packets inside the namespace and must start fast
    if name in ("compare", "probes_for", "Report", "Difference"):
        from fwlint.verify import comparison as module
        return getattr(module, name)
    if name in ("missing_prerequisites", "LabError", "LoadError"):
        from fwlint.verify import lab
        return getattr(lab, name)
    if name == "Probe":
        from fwlint.verify.probes import Probe
        return Probe
    raise AttributeError(name)
