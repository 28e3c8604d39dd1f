"""Timestamps the way stanza parses them: Go ``time.Parse`` layouts (``gotime``), strptime
directives mapped onto them (Go's ctimefmt table) and epoch values.

``parse_gotime(layout, text, tz)`` returns unix nanoseconds. As in Go: fractional seconds after
the seconds field are accepted even when the layout has none, ``.999``/``.000`` take any number of
digits (``.000`` exactly that many), a layout without a year gives the current year (stanza's
SetTimestampYear), and a layout without a zone uses ``tz`` (UTC when the layout ends in ``Z``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_STRPTIME = {
    "Y": "2006", "y": "06", "m": "01", "o": "_1", "q": "1", "b": "Jan", "h": "Jan", "B": "January",
    "d": "02", "e": "_2", "g": "2", "a": "Mon", "A": "Monday", "H": "15", "l": "3", "I": "03",
    "p": "PM", "P": "pm", "M": "04", "S": "05", "L": "999", "f": "999999", "s": "999999999",
    "Z": "MST", "z": "Z0700", "w": "-070000", "i": "-07", "j": "-07:00", "k": "-07:00:00",
    "D": "01/02/2006", "x": "01/02/2006", "F": "2006-01-02", "T": "15:04:05", "X": "15:04:05",
    "r": "03:04:05 pm", "R": "15:04", "n": "\n", "t": "\t", "%": "%", "c": "Mon Jan 02 15:04:05 2006",
}  # fmt: skip

UTC = dt.UTC

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]  # fmt: skip
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def strptime_to_gotime(layout: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(layout):
        c = layout[i]
        if c == "%":
            if i + 1 >= len(layout) or layout[i + 1] not in _STRPTIME:
                bad = layout[i : i + 2]
                raise ValueError(f"unsupported ctimefmt.ToNative() directive: {bad}")
            out.append(_STRPTIME[layout[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


# Go's layout tokens, longest first where they share a prefix.
_STD = [
    "January", "Jan", "Monday", "Mon", "MST",
    "Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07",
    "-07:00:00", "-070000", "-07:00", "-0700", "-07",
    "2006", "002", "01", "02", "03", "04", "05", "06", "_2", "__2", "_1", "15",
    "1", "2", "3", "4", "5", "PM", "pm",
]  # fmt: skip
_FRAC = re.compile(r"[.,](0+|9+)(?![0-9])")

Setter = Callable[[dict[str, Any], str], None]


def _num(name: str) -> Setter:
    def put(parts: dict[str, Any], text: str) -> None:
        parts[name] = int(text)

    return put


def _year2(parts: dict[str, Any], text: str) -> None:
    y = int(text)
    parts["year"] = y + (1900 if y >= 69 else 2000)


def _month_name(parts: dict[str, Any], text: str) -> None:
    lowered = text.lower()
    for i, name in enumerate(_MONTHS):
        if lowered in (name.lower(), name[:3].lower()):
            parts["month"] = i + 1
            return
    raise ValueError(f"month out of range: {text}")


def _ampm(parts: dict[str, Any], text: str) -> None:
    parts["pm"] = text.upper() == "PM"


def _zone_offset(parts: dict[str, Any], text: str) -> None:
    if text in ("Z", "z"):
        parts["offset"] = 0
        return
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes, seconds = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    parts["offset"] = sign * (hours * 3600 + minutes * 60 + seconds)


def _zone_name(parts: dict[str, Any], text: str) -> None:
    parts["zone"] = text


def _frac(parts: dict[str, Any], text: str) -> None:
    digits = text[1:]
    parts["nanos"] = int((digits + "000000000")[:9]) if digits else 0


def _ignore(parts: dict[str, Any], text: str) -> None:
    pass


_TOKEN_RE: dict[str, tuple[str, Setter]] = {
    "January": (r"[A-Za-z]{3,9}", _month_name),
    "Jan": (r"[A-Za-z]{3}", _month_name),
    "Monday": (r"[A-Za-z]{6,9}", _ignore),
    "Mon": (r"[A-Za-z]{3}", _ignore),
    "MST": (r"[A-Z]{3,5}|[+-]\d{2,4}", _zone_name),
    "2006": (r"\d{4}", _num("year")),
    "06": (r"\d{2}", _year2),
    "01": (r"\d{2}", _num("month")),
    "1": (r"\d{1,2}", _num("month")),
    "_1": (r" ?\d{1,2}", _num("month")),
    "02": (r"\d{2}", _num("day")),
    "2": (r"\d{1,2}", _num("day")),
    "_2": (r" ?\d{1,2}", _num("day")),
    "__2": (r" {0,2}\d{1,3}", _num("yday")),
    "002": (r"\d{3}", _num("yday")),
    "15": (r"\d{1,2}", _num("hour")),
    "03": (r"\d{2}", _num("hour12")),
    "3": (r"\d{1,2}", _num("hour12")),
    "04": (r"\d{2}", _num("minute")),
    "4": (r"\d{1,2}", _num("minute")),
    "05": (r"\d{2}", _num("second")),
    "5": (r"\d{1,2}", _num("second")),
    "PM": (r"[AaPp][Mm]", _ampm),
    "pm": (r"[AaPp][Mm]", _ampm),
}
for _z in ("Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07"):
    _TOKEN_RE[_z] = (r"Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?", _zone_offset)
for _z in ("-07:00:00", "-070000", "-07:00", "-0700", "-07"):
    _TOKEN_RE[_z] = (r"[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?", _zone_offset)


class GoLayout:
    """A Go time layout compiled to one regular expression."""

    def __init__(self, layout: str) -> None:
        self.layout = layout
        pattern: list[str] = []
        self.setters: list[Setter] = []
        self.has_zone = False
        self.has_year = False
        i = 0
        while i < len(layout):
            frac = _FRAC.match(layout, i) if layout[i] in ".," and i > 0 and layout[i - 1].isdigit() else None
            if frac is not None:
                n = len(frac.group(1))
                digits = f"\\d{{{n}}}" if frac.group(1)[0] == "0" else r"\d+"
                optional = "" if frac.group(1)[0] == "0" else "?"
                pattern.append(f"([.,]{digits}){optional}")
                self.setters.append(_frac)
                i = frac.end()
                continue
            for tok in _STD:
                if layout.startswith(tok, i):
                    regex, setter = _TOKEN_RE[tok]
                    pattern.append(f"({regex})")
                    self.setters.append(setter)
                    if tok in ("05", "5"):  # Go accepts a fraction after seconds the layout lacks
                        pattern.append(r"([.,]\d+)?")
                        self.setters.append(_frac)
                    self.has_zone |= setter in (_zone_offset, _zone_name)
                    self.has_year |= tok in ("2006", "06")
                    i += len(tok)
                    break
            else:
                pattern.append(re.escape(layout[i]))
                i += 1
        self.regex = re.compile("".join(pattern) + r"\Z")
        self._cache: dict[tuple[tuple[str | None, ...], dt.tzinfo], int] = {}

    def parse(self, text: str, tz: dt.tzinfo) -> int:
        m = self.regex.match(text)
        if m is None:
            raise ValueError(f'parsing time "{text}" as "{self.layout}": cannot parse')
        groups = m.groups()
        nanos = 0
        whole: list[str | None] = []
        for setter, value in zip(self.setters, groups, strict=True):
            if setter is _frac:
                if value is not None:
                    nanos = int((value[1:] + "000000000")[:9]) if len(value) > 1 else 0
                whole.append(None)
            else:
                whole.append(value)
        # log lines share their seconds: assemble each distinct second (and zone) once
        key = (tuple(whole), tz)
        base = self._cache.get(key)
        if base is None:
            parts: dict[str, Any] = {}
            for setter, value in zip(self.setters, whole, strict=True):
                if value is not None:
                    setter(parts, value)
            base = _assemble(parts, tz, self.has_year, text, self.layout)
            if len(self._cache) >= 4096:
                self._cache.clear()
            self._cache[key] = base
        return base + nanos


def _assemble(parts: dict[str, Any], tz: dt.tzinfo, has_year: bool, text: str, layout: str) -> int:
    year = parts.get("year", dt.datetime.now(dt.UTC).year if not has_year else 0)
    hour = parts.get("hour", 0)
    if "hour12" in parts:
        hour = parts["hour12"] % 12 + (12 if parts.get("pm") else 0)
    elif parts.get("pm") and hour < 12:
        hour += 12
    zone: dt.tzinfo = tz
    if "offset" in parts:
        zone = dt.timezone(dt.timedelta(seconds=parts["offset"]))
    elif "zone" in parts:
        zone = _named_zone(parts["zone"], tz)
    try:
        if "yday" in parts:
            base = dt.datetime(year, 1, 1, hour, parts.get("minute", 0), parts.get("second", 0), tzinfo=zone)
            moment = base + dt.timedelta(days=parts["yday"] - 1)
        else:
            moment = dt.datetime(
                year,
                parts.get("month", 1),
                parts.get("day", 1),
                hour,
                parts.get("minute", 0),
                parts.get("second", 0),
                tzinfo=zone,
            )
    except ValueError as exc:
        raise ValueError(f'parsing time "{text}" as "{layout}": {exc}') from None
    seconds = int(moment.timestamp())
    return seconds * 1_000_000_000 + int(parts.get("nanos", 0))


def _named_zone(name: str, default: dt.tzinfo) -> dt.tzinfo:
    if name in ("UTC", "GMT", "Z"):
        return dt.UTC
    if name[0] in "+-":
        offset = int(name[1:3]) * 3600 + int(name[3:5] or 0) * 60
        return dt.timezone(dt.timedelta(seconds=-offset if name[0] == "-" else offset))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default  # Go: an unknown abbreviation keeps the default location's offset


def load_location(name: str) -> dt.tzinfo:
    if name in ("", "Local"):
        return local_zone()
    if name == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"failed to load location {name}: unknown time zone {name}") from None


def local_zone() -> dt.tzinfo:
    return dt.datetime.now().astimezone().tzinfo or dt.UTC


_EPOCH_SCALE = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
EPOCH_LAYOUTS = ("s", "ms", "us", "ns", "s.ms", "s.us", "s.ns")


def parse_epoch(layout: str, value: Any) -> int:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, bool):
        raise ValueError("type bool cannot be parsed as a time")
    if isinstance(value, float):
        digits = {"s.ms": 3, "s.us": 6, "s.ns": 9}.get(layout, 0)
        value = str(int(value)) if layout in _EPOCH_SCALE else f"{value:.{digits}f}"
    elif isinstance(value, int):
        value = str(value) if layout in _EPOCH_SCALE else f"{value}.0"
    if not isinstance(value, str):
        raise ValueError(f"type {type(value).__name__} cannot be parsed as a time")
    stamp = value.strip()
    try:
        if layout in _EPOCH_SCALE:
            return int(stamp) * _EPOCH_SCALE[layout]
        sec, _, sub = stamp.partition(".")
        if not _:
            raise ValueError
        unit = _EPOCH_SCALE[layout.split(".")[1]]
        return int(sec) * 1_000_000_000 + int(sub) * unit
    except ValueError:
        raise ValueError(f"invalid value '{stamp}' for layout '{layout}'") from None
