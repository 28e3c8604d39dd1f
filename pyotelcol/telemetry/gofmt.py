"""Go's text formats for numbers, durations and timestamps, where users or tools compare output.

- :func:`go_float`: ``strconv.FormatFloat(v, 'g', -1, 64)`` as the Prometheus text encoder writes
  sample values and ``le`` labels (``1e+06``, ``0.25``, ``+Inf``).
- :func:`go_duration`: ``time.Duration.String()`` (``1h0m5.5s``, ``1.5ms``, ``250µs``).
- :func:`rfc3339_nano`: ``time.Time`` JSON encoding (RFC 3339 with trimmed nanoseconds).
- :func:`iso8601_millis`: zap's ISO8601 time encoder (``2006-01-02T15:04:05.000Z0700``).
"""

from __future__ import annotations

import math
import time
from decimal import Decimal

GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def go_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    sign, digit_tuple, exponent = Decimal(repr(float(value))).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    dp = len(digits) + exponent  # value = 0.<digits> * 10**dp
    stripped = digits.rstrip("0")
    digits = stripped or "0"
    # Shortest %g: scientific when the decimal exponent is < -4 or >= 6 (strconv's eprec = 6).
    exp = dp - 1
    prefix = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if dp <= 0:
        return prefix + "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return prefix + digits + "0" * (dp - len(digits))
    return prefix + digits[:dp] + "." + digits[dp:]


def _frac(value: int, unit: int, width: int) -> str:
    whole, rem = divmod(value, unit)
    if not rem:
        return str(whole)
    return f"{whole}.{rem:0{width}d}".rstrip("0")


def go_duration(nanos: int) -> str:
    """``time.Duration(nanos).String()``."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    u = abs(nanos)
    if u < 1_000:
        return f"{sign}{u}ns"
    if u < 1_000_000:
        return f"{sign}{_frac(u, 1_000, 3)}µs"
    if u < 1_000_000_000:
        return f"{sign}{_frac(u, 1_000_000, 6)}ms"
    seconds_total, rem = divmod(u, 1_000_000_000)
    hours, rest = divmod(seconds_total, 3600)
    minutes, seconds = divmod(rest, 60)
    sec = str(seconds) if not rem else f"{seconds}.{rem:09d}".rstrip("0")
    if hours:
        return f"{sign}{hours}h{minutes}m{sec}s"
    if minutes:
        return f"{sign}{minutes}m{sec}s"
    return f"{sign}{sec}s"


def _zone(offset_seconds: int, colon: bool) -> str:
    if offset_seconds == 0:
        return "Z"
    sign = "+" if offset_seconds > 0 else "-"
    hours, minutes = divmod(abs(offset_seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"


def rfc3339_nano(unix_nanos: int) -> str:
    """Go's ``time.Time`` JSON form in local time: ``2024-01-02T15:04:05.123456789+01:00``."""
    seconds, nanos = divmod(unix_nanos, 1_000_000_000)
    tm = time.localtime(seconds)
    frac = f".{nanos:09d}".rstrip("0") if nanos else ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", tm) + frac.rstrip(".") + _zone(tm.tm_gmtoff, True)


def iso8601_millis(created: float) -> str:
    """zap's ISO8601TimeEncoder in local time: ``2024-01-02T15:04:05.000Z`` / ``...000+0100``."""
    seconds = int(created)
    tm = time.localtime(seconds)
    millis = int((created - seconds) * 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', tm)}.{millis:03d}{_zone(tm.tm_gmtoff, False)}"


__all__ = ["GO_ZERO_TIME", "go_duration", "go_float", "iso8601_millis", "rfc3339_nano"]
