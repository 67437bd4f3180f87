"""The fast path for plain dotted quads in the IPv4 readers of fwlint.extensions.values reads
every word as the general readers (iptables' numeric reader, inet_aton) do."""

from __future__ import annotations

import random
import re

from fwlint.extensions import values

WORDS = ["1.2.3.4", "255.255.255.255", "0.0.0.0", "01.2.3.4", "256.1.1.1", "1.2.3", "10.1", "0x0a.1",
         "1.2.3.4.5", "1.2.3.04", "99.199.249.250", "1.2.3.4 ", " 1.2.3.4", "\u0661.2.3.4", "1.2.3.4\n",
         "192.0.2.010", "0.0.0.00", "1..2.3", "1.2.3.", "+1.2.3.4", "1.2.3.0x4"]


def _readings(words):
    return {w: (values._ipv4_numeric(w), values._ipv4_numeric(w, True), values._inet_aton(w)) for w in words}


def test_dotted_quads_read_as_without_the_fast_path(monkeypatch):
    rng = random.Random(1)
    numbers = ["0", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "300", "007"]
    words = WORDS + [".".join(rng.choice(numbers) for _ in range(4)) for _ in range(5000)]
    fast = _readings(words)
    assert sum(values._DOTTED_QUAD.fullmatch(w) is not None for w in words) > 500
    monkeypatch.setattr(values, "_DOTTED_QUAD", re.compile("(?!)"))
    assert _readings(words) == fast
    assert fast["1.2.3.04"][0] == values.ipaddress.IPv4Address("1.2.3.4")  # octal 04, not the fast path
    assert fast["10.1"][0] == values.ipaddress.IPv4Address("10.1.0.0")
    assert fast["10.1"][2] == values.ipaddress.IPv4Address("10.0.0.1")


def test_networks_are_those_of_the_written_form():
    rng = random.Random(2)
    for _ in range(3000):
        family = rng.choice((4, 6))
        width = 32 if family == 4 else 128
        addr = (values.ipaddress.IPv4Address if family == 4 else values.ipaddress.IPv6Address)(
            rng.getrandbits(width))
        bits = rng.randint(0, width)
        mask = ((1 << width) - 1) ^ ((1 << (width - bits)) - 1)
        got = values._to_network(addr, mask)
        expected = values.ipaddress.ip_network(f"{addr}/{bits}", strict=False)
        assert (got, str(got), type(got)) == (expected, str(expected), type(expected))


def test_plain_decimal_numbers_read_as_strtoul_reads_them(monkeypatch):
    words = ["0", "7", "22", "65535", "65536", "255", "256", "18446744073709551615", "18446744073709551616",
             "99999999999999999999999", "007", "08", "0x16", " 22", "22 ", "-1", "+5", "", "\u0662\u0662", "1e3"]
    words += [str(n) for n in range(0, 70000, 7)]
    ranges = [(0, 65535), (0, 255), (1, 32), (0, values._ULONG_MAX)]
    fast = {(w, lo, hi, base): values.c_number(w, lo, hi, base) for w in words for lo, hi in ranges
            for base in (0, 10)}
    monkeypatch.setattr(values, "_plain_decimal", lambda text: False)
    assert {(w, lo, hi, base): values.c_number(w, lo, hi, base) for w in words for lo, hi in ranges
            for base in (0, 10)} == fast
    assert fast[("22", 0, 65535, 0)] == 22 and fast[("65536", 0, 65535, 0)] is None
