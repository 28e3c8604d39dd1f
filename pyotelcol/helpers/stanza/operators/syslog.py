"""``syslog_parser`` (Go's parser/syslog) for ``rfc5424`` and ``rfc3164`` lines (no octet counting).

Attributes as Go: ``priority``, ``facility``, ``facility_text``, ``hostname``, ``appname``,
``proc_id``, ``msg_id``, ``message`` (+ ``structured_data`` and ``version`` for 5424); the
header's timestamp and severity become the record's (syslog severity 0..7 → FATAL, ERROR3,
ERROR2, ERROR, WARN, INFO2, INFO, DEBUG with Go's texts ``emerg`` ... ``debug``) and leave the
attributes, as in Go.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .. import timeparse
from .base import ParserOperator, Spec

_SEVERITY = [(21, "emerg"), (19, "alert"), (18, "crit"), (17, "err"), (13, "warning"), (10, "notice"), (9, "info"),
             (5, "debug")]  # fmt: skip
_FACILITIES = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
               "ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4",
               "local5", "local6", "local7"]  # fmt: skip

_RFC5424 = re.compile(
    r"^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (.*))?$", re.DOTALL
)
_SD_ELEMENT = re.compile(r"\[([^ \]]+)((?:\s+[^=\s\]]+=\"(?:[^\"\\]|\\.)*\")*)\]")
_SD_PARAM = re.compile(r"([^=\s\]]+)=\"((?:[^\"\\]|\\.)*)\"")
_RFC3164 = re.compile(
    r"^<(\d{1,3})>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^:\[\s]+)(?:\[([^\]]*)\])?:? ?(.*)$", re.DOTALL
)
_3164_LAYOUT = timeparse.GoLayout("Jan _2 15:04:05")


def _nil(value: str) -> str | None:
    return None if value == "-" else value


class SyslogParser(ParserOperator):
    type_name = "syslog_parser"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.protocol = spec.text("protocol", "")
        if self.protocol not in ("rfc3164", "rfc5424"):
            raise spec.fail(f"invalid protocol '{self.protocol}': use rfc3164 or rfc5424")
        location = spec.text("location", "UTC")
        try:
            self.tz = timeparse.load_location(location)
        except ValueError as exc:
            raise spec.fail(str(exc)) from None
        if spec.flag("enable_octet_counting"):
            raise spec.fail("enable_octet_counting is not supported by pyotelcol")
        spec.get("allow_skip_pri_header")
        spec.get("non_transparent_framing_trailer")
        spec.get("max_octets")

    def parse(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"unable to convert type '{type(value).__name__}' to bytes")
        if self.protocol == "rfc5424":
            return self._rfc5424(value)
        return self._rfc3164(value)

    def _header(self, out: dict[str, Any], pri: str) -> None:
        priority = int(pri)
        if priority > 191:
            raise ValueError("expecting a priority value within the range [0..191]")
        out["priority"] = priority
        out["facility"] = priority // 8
        out["severity"] = priority % 8
        out["facility_text"] = _FACILITIES[priority // 8]

    def _rfc5424(self, text: str) -> dict[str, Any]:
        m = _RFC5424.match(text)
        if m is None:
            raise ValueError("parsing error: not a valid RFC5424 syslog message")
        out: dict[str, Any] = {}
        self._header(out, m.group(1))
        out["version"] = int(m.group(2))
        stamp = _nil(m.group(3))
        if stamp is not None:
            try:
                moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"parsing error: invalid timestamp {stamp!r}") from None
            out["timestamp"] = int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000
        for key, group in (("hostname", 4), ("appname", 5), ("proc_id", 6), ("msg_id", 7)):
            item = _nil(m.group(group))
            if item is not None:
                out[key] = item
        if m.group(8) != "-":
            out["structured_data"] = {
                el.group(1): {k: v.replace('\\"', '"') for k, v in _SD_PARAM.findall(el.group(2))}
                for el in _SD_ELEMENT.finditer(m.group(8))
            }
        if m.group(9):
            out["message"] = m.group(9)
        return out

    def _rfc3164(self, text: str) -> dict[str, Any]:
        m = _RFC3164.match(text)
        if m is None:
            raise ValueError("parsing error: not a valid RFC3164 syslog message")
        out: dict[str, Any] = {}
        self._header(out, m.group(1))
        out["timestamp"] = _3164_LAYOUT.parse(m.group(2), self.tz)
        out["hostname"] = m.group(3)
        out["appname"] = m.group(4)
        if m.group(5):
            out["proc_id"] = m.group(5)
        if m.group(6):
            out["message"] = m.group(6)
        return out

    def transform(self, entry: Any) -> None:
        super().transform(entry)
        assert self.parse_to is not None
        target, _ = self.parse_to.get(entry)
        if isinstance(target, dict):
            stamp = target.pop("timestamp", None)
            if isinstance(stamp, int):
                entry.timestamp = stamp
            level = target.pop("severity", None)
            if isinstance(level, int) and 0 <= level < 8:
                entry.severity, entry.severity_text = _SEVERITY[level]
