"""Plugin loading through the `fwlint` entry-point group."""

import importlib.metadata
import sys
import types

import pytest

from fwlint import plugins
from fwlint.lint import Rule, Severity
from fwlint.lint.engine import catalogue, reset_catalogue
from fwlint.testing import run_rule


class CommentRequired(Rule):
    """## What it does
    Test rule: every ACCEPT carries a comment."""

    code = "FW990"
    name = "accept-without-comment"
    severity = Severity.INFO

    def check_rule(self, rule, ctx):
        if rule.target is not None and rule.target.name == "ACCEPT" and rule.comment is None:
            yield self.diagnostic(rule.span, "ACCEPT without a comment")


@pytest.fixture
def fake_entry_points(monkeypatch):
    good = types.ModuleType("fwlint_test_good_plugin")
    good.fwlint_rules = plugins.hookimpl(lambda: [CommentRequired])
    monkeypatch.setitem(sys.modules, "fwlint_test_good_plugin", good)
    broken_hook = types.ModuleType("fwlint_test_broken_hook")

    def explode():
        raise RuntimeError("hook exploded")

    broken_hook.fwlint_rules = plugins.hookimpl(explode)
    monkeypatch.setitem(sys.modules, "fwlint_test_broken_hook", broken_hook)
    eps = [
        importlib.metadata.EntryPoint("good", "fwlint_test_good_plugin", "fwlint"),
        importlib.metadata.EntryPoint("broken", "fwlint_test_no_such_module", "fwlint"),
        importlib.metadata.EntryPoint("broken-hook", "fwlint_test_broken_hook", "fwlint"),
    ]
    real = importlib.metadata.entry_points

    def entry_points(**kw):
        if kw.get("group") == "fwlint":
            return eps
        return real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    monkeypatch.delenv("FWLINT_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    plugins.set_autoload(True)
    yield
    plugins.set_autoload(True)
    reset_catalogue()


def test_plugin_rule_is_loaded_and_broken_plugins_are_skipped(fake_entry_points, capsys):
    codes = [r.code for r in catalogue()]
    assert "FW990" in codes and "FW101" in codes
    err = capsys.readouterr().err
    assert "plugin 'broken'" in err and "failed to load and is skipped" in err
    assert "plugin 'broken-hook' failed in fwlint_rules and is skipped" in err
    found = run_rule("FW990", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n")
    assert [(d.span.line, d.span.column, d.message) for d in found] == [(3, 1, "ACCEPT without a comment")]


def test_autoload_can_be_turned_off(fake_entry_points, monkeypatch):
    monkeypatch.setenv("FWLINT_DISABLE_PLUGIN_AUTOLOAD", "1")
    plugins.set_autoload(True)
    codes = [r.code for r in catalogue()]
    assert "FW990" not in codes and "FW101" in codes
    monkeypatch.delenv("FWLINT_DISABLE_PLUGIN_AUTOLOAD")
    plugins.set_autoload(False)
    assert "FW990" not in [r.code for r in catalogue()]


def test_builtin_rules_come_through_the_plugin_hook():
    pm = plugins.manager()
    assert pm.get_plugin(plugins.BUILTIN_NAME) is not None
    names = {impl.plugin_name for impl in pm.hook.fwlint_rules.get_hookimpls()}
    assert plugins.BUILTIN_NAME in names
    eps = importlib.metadata.entry_points(group="fwlint")
    assert any(ep.name == "builtin" and ep.value == "fwlint.builtin" for ep in eps)
