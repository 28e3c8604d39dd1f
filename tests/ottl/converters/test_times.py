"""Time and duration converters against Go's documented behaviour (README examples included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pyotelcol.ottl.converters.timefmt import go_format
from pyotelcol.ottl.functions import CompileError, ExecutionError
from pyotelcol.ottl.values import duration_nanos, time_from_unix_nanos, unix_nanos


@pytest.fixture(autouse=True)
def utc_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Go's time.Local follows $TZ; pin it so "local" results do not depend on the host.
    monkeypatch.setenv("TZ", "UTC")


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


PARSE_CASES: list[tuple[tuple[Any, ...], str]] = [
    (("02/04/2023", "%m/%d/%Y"), "2023-02-04T00:00:00+00:00"),
    (("Feb 15, 2023", "%b %d, %Y"), "2023-02-15T00:00:00+00:00"),
    (("2023-05-26 12:34:56 HST", "%Y-%m-%d %H:%M:%S %Z"), "2023-05-26T22:34:56+00:00"),
    (("1986-10-01T00:17:33 MST", "%Y-%m-%dT%H:%M:%S %Z"), "1986-10-01T07:17:33+00:00"),
    (("2012-11-01T22:08:41+0000 EST", "%Y-%m-%dT%H:%M:%S%z %Z"), "2012-11-01T22:08:41+00:00"),
    (
        ("2023-05-26 12:34:56", "%Y-%m-%d %H:%M:%S", "America/New_York"),
        "2023-05-26T16:34:56+00:00",
    ),
    (("2023-01-10 12:00:00 -0700", "%Y-%m-%d %H:%M:%S %z"), "2023-01-10T19:00:00+00:00"),
    (("2023-01-10T12:00:00+05:30", "%Y-%m-%dT%H:%M:%S%z"), "2023-01-10T06:30:00+00:00"),
    (("2023-01-10T12:00:00Z", "%Y-%m-%dT%H:%M:%S%z"), "2023-01-10T12:00:00+00:00"),
    (("2023-01-10 12:00:00 UTC", "%Y-%m-%d %H:%M:%S %Z"), "2023-01-10T12:00:00+00:00"),
    (("03:04:05 PM 2020-01-02", "%I:%M:%S %p %Y-%m-%d"), "2020-01-02T15:04:05+00:00"),
    (("12:00:00 am 2020-01-02", "%I:%M:%S %P %Y-%m-%d"), "2020-01-02T00:00:00+00:00"),
    (("Jan  5 2023", "%b %e %Y"), "2023-01-05T00:00:00+00:00"),
    (("1/2/06", "%D"), "2006-01-02T00:00:00+00:00"),
    (("1/2/2006", "%D"), "2006-01-02T00:00:00+00:00"),
    (("Monday January 2 2006 3:4:5", "%A %B %d %Y %H:%M:%S"), "2006-01-02T03:04:05+00:00"),
    (("Mon Jan  2 15:04:05 2006", "%c"), "2006-01-02T15:04:05+00:00"),
    (("2023-05-26 12:34:56.5", "%Y-%m-%d %H:%M:%S"), "2023-05-26T12:34:56.500000+00:00"),
]


@pytest.mark.parametrize(("args", "expected"), PARSE_CASES)
def test_time_parses_like_go(call: Any, args: tuple[Any, ...], expected: str) -> None:
    assert iso(call("Time", *args)) == expected


def test_time_keeps_nanoseconds_and_zone(call: Any) -> None:
    parsed = call("Time", "2023-05-26 12:34:56.123456789 -0300", "%Y-%m-%d %H:%M:%S.%s %z")
    assert unix_nanos(parsed) == 1685115296123456789
    assert call("Nanosecond", parsed) == 123456789
    assert call("Hour", parsed) == 12
    assert call("UnixMilli", parsed) == 1685115296123
    assert call("FormatTime", parsed, "%H:%M:%S.%s %j") == "12:34:56.123456789 -03:00"


def test_time_without_a_year_is_this_year(call: Any) -> None:
    parsed = call("Time", "Feb 15 10:00:00", "%b %d %H:%M:%S")
    now = datetime.now(UTC)
    assert (parsed.month, parsed.day, parsed.hour) == (2, 15, 10)
    assert parsed.year in (now.year, now.year - 1)
    assert parsed <= now + timedelta(days=7)


def test_format_ending_in_literal_z_defaults_to_utc(call: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert iso(call("Time", "2023-01-10 12:00:00Z", "%Y-%m-%d %H:%M:%SZ")) == "2023-01-10T12:00:00+00:00"
    assert iso(call("Time", "2023-01-10 12:00:00", "%Y-%m-%d %H:%M:%S")) == "2023-01-10T03:00:00+00:00"


TIME_ERRORS: list[tuple[tuple[Any, ...], str]] = [
    (("2023-13-01", "%Y-%m-%d"), 'parsing time "2023-13-01": month out of range'),
    (("2023-02-30", "%Y-%m-%d"), 'parsing time "2023-02-30": day out of range'),
    (("abc", "%Y"), 'parsing time "abc" as "%Y": cannot parse "abc" as "%Y"'),
    (("2023-01-x1", "%Y-%m-%d"), 'parsing time "2023-01-x1" as "%Y-%m-%d": cannot parse "x1" as "%d"'),
    (("2023x", "%Y"), 'parsing time "2023x": extra text: "x"'),
    (("2023-01-01 25:00:00", "%Y-%m-%d %H:%M:%S"), 'parsing time "2023-01-01 25:00:00": hour out of range'),
    (("2023-01-01 PST", "%Y-%m-%d %Z"), "failed to load location PST: unknown time zone PST"),
    (("", "%Y"), "time cannot be nil"),
    ((5, "%Y"), "expected string but got int64"),
    (("2023", "%Y", "Mars/Olympus"), "failed to load location Mars/Olympus"),
]


@pytest.mark.parametrize(("args", "message"), TIME_ERRORS)
def test_time_errors(call: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ExecutionError) as caught:
        call("Time", *args)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", ""), "format cannot be nil"),
        (("x", "%Q"), "unsupported ctimefmt.toNative() directive: %Q"),
        (("x", "%S%L"), "invalid fractional seconds directive: 'S%L'"),
        (("x", "%Y 2"), "format string should not contain decimals"),
        (("x", "%Y", None, "it"), "unsupported locale 'it'"),
    ],
)
def test_time_compile_errors(compile_converter: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(CompileError) as caught:
        compile_converter("Time", *args)
    assert message in str(caught.value)


SAMPLE = time_from_unix_nanos(1675512000_500000000, UTC)  # 2023-02-04 12:00:00.5 UTC, Saturday

FORMAT_CASES: list[tuple[str, str]] = [
    ("%A %h %e %Y", "Saturday Feb  4 2023"),
    ("%b %d %Y %H:%M:%S", "Feb 04 2023 12:00:00"),
    ("%Y-%m-%dT%H:%M:%S.%L%z", "2023-02-04T12:00:00.5Z"),
    ("%Y-%m-%d %H:%M:%S.%f %Z", "2023-02-04 12:00:00.5 UTC"),
    ("%y %q %g %l %I %p %P %M %S", "23 2 4 12 12 PM pm 00 00"),
    ("%D|%F|%T|%R|%r", "02/04/2023|2023-02-04|12:00:00|12:00|12:00:00 pm"),
    ("%c", "Sat Feb 04 12:00:00 2023"),
    ("%i %j %k %w", "+00 +00:00 +00:00:00 +000000"),
    ("%% %n%t", "% \n\t"),
    # Go quirk kept: digits in a format are reference-time tokens ("1" is the month).
    ("1%%", "2%"),
]


@pytest.mark.parametrize(("fmt", "expected"), FORMAT_CASES)
def test_format_time(call: Any, fmt: str, expected: str) -> None:
    assert call("FormatTime", SAMPLE, fmt) == expected


def test_format_time_round_trips_the_readme_example(call: Any) -> None:
    parsed = call("Time", "02/04/2023", "%m/%d/%Y")
    assert call("FormatTime", parsed, "%A %h %e %Y") == "Saturday Feb  4 2023"


def test_go_layout_text_around_directives_is_layout_too() -> None:
    # As in Go, "Jan" or "Monday" written literally in a format are reference-time tokens.
    assert go_format(SAMPLE, "Monday, Jan 2 2006 15:04:05.000 -07:00 MST") == (
        "Saturday, Feb 4 2023 12:00:00.500 +00:00 UTC"
    )


def test_format_time_errors(call: Any, compile_converter: Any) -> None:
    with pytest.raises(CompileError, match=r"unsupported ctimefmt\.toNative"):
        compile_converter("FormatTime", SAMPLE, "%Q")
    with pytest.raises(ExecutionError, match="expected time but got string"):
        call("FormatTime", "2023", "%Y")


def test_unix_and_components(call: Any) -> None:
    moment = call("Unix", 1672527600)
    assert iso(moment) == "2022-12-31T23:00:00+00:00"
    precise = call("Unix", 1672527600, 123456789)
    assert call("UnixNano", precise) == 1672527600123456789
    assert call("UnixMicro", precise) == 1672527600123456
    assert call("UnixMilli", precise) == 1672527600123
    assert call("UnixSeconds", precise) == 1672527600
    parts = [call(name, precise) for name in ("Year", "Month", "Day", "Hour", "Minute", "Second")]
    assert parts == [2022, 12, 31, 23, 0, 0]
    assert call("Weekday", precise) == 6  # Saturday (Go: 0 is Sunday)
    with pytest.raises(ExecutionError, match="expected int64 but got string"):
        call("Unix", "1")


def test_now_is_current(call: Any) -> None:
    before = datetime.now(UTC)
    now = call("Now")
    assert before - timedelta(seconds=5) <= now <= datetime.now(UTC)


def test_truncate_time(call: Any) -> None:
    moment = call("Unix", 1672527661, 5)
    minute = call("Duration", "1m")
    assert call("UnixSeconds", call("TruncateTime", moment, minute)) == 1672527660
    assert call("UnixNano", call("TruncateTime", moment, call("Duration", "7h"))) == (
        # Go truncates since year 1, not since 1970: 7h steps are not aligned to the epoch.
        ((1672527661 + 62135596800) // 25200 * 25200 - 62135596800) * 10**9
    )
    assert call("TruncateTime", moment, call("Duration", "0s")) == moment
    with pytest.raises(ExecutionError, match="expected duration but got int64"):
        call("TruncateTime", moment, 60)


DURATIONS: list[tuple[str, int, str]] = [
    ("3s", 3_000_000_000, "3s"),
    ("333ms", 333_000_000, "333ms"),
    ("1000000h", 3_600_000_000_000_000_000, "1000000h0m0s"),
    ("1h30m", 5_400_000_000_000, "1h30m0s"),
    ("-1.5s", -1_500_000_000, "-1.5s"),
    ("1.5µs", 1_500, "1.5µs"),
    ("2us300ns", 2_300, "2.3µs"),
    ("0", 0, "0s"),
    ("+5m", 300_000_000_000, "5m0s"),
]


@pytest.mark.parametrize(("text", "nanos", "printed"), DURATIONS)
def test_duration(call: Any, text: str, nanos: int, printed: str) -> None:
    value = call("Duration", text)
    assert duration_nanos(value) == nanos
    assert str(value) == printed
    assert call("Nanoseconds", value) == nanos


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1", 'time: missing unit in duration "1"'),
        ("1x", 'time: unknown unit "x" in duration "1x"'),
        ("", 'time: invalid duration ""'),
        ("h", 'time: invalid duration "h"'),
        ("3000000h", 'time: invalid duration "3000000h"'),
    ],
)
def test_duration_errors(call: Any, text: str, message: str) -> None:
    with pytest.raises(ExecutionError) as caught:
        call("Duration", text)
    assert str(caught.value) == message


def test_duration_units(call: Any) -> None:
    hour = call("Duration", "1h")
    assert call("Microseconds", hour) == 3_600_000_000
    assert call("Milliseconds", hour) == 3_600_000
    assert call("Seconds", hour) == 3600.0
    assert call("Minutes", hour) == 60.0
    assert call("Hours", call("Duration", "90m")) == 1.5
    assert call("Microseconds", call("Duration", "-1500ns")) == -1
    assert call("Seconds", call("Duration", "1.5s")) == 1.5
    with pytest.raises(ExecutionError, match="expected duration but got int64"):
        call("Hours", 5)
