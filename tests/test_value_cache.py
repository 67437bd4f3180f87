"""The cache of value readings keeps a refusal as what it was made of, never a raised error with
its traceback (which would keep the frames of whoever read the value, and their rulesets)."""

from __future__ import annotations

import gc
import weakref

import pytest

from fwlint.extensions import values
from fwlint.extensions.values import NETWORK, PORT, BadValue, WrongFamily


class Ruleset:
    """Stands for what a caller's frame holds while it reads a value."""


def _read_and_fail(vtype: values.ValueType, text: str) -> weakref.ref:
    held = Ruleset()
    try:
        vtype.parse(text, 4)
    except BadValue:
        pass
    return weakref.ref(held)


@pytest.mark.parametrize("vtype, text", [(PORT, "no-such-service-s4"), (NETWORK, "2001:db8::77")])
def test_a_refused_value_keeps_no_caller_frame_alive(vtype: values.ValueType, text: str) -> None:
    first = _read_and_fail(vtype, text)  # read, refused and cached
    second = _read_and_fail(vtype, text)  # refused from the cache
    gc.collect()
    assert first() is None
    assert second() is None


def test_the_cache_holds_no_error_object() -> None:
    with pytest.raises(BadValue):
        PORT.parse("no-such-service-s4b", 4)
    outcome = values._read(PORT, "no-such-service-s4b", 4, None)
    assert not isinstance(outcome, BaseException)
    assert outcome == values._Refusal(BadValue, ("'no-such-service-s4b' is neither a port number nor a "
                                                 "service name",), ())


def test_each_raise_is_a_new_error_equal_to_the_first() -> None:
    errors = []
    for _ in range(2):
        with pytest.raises(WrongFamily) as caught:
            NETWORK.parse("2001:db8::78", 4)
        errors.append(caught.value)
    first, second = errors
    assert first is not second
    assert type(second) is WrongFamily
    assert str(first) == str(second) == "2001:db8::78 is an IPv6 address, in an IPv4 rule"
    assert first.family == second.family == 6
    assert second.__context__ is None and second.__cause__ is None


def test_an_error_raised_while_handling_another_does_not_chain_into_the_cache() -> None:
    try:
        raise KeyError("outer")
    except KeyError:
        with pytest.raises(BadValue) as caught:
            PORT.parse("no-such-service-s4c", 4)
    assert isinstance(caught.value.__context__, KeyError)  # this raise's own context
    outcome = values._read(PORT, "no-such-service-s4c", 4, None)
    assert isinstance(outcome, values._Refusal)
    fresh = outcome.error()
    assert fresh.__context__ is None and fresh.__traceback__ is None
