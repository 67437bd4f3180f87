"""What every forked helper process needs (fwlint.nft.ahead, halves and split for the
translation, fwlint.analysis.parallel for the analysis): how many processors this process may
run on, and stdout/stderr written out before the fork so that the child does not write it again."""

from __future__ import annotations

import os
import sys


def processors() -> int:
    """The processors this process may run on (its affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def flush_before_fork() -> None:
    """Write out what stdout and stderr hold, so that a forked child does not write it again."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed, replaced by an object without flush
            continue
