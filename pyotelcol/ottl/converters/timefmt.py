"""Go time layouts, the ctime-style formats OTTL's Time/FormatTime take, and Go durations.

OTTL (like Go's collector-contrib ``timeutils``) turns a ctime format (``%Y-%m-%d``) into a Go
layout (``2006-01-02``) and lets Go's ``time`` package format or parse with it; text around
the directives is part of the layout too (so ``Jan`` in a format is a month name, as in Go).
This module implements that layout engine: the same reference-time tokens, the same lenient
numeric fields (one or two digits, leading spaces before numbers), the same zone rules and
error messages.
"""

from __future__ import annotations

import itertools
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyotelcol.ottl.values import Time, time_from_unix_nanos, unix_nanos

__all__ = [
    "CtimeError",
    "GoTimeError",
    "format_ctime",
    "go_format",
    "load_location",
    "local_zone",
    "parse_ctime",
    "parse_go_duration",
    "validate_ctime",
]


class GoTimeError(ValueError):
    """A parse or format failure; the message is Go's."""


class CtimeError(GoTimeError):
    """An invalid ctime format (reported when the statement is compiled)."""


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

# --- ctime directives ----------------------------------------------------------------------------

CTIME_TO_LAYOUT = {
    "%Y": "2006",
    "%y": "06",
    "%m": "01",
    "%o": "_1",
    "%q": "1",
    "%b": "Jan",
    "%h": "Jan",
    "%B": "January",
    "%d": "02",
    "%e": "_2",
    "%g": "2",
    "%a": "Mon",
    "%A": "Monday",
    "%H": "15",
    "%l": "3",
    "%I": "03",
    "%p": "PM",
    "%P": "pm",
    "%M": "04",
    "%S": "05",
    "%L": "999",
    "%f": "999999",
    "%s": "999999999",
    "%Z": "MST",
    "%z": "Z0700",
    "%w": "-070000",
    "%i": "-07",
    "%j": "-07:00",
    "%k": "-07:00:00",
    "%D": "01/02/2006",
    "%x": "01/02/2006",
    "%F": "2006-01-02",
    "%T": "15:04:05",
    "%X": "15:04:05",
    "%r": "03:04:05 pm",
    "%R": "15:04",
    "%n": "\n",
    "%t": "\t",
    "%%": "%",
    "%c": "Mon Jan 02 15:04:05 2006",
}

# Parsing accepts one- or two-digit numbers and several spellings of some directives.
CTIME_PARSE_ALTERNATIVES = {
    "%m": ["1"],
    "%o": ["1"],
    "%q": ["1"],
    "%d": ["2"],
    "%e": ["2"],
    "%g": ["2"],
    "%I": ["3"],
    "%M": ["4"],
    "%S": ["5"],
    "%D": ["1/2/2006", "1/2/06"],
    "%x": ["1/2/2006", "1/2/06"],
    "%F": ["2006-1-2"],
    "%T": ["15:4:5"],
    "%X": ["15:4:5"],
    "%r": ["3:4:5 pm"],
    "%R": ["15:4"],
    "%c": ["Mon Jan 2 15:4:5 2006"],
    "%z": ["Z0700", "Z07:00", "Z07"],
}

_DIRECTIVE_RE = re.compile(r"%.", re.DOTALL)
_BAD_FRACTION_RE = re.compile(r"[^.,]%[Lfs]")


def validate_ctime(fmt: str) -> None:
    """Go's ``ValidateStrptime``: no digits, fractions after ``.``/``,``, known directives."""
    if re.search(r"\d", fmt):
        raise CtimeError("format string should not contain decimals")
    bad = _BAD_FRACTION_RE.search(fmt)
    if bad:
        raise CtimeError(f"invalid fractional seconds directive: '{bad.group()}'. must be preceded with '.' or ','")
    unknown = [d for d in _DIRECTIVE_RE.findall(fmt) if d not in CTIME_TO_LAYOUT]
    if unknown:
        errors = " ".join(f"unsupported ctimefmt.toNative() directive: {d}" for d in unknown)
        raise CtimeError(f"invalid strptime format: [{errors}]")


def ctime_to_layout(fmt: str) -> str:
    unknown = [d for d in _DIRECTIVE_RE.findall(fmt) if d not in CTIME_TO_LAYOUT]
    if unknown:
        errors = " ".join(f"unsupported ctimefmt.toNative() directive: {d}" for d in unknown)
        raise CtimeError(f"convert to go time format: [{errors}]")
    return _DIRECTIVE_RE.sub(lambda m: CTIME_TO_LAYOUT[m.group()], fmt)


# --- Go layout tokens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Std:
    kind: str  # e.g. "LongMonth", "ZeroDay", "Frac0", "TZ", "NumTZ", "ISOTZ"
    text: str  # the layout text, e.g. "Jan", ".000", "-07:00"


def _layout_chunks(layout: str) -> list[str | _Std]:
    """Split a Go layout into literal text and standard chunks (Go's nextStdChunk)."""
    chunks: list[str | _Std] = []
    literal: list[str] = []
    i = 0
    n = len(layout)

    def std(kind: str, size: int) -> None:
        nonlocal i
        if literal:
            chunks.append("".join(literal))
            literal.clear()
        chunks.append(_Std(kind, layout[i : i + size]))
        i += size

    while i < n:
        rest = layout[i:]
        c = layout[i]
        if c == "J" and rest.startswith("Jan"):
            if rest.startswith("January"):
                std("LongMonth", 7)
            else:
                std("Month", 3)
            continue
        if c == "M" and rest.startswith("Mon"):
            if rest.startswith("Monday"):
                std("LongWeekDay", 6)
            else:
                std("WeekDay", 3)
            continue
        if c == "M" and rest.startswith("MST"):
            std("TZ", 3)
            continue
        if c == "0" and len(rest) >= 2 and rest[1] in "123456":
            std({"1": "ZeroMonth", "2": "ZeroDay", "3": "ZeroHour12", "4": "ZeroMinute",
                 "5": "ZeroSecond", "6": "Year"}[rest[1]], 2)  # fmt: skip
            continue
        if c == "0" and rest.startswith("002"):
            std("ZeroYearDay", 3)
            continue
        if c == "1":
            if rest.startswith("15"):
                std("Hour", 2)
            else:
                std("NumMonth", 1)
            continue
        if c == "2":
            if rest.startswith("2006"):
                std("LongYear", 4)
            else:
                std("Day", 1)
            continue
        if c == "_" and rest.startswith("_2"):
            if rest.startswith("_2006"):
                literal.append("_")
                i += 1
                std("LongYear", 4)
            else:
                std("UnderDay", 2)
            continue
        if c == "_" and rest.startswith("__2"):
            std("UnderYearDay", 3)
            continue
        if c in "345":
            std({"3": "Hour12", "4": "Minute", "5": "Second"}[c], 1)
            continue
        if c == "P" and rest.startswith("PM"):
            std("PM", 2)
            continue
        if c == "p" and rest.startswith("pm"):
            std("pm", 2)
            continue
        if c in "-Z":
            kind = "NumTZ" if c == "-" else "ISOTZ"
            for form in ("070000", "07:00:00", "0700", "07:00", "07"):
                if rest[1:].startswith(form):
                    std(kind, 1 + len(form))
                    break
            else:
                literal.append(c)
                i += 1
            continue
        if c in ".," and len(rest) >= 2 and rest[1] in "09":
            digit = rest[1]
            j = 1
            while j < len(rest) and rest[j] == digit:
                j += 1
            if not (j < len(rest) and rest[j].isdigit()):
                std("Frac0" if digit == "0" else "Frac9", j)
                continue
        literal.append(c)
        i += 1
    if literal:
        chunks.append("".join(literal))
    return chunks


# --- formatting ------------------------------------------------------------------------------------


def _offset_seconds(value: datetime) -> int:
    offset = value.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _zone_name(value: datetime) -> str:
    name = value.tzname() or ""
    if value.tzinfo is UTC or name in ("UTC+00:00", "UTC"):
        return "UTC"
    if name.startswith("UTC") and len(name) > 3:
        return ""  # a fixed offset without a name (Go prints the offset for MST then)
    return name


def _format_offset(seconds: int, text: str, iso: bool) -> str:
    if iso and seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    total = abs(seconds)
    hours, rem = divmod(total, 3600)
    minutes, secs = divmod(rem, 60)
    form = text[1:]
    if form in ("07",):
        return f"{sign}{hours:02d}"
    if form == "0700":
        return f"{sign}{hours:02d}{minutes:02d}"
    if form == "07:00":
        return f"{sign}{hours:02d}:{minutes:02d}"
    if form == "070000":
        return f"{sign}{hours:02d}{minutes:02d}{secs:02d}"
    return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"


def go_format(value: datetime, layout: str) -> str:
    """Go's ``Time.Format(layout)``."""
    nanos = value.microsecond * 1000 + getattr(value, "_ns", 0)
    out: list[str] = []
    for chunk in _layout_chunks(layout):
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        kind = chunk.kind
        hour12 = value.hour % 12 or 12
        if kind == "Year":
            out.append(f"{value.year % 100:02d}")
        elif kind == "LongYear":
            out.append(f"{value.year:04d}")
        elif kind == "Month":
            out.append(MONTHS[value.month - 1][:3])
        elif kind == "LongMonth":
            out.append(MONTHS[value.month - 1])
        elif kind == "NumMonth":
            out.append(str(value.month))
        elif kind == "ZeroMonth":
            out.append(f"{value.month:02d}")
        elif kind == "WeekDay":
            out.append(DAYS[(value.weekday() + 1) % 7][:3])
        elif kind == "LongWeekDay":
            out.append(DAYS[(value.weekday() + 1) % 7])
        elif kind == "Day":
            out.append(str(value.day))
        elif kind == "UnderDay":
            out.append(f"{value.day:2d}")
        elif kind == "ZeroDay":
            out.append(f"{value.day:02d}")
        elif kind == "UnderYearDay":
            out.append(f"{value.timetuple().tm_yday:3d}")
        elif kind == "ZeroYearDay":
            out.append(f"{value.timetuple().tm_yday:03d}")
        elif kind == "Hour":
            out.append(f"{value.hour:02d}")
        elif kind == "Hour12":
            out.append(str(hour12))
        elif kind == "ZeroHour12":
            out.append(f"{hour12:02d}")
        elif kind == "Minute":
            out.append(str(value.minute))
        elif kind == "ZeroMinute":
            out.append(f"{value.minute:02d}")
        elif kind == "Second":
            out.append(str(value.second))
        elif kind == "ZeroSecond":
            out.append(f"{value.second:02d}")
        elif kind == "PM":
            out.append("PM" if value.hour >= 12 else "AM")
        elif kind == "pm":
            out.append("pm" if value.hour >= 12 else "am")
        elif kind in ("NumTZ", "ISOTZ"):
            out.append(_format_offset(_offset_seconds(value), chunk.text, kind == "ISOTZ"))
        elif kind == "TZ":
            name = _zone_name(value)
            out.append(name or _format_offset(_offset_seconds(value), "-0700", False))
        elif kind in ("Frac0", "Frac9"):
            digits = len(chunk.text) - 1
            frac = f"{nanos:09d}"[:digits]
            if kind == "Frac9":
                frac = frac.rstrip("0")
                if frac:
                    out.append(chunk.text[0] + frac)
            else:
                out.append(chunk.text[0] + frac)
    return "".join(out)


def format_ctime(value: datetime, fmt: str) -> str:
    """OTTL's FormatTime: the ctime format turned into a Go layout, then Go's Format."""
    return go_format(value, ctime_to_layout(fmt))


# --- zones -----------------------------------------------------------------------------------------


def local_zone() -> tzinfo:
    """Go's ``time.Local``: $TZ when set ("" is UTC), else /etc/localtime, else UTC."""
    name = os.environ.get("TZ")
    if name is not None:
        if name in ("", "UTC"):
            return UTC
        try:
            return ZoneInfo(name.lstrip(":"))
        except (ZoneInfoNotFoundError, ValueError):
            return UTC
    try:
        with open("/etc/localtime", "rb") as handle:
            return ZoneInfo.from_file(handle, key="Local")
    except OSError:
        return UTC


def load_location(name: str) -> tzinfo:
    """Go's ``time.LoadLocation``: "" and "UTC" are UTC, "Local" the local zone."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return local_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise GoTimeError(f"unknown time zone {name}") from None


# --- parsing ---------------------------------------------------------------------------------------


class _Fail(Exception):
    def __init__(self, value_elem: str, layout_elem: str, message: str = "") -> None:
        super().__init__(message)
        self.value_elem = value_elem
        self.layout_elem = layout_elem
        self.message = message


def _getnum(value: str, fixed: bool) -> tuple[int, str]:
    if not value[:1].isdigit() or not value[:1].isascii():
        raise ValueError
    if not value[1:2].isdigit() or not value[1:2].isascii():
        if fixed:
            raise ValueError
        return int(value[0]), value[1:]
    return int(value[:2]), value[2:]


def _skip(value: str, prefix: str) -> str:
    while prefix:
        if prefix[0] == " ":
            if value and value[0] != " ":
                raise ValueError
            prefix = prefix.lstrip(" ")
            value = value.lstrip(" ")
            continue
        if not value or value[0] != prefix[0]:
            raise ValueError
        prefix, value = prefix[1:], value[1:]
    return value


def _lookup(names: list[str], value: str, size: int | None) -> tuple[int, str]:
    for index, name in enumerate(names):
        text = name[:size] if size else name
        if value[: len(text)].lower() == text.lower():
            return index, value[len(text) :]
    raise ValueError


def _parse_tz_name(value: str) -> int:
    """Go's parseTimeZone: the length of a zone abbreviation at the start of ``value``."""
    if len(value) < 3:
        return 0
    if value.startswith(("ChST", "MeST")):
        return 4
    if value.startswith("GMT"):
        match = re.match(r"GMT([+-](?:1[0-4]|[0-9]))?", value)
        return len(match.group()) if match else 3
    if value[0] in "+-":
        match = re.match(r"[+-](?:1[0-4]|[0-9]|0[0-9])", value)
        return len(match.group()) if match else 0
    upper = 0
    while upper < min(6, len(value)) and "A" <= value[upper] <= "Z":
        upper += 1
    if upper == 5 and value[4] == "T":
        return 5
    if upper == 4 and (value[3] == "T" or value[:4] == "WITA"):
        return 4
    if upper == 3:
        return 3
    return 0


@dataclass
class _Parsed:
    year: int = 0
    month: int = 1
    day: int = 1
    hour: int = 0
    minute: int = 0
    second: int = 0
    nanos: int = 0
    pm: bool = False
    am: bool = False
    offset: int | None = None
    zone_name: str | None = None


_NUMERIC_KINDS = {
    "Year", "LongYear", "NumMonth", "ZeroMonth", "Day", "ZeroDay", "UnderDay", "Hour", "Hour12",
    "ZeroHour12", "Minute", "ZeroMinute", "Second", "ZeroSecond", "ZeroYearDay", "UnderYearDay",
}  # fmt: skip


def _parse_layout(layout: str, value: str, lenient_spaces: bool) -> _Parsed:
    parsed = _Parsed()
    chunks = _layout_chunks(layout)
    for index, chunk in enumerate(chunks):
        if isinstance(chunk, str):
            try:
                value = _skip(value, chunk)
            except ValueError:
                raise _Fail(value, chunk) from None
            continue
        kind = chunk.kind
        if lenient_spaces and (kind in _NUMERIC_KINDS or kind == "ISOTZ"):
            # OTTL retries a directive with the leading spaces found in the value.
            value = value.lstrip(" ")
        before = value
        try:
            value = _parse_chunk(parsed, chunk, value, chunks[index + 1 :])
        except _Fail:
            raise
        except ValueError:
            raise _Fail(before, chunk.text) from None
    if value:
        raise _Fail(value, "", f": extra text: {_go_quote(value)}")
    return parsed


def _parse_chunk(parsed: _Parsed, chunk: _Std, value: str, rest: list[str | _Std]) -> str:
    kind = chunk.kind
    if kind == "Year":
        if len(value) < 2 or not value[:2].isdigit():
            raise ValueError
        year = int(value[:2])
        parsed.year = year + (1900 if year >= 69 else 2000)
        return value[2:]
    if kind == "LongYear":
        if len(value) < 4 or not value[:4].isdigit() or not value[:4].isascii():
            raise ValueError
        parsed.year = int(value[:4])
        return value[4:]
    if kind in ("Month", "LongMonth"):
        month, value = _lookup(MONTHS, value, 3 if kind == "Month" else None)
        parsed.month = month + 1
        return value
    if kind in ("NumMonth", "ZeroMonth"):
        month, value = _getnum(value, kind == "ZeroMonth")
        if not 1 <= month <= 12:
            raise _Fail(value, chunk.text, ": month out of range")
        parsed.month = month
        return value
    if kind in ("WeekDay", "LongWeekDay"):
        _, value = _lookup(DAYS, value, 3 if kind == "WeekDay" else None)
        return value
    if kind in ("Day", "UnderDay", "ZeroDay"):
        if kind == "UnderDay" and value[:1] == " ":
            value = value[1:]
        parsed.day, value = _getnum(value, kind == "ZeroDay")
        return value
    if kind in ("ZeroYearDay", "UnderYearDay"):
        digits = re.match(r" *\d{1,3}", value)
        if not digits:
            raise ValueError
        return value[digits.end() :]
    if kind == "Hour":
        parsed.hour, value = _getnum(value, False)
        if parsed.hour > 23:
            raise _Fail(value, chunk.text, ": hour out of range")
        return value
    if kind in ("Hour12", "ZeroHour12"):
        parsed.hour, value = _getnum(value, kind == "ZeroHour12")
        if parsed.hour > 12:
            raise _Fail(value, chunk.text, ": hour out of range")
        return value
    if kind in ("Minute", "ZeroMinute"):
        parsed.minute, value = _getnum(value, kind == "ZeroMinute")
        if parsed.minute > 59:
            raise _Fail(value, chunk.text, ": minute out of range")
        return value
    if kind in ("Second", "ZeroSecond"):
        parsed.second, value = _getnum(value, kind == "ZeroSecond")
        if parsed.second > 59:
            raise _Fail(value, chunk.text, ": second out of range")
        # Go reads a fraction after the seconds even when the layout has none.
        next_is_frac = bool(rest) and isinstance(rest[0], _Std) and rest[0].kind.startswith("Frac")
        if not next_is_frac and len(value) > 1 and value[0] in ".," and value[1].isdigit():
            digits = re.match(r"[.,](\d+)", value)
            assert digits is not None
            parsed.nanos = int(digits.group(1)[:9].ljust(9, "0"))
            return value[digits.end() :]
        return value
    if kind == "PM":
        if value[:2] == "PM":
            parsed.pm = True
        elif value[:2] == "AM":
            parsed.am = True
        else:
            raise ValueError
        return value[2:]
    if kind == "pm":
        if value[:2] == "pm":
            parsed.pm = True
        elif value[:2] == "am":
            parsed.am = True
        else:
            raise ValueError
        return value[2:]
    if kind in ("NumTZ", "ISOTZ"):
        if kind == "ISOTZ" and value[:1] == "Z":
            parsed.offset = 0
            parsed.zone_name = "UTC"
            return value[1:]
        form = chunk.text[1:]
        pattern = {
            "07": r"([+-])(\d\d)",
            "0700": r"([+-])(\d\d)(\d\d)",
            "07:00": r"([+-])(\d\d):(\d\d)",
            "070000": r"([+-])(\d\d)(\d\d)(\d\d)",
            "07:00:00": r"([+-])(\d\d):(\d\d):(\d\d)",
        }[form]
        match = re.match(pattern, value)
        if not match:
            raise ValueError
        sign, *parts = match.groups()
        hours, minutes, seconds = (int(p) for p in [*parts, "0", "0"][:3])
        if hours > 24 or minutes > 59 or seconds > 59:
            raise _Fail(value, chunk.text, ": time zone offset out of range")
        offset = hours * 3600 + minutes * 60 + seconds
        parsed.offset = -offset if sign == "-" else offset
        return value[match.end() :]
    if kind == "TZ":
        if value[:3] == "UTC":
            parsed.zone_name = "UTC"
            parsed.offset = 0
            return value[3:]
        size = _parse_tz_name(value)
        if not size:
            raise ValueError
        parsed.zone_name = value[:size]
        return value[size:]
    # Fractions.
    if kind == "Frac0":
        width = len(chunk.text) - 1
        if len(value) < 1 + width or value[0] != chunk.text[0]:
            raise ValueError
        frac = value[1 : 1 + width]
        if not frac.isdigit():
            raise ValueError
        parsed.nanos = int(frac[:9].ljust(9, "0"))
        return value[1 + width :]
    # Frac9: optional, any number of digits.
    if len(value) < 2 or value[0] not in ".," or not value[1].isdigit():
        return value
    match = re.match(r"[.,](\d+)", value)
    assert match is not None
    parsed.nanos = int(match.group(1)[:9].ljust(9, "0"))
    return value[match.end() :]


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _days_in(month: int, year: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _resolve(parsed: _Parsed, loc: tzinfo, now: datetime | None) -> Time:
    hour = parsed.hour
    if parsed.pm and hour < 12:
        hour += 12
    elif parsed.am and hour == 12:
        hour = 0
    year = parsed.year
    if year <= 0:
        # Go's SetTimestampYear: a year-less time is this year, or last year when that would
        # put it more than a week in the future.
        current = now or datetime.now(local_zone())
        year = current.year
        candidate = _build(year, parsed, hour, loc)
        if candidate > current + timedelta(days=7):
            year -= 1
        return _build(year, parsed, hour, loc)
    return _build(year, parsed, hour, loc)


def _build(year: int, parsed: _Parsed, hour: int, loc: tzinfo) -> Time:
    # Normalise like Go's time.Date (Feb 29 of a non-leap year is Mar 1).
    naive = datetime(year, parsed.month, 1) + timedelta(
        days=parsed.day - 1, hours=hour, minutes=parsed.minute, seconds=parsed.second
    )
    if parsed.offset is not None and parsed.zone_name != "UTC":
        fixed = timezone(timedelta(seconds=parsed.offset))
        aware = naive.replace(tzinfo=fixed)
        local = aware.astimezone(loc)
        zone: tzinfo = loc if _offset_seconds(local) == parsed.offset else fixed
    elif parsed.zone_name == "UTC":
        zone = UTC
    elif parsed.zone_name is not None:
        zone = _zone_for_name(parsed.zone_name, naive, loc)
    else:
        zone = loc
    aware = naive.replace(tzinfo=zone)
    nanos = unix_nanos(aware) + parsed.nanos
    return time_from_unix_nanos(nanos, zone)


def _zone_for_name(name: str, naive: datetime, loc: tzinfo) -> tzinfo:
    """Go: an abbreviation known to the location uses it; ``GMT+h`` is a fixed offset; any
    other name is loaded as a location (``EST``, ``MST``), failing when unknown."""
    if naive.replace(tzinfo=loc).tzname() == name:
        return loc
    for month in (1, 7):
        probe = naive.replace(month=month, day=1, tzinfo=loc)
        if probe.tzname() == name:
            offset = probe.utcoffset() or timedelta(0)
            return timezone(offset, name)
    if name.startswith("GMT") and len(name) > 3:
        return timezone(timedelta(hours=int(name[3:])), name)
    try:
        return load_location(name)
    except GoTimeError:
        raise GoTimeError(f"failed to load location {name}: unknown time zone {name}") from None


def _layouts_for(fmt: str) -> list[str]:
    """The Go layouts OTTL tries for a ctime format (directive alternatives in order)."""
    pieces: list[list[str]] = []
    pos = 0
    for match in _DIRECTIVE_RE.finditer(fmt):
        if match.start() > pos:
            pieces.append([fmt[pos : match.start()]])
        directive = match.group()
        if directive not in CTIME_TO_LAYOUT:
            raise CtimeError(f"unsupported ctimefmt.FlexibleParse() directive: {directive}")
        pieces.append(CTIME_PARSE_ALTERNATIVES.get(directive, [CTIME_TO_LAYOUT[directive]]))
        pos = match.end()
    if pos < len(fmt):
        pieces.append([fmt[pos:]])
    return ["".join(combo) for combo in itertools.islice(itertools.product(*pieces), 16)]


def _directive_for(fmt: str, layout_elem: str) -> str:
    for directive, alternatives in CTIME_PARSE_ALTERNATIVES.items():
        if directive in fmt and any(layout_elem in alt for alt in alternatives):
            return directive
    for directive, text in CTIME_TO_LAYOUT.items():
        if text == layout_elem and directive in fmt:
            return directive
    return layout_elem


def parse_ctime(fmt: str, value: str, loc: tzinfo, now: datetime | None = None) -> Time:
    """OTTL's Time(value, format): Go's parse of ``value`` with the layouts of ``fmt`` in
    ``loc`` (used when the value names no zone); raises GoTimeError with Go's message."""
    first: _Fail | None = None
    for layout in _layouts_for(fmt):
        try:
            parsed = _parse_layout(layout, value, lenient_spaces=True)
        except _Fail as fail:
            first = first or fail
            continue
        if not 1 <= parsed.day <= _days_in(parsed.month, parsed.year or 2000):
            raise GoTimeError(f"parsing time {_go_quote(value)}: day out of range")
        return _resolve(parsed, loc, now)
    assert first is not None
    if first.message:
        raise GoTimeError(f"parsing time {_go_quote(value)}{first.message}")
    elem = _directive_for(fmt, first.layout_elem)
    raise GoTimeError(
        f"parsing time {_go_quote(value)} as {_go_quote(fmt)}: "
        f"cannot parse {_go_quote(first.value_elem)} as {_go_quote(elem)}"
    )


# --- durations -------------------------------------------------------------------------------------

_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5
    "μs": 1_000,  # U+03BC
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = re.compile(r"(\d*)(?:\.(\d*))?([^\d.]*)")


def parse_go_duration(text: str) -> int:
    """Go's ``time.ParseDuration``: nanoseconds; raises GoTimeError with Go's messages."""
    quoted = _go_quote(text)
    rest = text
    negative = False
    if rest[:1] in ("+", "-"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if rest == "":
        raise GoTimeError(f"time: invalid duration {quoted}")
    total = 0
    while rest:
        match = _DURATION_PART.match(rest)
        assert match is not None
        whole, frac, unit = match.groups()
        if not whole and not frac:
            raise GoTimeError(f"time: invalid duration {quoted}")
        if not unit:
            raise GoTimeError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS:
            raise GoTimeError(f"time: unknown unit {_go_quote(unit)} in duration {quoted}")
        scale = _UNITS[unit]
        amount = int(whole or "0") * scale
        if frac:
            amount += int(frac) * scale // 10 ** len(frac)
        total += amount
        if total > 2**63 - (0 if negative else 1):
            raise GoTimeError(f"time: invalid duration {quoted}")
        rest = rest[match.end() :]
    return -total if negative else total


def now_local() -> Time:
    return time_from_unix_nanos(time.time_ns(), local_zone())
