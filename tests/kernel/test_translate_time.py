"""`-m time` windows on the kernel: iptables' time match and fwlint's ``meta hour`` translation
drop the same packets, whatever the clock says.

Each case is one OUTPUT rule dropping UDP to 127.0.0.1:9 inside a window of the day (UTC),
loaded with iptables-legacy-restore into one namespace and fwlint's translation with nft into
another; a datagram sent in each is refused (EPERM) when the rule drops it.  Windows are set
around the current time so that both "inside" and "outside" are exercised in every run, and the
degenerate ones (start equal to stop, start one second after stop), which xt_time takes as the
whole day, are included.
"""

from __future__ import annotations

import time

import pytest

from fwlint.nft import Options, translate
from fwlint.nft.render import to_text
from fwlint.parse import parse_text
from tests.kernel.conftest import require_root_and

SEND = ("import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "try:\n"
        "    s.sendto(b'x', ('127.0.0.1', 9)); print('sent')\n"
        "except PermissionError:\n"
        "    print('dropped')\n")


def _clock(seconds: int) -> str:
    seconds %= 86400
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _cases(now: int) -> list[tuple[str, str, bool]]:
    """(start, stop, whether a packet sent now is inside), for windows around ``now`` (seconds
    of the UTC day); none has an edge within 10 minutes of now, so the test cannot straddle one."""
    out = []
    for start, stop in ((now - 1800, now + 1800), (now + 1800, now + 5400), (now - 5400, now - 1800),
                        (now + 1800, now - 1800), (now - 1800, now - 5400)):
        start %= 86400
        stop %= 86400
        inside = (start <= now <= stop) if start < stop else not (stop < now < start)
        out.append((_clock(start), _clock(stop), inside))
    out.append((_clock(now + 3600), _clock(now + 3600), True))  # start = stop: the whole day
    out.append((_clock(now + 3601), _clock(now + 3600), True))  # the second after: the whole day
    return out


def _ruleset(start: str, stop: str) -> str:
    return ("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
            f"-A OUTPUT -d 127.0.0.1/32 -p udp -m udp --dport 9 -m time --timestart {start} "
            f"--timestop {stop} -j DROP\nCOMMIT\n")


def test_time_windows_drop_the_same_packets_on_both_sides(netns_factory) -> None:
    require_root_and("iptables-legacy-restore", "nft")
    now = int(time.time()) % 86400
    if min(now % 1800, 1800 - now % 1800) < 60:
        time.sleep(61)  # keep away from the edges the windows are made of
        now = int(time.time()) % 86400
    cases = _cases(now)
    seen = []
    for start, stop, inside in cases:
        text = _ruleset(start, stop)
        result = translate(parse_text(text, "time.v4", family=4), Options())
        assert result.diagnostics == [], result.diagnostics
        legacy, nft = netns_factory(), netns_factory()
        loaded = legacy.run("iptables-legacy-restore", input=text)
        assert loaded.returncode == 0, loaded.stderr
        loaded = nft.run("nft", "-f", "-", input=to_text(result.tables))
        assert loaded.returncode == 0, loaded.stderr
        fates = [ns.run("python3", "-c", SEND, check=True).stdout.strip() for ns in (legacy, nft)]
        seen.append((start, stop, inside, *fates))
    expected = [(start, stop, inside, *(["dropped" if inside else "sent"] * 2)) for start, stop, inside in cases]
    assert seen == expected


@pytest.mark.parametrize(("start", "stop", "rule"), [
    ("10:00", "10:00", "udp dport 9 drop"),
    ("10:00", "10:00 --contiguous", "udp dport 9 drop"),
    ("10:00:01", "10:00", "udp dport 9 drop"),
    ("10:00:02", "10:00", "udp dport 9 meta hour != 36001 drop"),
])
def test_a_window_of_the_whole_day_tests_no_hour(start: str, stop: str, rule: str) -> None:
    text = _ruleset(start, stop).replace("-d 127.0.0.1/32 ", "")
    result = translate(parse_text(text, "time.v4", family=4), Options())
    assert [line.strip() for line in to_text(result.tables).splitlines() if "dport 9" in line] == [rule]
