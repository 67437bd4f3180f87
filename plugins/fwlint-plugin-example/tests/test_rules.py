"""EX101's YAML cases, run with fwlint's public harness exactly as fwlint runs its own."""

from pathlib import Path

import pytest

from fwlint.testing import case_params, check_case, check_documentation

CASES = Path(__file__).parent / "cases"


@pytest.mark.parametrize("case", case_params(CASES))
def test_case(case):
    check_case(case)


def test_rule_is_loaded_through_the_entry_point_and_documented():
    rule = check_documentation("EX101")
    assert rule.__module__ == "fwlint_plugin_example.undocumented_open_port"
    assert rule.name == "undocumented-open-port"
