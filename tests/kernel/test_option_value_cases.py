"""The option and value rules' case files, checked against iptables-legacy-restore and the kernel.

For FW102 (unknown-option), FW108 (invalid-value), FW111 (wrong-family), FW112
(repeated-option), FW113 (cidr-host-bits), FW114 (match-needs-protocol) and FW116
(missing-option) an error means "iptables-legacy-restore refuses the file, in userspace or
when the table is committed" and a warning means "it is accepted".  Each case ruleset is
restored (committed) in a throwaway namespace: a passing case is accepted whole; for a failing
case the ruleset without the lines that carry findings is accepted, and with each finding's line
put back alone it is refused when the finding is an error and accepted when it is a warning.  A
case's `kernel:` key says why iptables refuses it all the same: a passing case's because of
another rule's finding, a failing case's warnings because a host name does not resolve in a
namespace without DNS.
"""

from __future__ import annotations

import pytest

from tests.kernel._restore import case_params, check_case_against_restore
from tests.kernel.conftest import require_root_and

CODES = ("FW102", "FW108", "FW111", "FW112", "FW113", "FW114", "FW116")


@pytest.mark.parametrize(("code", "kind", "item"), case_params(CODES))
def test_case_agrees_with_iptables(netns, code, kind, item):
    require_root_and("iptables-legacy-restore", "ip6tables-legacy-restore")
    check_case_against_restore(netns, code, kind, item, kernel_refuses_warnings=True)
