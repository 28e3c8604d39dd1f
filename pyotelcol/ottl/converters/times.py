"""Time and duration converters: Time, FormatTime, Now, Unix, Unix*, TruncateTime, the time
components (Year .. Nanosecond, Weekday), Duration and the duration units."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pyotelcol.ottl.converters.timefmt import (
    GoTimeError,
    format_ctime,
    load_location,
    local_zone,
    now_local,
    parse_ctime,
    parse_go_duration,
    validate_ctime,
)
from pyotelcol.ottl.functions import CompileError, ExecutionError, Getter, Param, converter
from pyotelcol.ottl.values import (
    duration_from_nanos,
    duration_nanos,
    expect_duration,
    expect_int,
    expect_string,
    expect_time,
    time_from_unix_nanos,
    unix_nanos,
)

Item = Callable[[Any], Any]

# Nanoseconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch: Truncate counts
# from the zero time.
_ZERO_TO_UNIX_NS = 62_135_596_800 * 1_000_000_000


@converter(
    "Time",
    Param("time", "getter"),
    Param("format", "literal"),
    Param("location", "getter", optional=True),
    Param("locale", "literal", optional=True),
)
def build_time(time: Getter, format: str, location: Getter | None = None, locale: str | None = None) -> Item:
    """Go: parse a string with a ctime format; the location (default: UTC when the format ends
    with a literal ``Z``, else the local zone) applies when the value names no zone."""
    if not isinstance(format, str) or format == "":
        raise CompileError("format cannot be nil")
    try:
        validate_ctime(format)
    except GoTimeError as err:
        raise CompileError(str(err)) from None
    if locale not in (None, "", "en") and not str(locale).lower().startswith("en"):
        raise CompileError(f"unsupported locale '{locale}': only English month and day names are supported")
    default_utc = format.endswith("Z") and not format.endswith("%Z")

    def run(tctx: Any) -> datetime:
        name = None if location is None else expect_string(location(tctx))
        try:
            if not name:
                name = "UTC" if default_utc else "Local"
            loc = load_location(name)
        except GoTimeError as err:
            raise ExecutionError(f"failed to load location {name}: {err}") from None
        text = expect_string(time(tctx))
        if text == "":
            raise ExecutionError("time cannot be nil")
        try:
            return parse_ctime(format, text, loc)
        except GoTimeError as err:
            raise ExecutionError(str(err)) from None

    return run


@converter("FormatTime", Param("time", "getter"), Param("format", "literal"))
def build_format_time(time: Getter, format: str) -> Item:
    if not isinstance(format, str) or format == "":
        raise CompileError("format cannot be nil")
    try:
        format_ctime(datetime(2006, 1, 2), format)
    except GoTimeError as err:
        raise CompileError(str(err)) from None

    def run(tctx: Any) -> str:
        return format_ctime(expect_time(time(tctx)), format)

    return run


@converter("Now")
def build_now() -> Item:
    def run(tctx: Any) -> datetime:
        return now_local()

    return run


@converter("Unix", Param("seconds", "getter"), Param("nanoseconds", "getter", optional=True))
def build_unix(seconds: Getter, nanoseconds: Getter | None = None) -> Item:
    """Go's ``time.Unix(sec, nsec)`` in the local zone."""

    def run(tctx: Any) -> datetime:
        secs = expect_int(seconds(tctx))
        nanos = 0 if nanoseconds is None else expect_int(nanoseconds(tctx))
        return time_from_unix_nanos(secs * 1_000_000_000 + nanos, local_zone())

    return run


def _time_converter(name: str, extract: Callable[[datetime], int]) -> None:
    @converter(name, Param("time", "getter"))
    def build(time: Getter) -> Item:
        def run(tctx: Any) -> int:
            return extract(expect_time(time(tctx)))

        return run


_time_converter("UnixNano", unix_nanos)
_time_converter("UnixMicro", lambda t: unix_nanos(t) // 1_000)
_time_converter("UnixMilli", lambda t: unix_nanos(t) // 1_000_000)
_time_converter("UnixSeconds", lambda t: unix_nanos(t) // 1_000_000_000)
_time_converter("Year", lambda t: t.year)
_time_converter("Month", lambda t: t.month)
_time_converter("Day", lambda t: t.day)
_time_converter("Hour", lambda t: t.hour)
_time_converter("Minute", lambda t: t.minute)
_time_converter("Second", lambda t: t.second)
_time_converter("Nanosecond", lambda t: t.microsecond * 1000 + getattr(t, "_ns", 0))
_time_converter("Weekday", lambda t: (t.weekday() + 1) % 7)


@converter("TruncateTime", Param("time", "getter"), Param("duration", "getter"))
def build_truncate_time(time: Getter, duration: Getter) -> Item:
    """Go's ``Time.Truncate(d)``: rounded down to a multiple of ``d`` since the zero time;
    ``d <= 0`` leaves the time as it is."""

    def run(tctx: Any) -> datetime:
        value = expect_time(time(tctx))
        step = duration_nanos(expect_duration(duration(tctx)))
        if step <= 0:
            return value
        nanos = unix_nanos(value)
        remainder = (nanos + _ZERO_TO_UNIX_NS) % step
        return time_from_unix_nanos(nanos - remainder, value.tzinfo)

    return run


@converter("Duration", Param("duration", "getter"))
def build_duration(duration: Getter) -> Item:
    """Go's ``time.ParseDuration`` ("1h30m", "1.5s", "300ms", "-2us")."""

    def run(tctx: Any) -> Any:
        text = expect_string(duration(tctx))
        try:
            return duration_from_nanos(parse_go_duration(text))
        except GoTimeError as err:
            raise ExecutionError(str(err)) from None

    return run


def _duration_converter(name: str, extract: Callable[[int], int | float]) -> None:
    @converter(name, Param("duration", "getter"))
    def build(duration: Getter) -> Item:
        def run(tctx: Any) -> int | float:
            return extract(duration_nanos(expect_duration(duration(tctx))))

        return run


def _truncate_div(value: int, unit: int) -> int:
    # Go's integer division truncates toward zero.
    quotient = abs(value) // unit
    return -quotient if value < 0 else quotient


def _float_units(value: int, unit: int) -> float:
    whole = _truncate_div(value, unit)
    return whole + (value - whole * unit) / unit


_duration_converter("Nanoseconds", lambda ns: ns)
_duration_converter("Microseconds", lambda ns: _truncate_div(ns, 1_000))
_duration_converter("Milliseconds", lambda ns: _truncate_div(ns, 1_000_000))
_duration_converter("Seconds", lambda ns: _float_units(ns, 1_000_000_000))
_duration_converter("Minutes", lambda ns: _float_units(ns, 60_000_000_000))
_duration_converter("Hours", lambda ns: _float_units(ns, 3_600_000_000_000))
