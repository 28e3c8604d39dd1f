"""``env``: resource attributes from ``OTEL_RESOURCE_ATTRIBUTES`` (or the older ``OTEL_RESOURCE``).

Go's format: ``key=value`` pairs separated by commas, spaces around keys and values ignored, keys
up to 256 ASCII characters, values up to 256 and URL query-unescaped (``%20`` and ``+`` decode to a
space). Any text that does not fit is an error naming it, and the whole variable is rejected.
"""

from __future__ import annotations

import os
import re

from ..catalog import EnvAttributes
from .base import Deadline, Detected, DetectionError, DetectorContext

ENV_VAR = "OTEL_RESOURCE_ATTRIBUTES"
DEPRECATED_ENV_VAR = "OTEL_RESOURCE"

# Go's labelRegex: lazy key and value, each ASCII, then a comma or the end of the text.
_WS = r"[\t\n\f\r ]*"  # RE2's \s
_LABEL = re.compile(rf"{_WS}([\x00-\x7f]{{1,256}}?){_WS}={_WS}([\x00-\x7f]{{0,256}}?){_WS}(?:,|\Z)")


def go_quote(text: str) -> str:
    """Go's ``%q`` for the ASCII text these errors quote."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def query_unescape(value: str) -> str:
    """Go's ``url.QueryUnescape``: ``+`` is a space, ``%XX`` a byte; a bad escape is an error."""
    if "%" not in value and "+" not in value:
        return value
    out = bytearray()
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "%":
            pair = value[i + 1 : i + 3]
            if len(pair) < 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
                raise ValueError(f"invalid URL escape {go_quote(value[i : i + 3])}")
            out.append(int(pair, 16))
            i += 3
            continue
        out.extend(b" " if ch == "+" else ch.encode())
        i += 1
    return out.decode("utf-8", errors="replace")


def parse(text: str) -> dict[str, str]:
    """The attributes of one ``OTEL_RESOURCE_ATTRIBUTES`` value, with Go's errors."""
    matches = list(_LABEL.finditer(text))
    if not matches:
        raise DetectionError(f"invalid resource format: {go_quote(text)}")
    out: dict[str, str] = {}
    previous = 0
    for match in matches:
        if match.start() != previous:
            raise DetectionError(f"invalid resource format, invalid text: {go_quote(text[previous : match.start()])}")
        try:
            value = query_unescape(match.group(2))
        except ValueError as exc:
            raise DetectionError(
                f"invalid resource format in attribute: {go_quote(match.group(0))}, err: {exc}"
            ) from None
        out[match.group(1)] = value
        previous = match.end()
    if previous != len(text):
        raise DetectionError(f"invalid resource format, invalid text: {go_quote(text[previous:])}")
    return out


def _wildcard(pattern: str) -> re.Pattern[str]:
    """``*`` any run of characters, ``?`` any one character, everything else literal."""
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"(?s)^{body}$")


class EnvDetector:
    def __init__(self, ctx: DetectorContext) -> None:
        filters: EnvAttributes = ctx.section.attributes
        self._included = [_wildcard(p) for p in filters.included or []]
        self._excluded = [_wildcard(p) for p in filters.excluded or []]

    def _keep(self, key: str) -> bool:
        if self._included and not any(p.match(key) for p in self._included):
            return False
        return not any(p.match(key) for p in self._excluded)

    async def detect(self, deadline: Deadline) -> Detected:
        labels = os.environ.get(ENV_VAR, "").strip()
        if not labels:
            labels = os.environ.get(DEPRECATED_ENV_VAR, "").strip()
            if not labels:
                return Detected()
        attrs = parse(labels)
        return Detected({k: v for k, v in attrs.items() if self._keep(k)}, "")
