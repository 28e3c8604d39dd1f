"""Go's time.ParseDuration: "250ms", "1m30s", "1.5h"; a bare integer means nanoseconds."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([a-zµμ]+)")


def parse_duration(text: str) -> timedelta:
    orig = text
    if text in ("0", "+0", "-0"):
        return timedelta(0)
    sign = 1
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if not text:
        raise ValueError(f'time: invalid duration "{orig}"')
    total_ns = 0.0
    pos = 0
    while pos < len(text):
        m = _PART.match(text, pos)
        if not m or m.group(1) in ("", "."):
            raise ValueError(f'time: invalid duration "{orig}"')
        unit = m.group(2)
        if unit not in _UNITS_NS:
            raise ValueError(f'time: unknown unit "{unit}" in duration "{orig}"')
        total_ns += float(m.group(1)) * _UNITS_NS[unit]
        pos = m.end()
    return timedelta(microseconds=sign * total_ns / 1000)


def format_duration(value: timedelta) -> str:
    """Go's Duration.String() for the common cases (used in logs and health responses)."""
    total = value.total_seconds()
    if total == 0:
        return "0s"
    sign = "-" if total < 0 else ""
    total = abs(total)
    if total < 1:
        ms = total * 1000
        return f"{sign}{ms:g}ms" if ms >= 1 else f"{sign}{total * 1e6:g}µs"
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    out = sign
    if hours:
        out += f"{int(hours)}h"
    if hours or minutes:
        out += f"{int(minutes)}m"
    return out + f"{round(seconds, 9):g}s"
