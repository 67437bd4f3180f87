"""Where targets and matches may stand: FW105, FW107 and FW110 against the kernel, exhaustively.

Each spec below is a valid rule body that differs from its neighbours only in where it may
stand.  It is put in every built-in chain of every table, in a user chain jumped to from each
of them, and in a user chain nothing reaches; each ruleset is restored (with commit) in a
throwaway namespace.  fwlint must report an error of those three rules exactly when
iptables-legacy-restore refuses the ruleset.  The specs cover every extension whose module
declares tables, chains or option-dependent placement, plus a few that go anywhere.
"""

from __future__ import annotations

import pytest

from fwlint.ast import BUILTIN_CHAINS
from fwlint.lint.engine import catalogue, lint_rulesets
from fwlint.parse import parse_text
from tests.kernel.agreement.oracle import RESTORE, KernelOracle
from tests.kernel.conftest import require_root_and

COMMON = {
    "ACCEPT": "-j ACCEPT",
    "DROP": "-j DROP",
    "LOG": "-j LOG",
    "MARK": "-j MARK --set-mark 1",
    "CONNMARK": "-j CONNMARK --set-mark 1",
    "NFLOG": "-j NFLOG",
    "CHECKSUM": "-p udp -j CHECKSUM --checksum-fill",
    "CLASSIFY": "-j CLASSIFY --set-class 1:1",
    "CT": "-j CT --notrack",
    "NOTRACK": "-j NOTRACK",
    "TRACE": "-j TRACE",
    "DSCP": "-j DSCP --set-dscp 1",
    "HMARK": "-j HMARK --hmark-tuple src --hmark-mod 10 --hmark-rnd 0x1",
    "MASQUERADE": "-j MASQUERADE",
    "REDIRECT": "-p tcp -j REDIRECT --to-ports 8080",
    "REJECT": "-j REJECT",
    "REJECT tcp-reset": "-p tcp -j REJECT --reject-with tcp-reset",
    "REJECT tcp-reset without -p": "-j REJECT --reject-with tcp-reset",
    "SYNPROXY": "-p tcp -j SYNPROXY --mss 1460 --wscale 7",
    "TCPMSS clamp": "-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
    "TCPMSS set": "-p tcp --syn -j TCPMSS --set-mss 1400",
    "TCPMSS without SYN": "-p tcp -j TCPMSS --set-mss 1400",
    "TCPOPTSTRIP": "-p tcp -j TCPOPTSTRIP --strip-options mss",
    "TOS": "-j TOS --set-tos 0x10",
    "TPROXY": "-p tcp -j TPROXY --on-port 1234 --tproxy-mark 1",
    "TPROXY without -p": "-j TPROXY --on-port 1234 --tproxy-mark 1",
    "owner": "-m owner --uid-owner 0 -j ACCEPT",
    "mac": "-m mac --mac-source 00:00:5e:00:53:01 -j ACCEPT",
    "cgroup": "-m cgroup --cgroup 1 -j ACCEPT",
    "rpfilter": "-m rpfilter -j ACCEPT",
    "socket": "-m socket -j ACCEPT",
    "physdev out": "-m physdev --physdev-out eth0 -j ACCEPT",
    "physdev is-out, bridged": "-m physdev --physdev-is-bridged --physdev-is-out -j ACCEPT",
    "addrtype in": "-m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT",
    "addrtype out": "-m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT",
    "policy in": "-m policy --dir in --pol none -j ACCEPT",
    "policy out": "-m policy --dir out --pol none -j ACCEPT",
    "devgroup src": "-m devgroup --src-group 1 -j ACCEPT",
    "devgroup dst": "-m devgroup --dst-group 1 -j ACCEPT",
    "conntrack": "-m conntrack --ctstate ESTABLISHED -j ACCEPT",
}

IPV4 = {
    **COMMON,
    "DNAT": "-j DNAT --to-destination 192.0.2.1",
    "SNAT": "-j SNAT --to-source 192.0.2.1",
    "NETMAP": "-j NETMAP --to 192.0.2.0/24",
    "TEE": "-j TEE --gateway 192.0.2.1",
    "ECN": "-p tcp -j ECN --ecn-tcp-remove",
    "ECN without -p": "-j ECN --ecn-ip-ect 1",
    "TTL": "-j TTL --ttl-set 5",
    "osf": "-p tcp -m osf --genre Linux -j ACCEPT",
    "realm": "-m realm --realm 1 -j ACCEPT",
}

IPV6 = {
    **COMMON,
    "DNAT": "-j DNAT --to-destination 2001:db8::1",
    "SNAT": "-j SNAT --to-source 2001:db8::1",
    "NETMAP": "-j NETMAP --to 2001:db8::/64",
    "TEE": "-j TEE --gateway 2001:db8::1",
    "DNPT": "-j DNPT --src-pfx 2001:db8::/64 --dst-pfx 2001:db8:1::/64",
    "SNPT": "-j SNPT --src-pfx 2001:db8::/64 --dst-pfx 2001:db8:1::/64",
    "HL": "-j HL --hl-set 5",
    "eui64": "-m eui64 -j ACCEPT",
}


def _placements(spec: str):
    for table, chains in BUILTIN_CHAINS.items():
        for chain in chains:
            yield f"{table} {chain}", f"*{table}\n-A {chain} {spec}\nCOMMIT\n"
            yield f"{table} user chain from {chain}", \
                f"*{table}\n:user - [0:0]\n-A {chain} -j user\n-A user {spec}\nCOMMIT\n"
        yield f"{table} user chain nothing reaches", f"*{table}\n:user - [0:0]\n-A user {spec}\nCOMMIT\n"


@pytest.mark.parametrize("family", [4, 6])
def test_placement_errors_agree_with_the_kernel(netns, family):
    require_root_and(RESTORE[family])
    kernel = KernelOracle(netns)  # one restore process per case, no `ip netns exec` each time
    rules = catalogue().select(["FW105", "FW107", "FW110"])
    specs = IPV4 if family == 4 else IPV6
    cases = disagreements = 0
    report = []
    for name, spec in specs.items():
        for where, text in _placements(spec):
            refused = kernel.restore(text, family).refused
            errors = [d for d in lint_rulesets(parse_text(text, f"rules.v{family}", family), rules)
                      if str(d.severity) == "error"]
            cases += 1
            if refused != bool(errors):
                disagreements += 1
                report.append(f"{name} in {where}: the kernel {'refuses' if refused else 'accepts'}, "
                              f"fwlint says {[d.message for d in errors] or 'nothing'}")
    kernel.close()
    assert cases == len(specs) * sum(2 * len(c) + 1 for c in BUILTIN_CHAINS.values())
    assert report == [], f"{disagreements} of {cases} disagree:\n" + "\n".join(report)
