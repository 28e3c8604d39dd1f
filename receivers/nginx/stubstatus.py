"""Parsing nginx's ``stub_status`` page, with the rules and messages of the client Go's receiver
uses (nginx-prometheus-exporter's ``parseStubStats``)::

    Active connections: 291
    server accepts handled requests
     16630948 16630946 31070465
    Reading: 6 Writing: 179 Waiting: 106
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StubStats", "StubStatusError", "go_quote", "parse_stub_status"]

INT64_MAX = 2**63 - 1


class StubStatusError(ValueError):
    """The page does not have stub_status' shape."""


@dataclass(frozen=True)
class StubStats:
    active: int
    accepted: int
    handled: int
    requests: int
    reading: int
    writing: int
    waiting: int


def _parse_int(text: str, what: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 64)``, failing with the client's message."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits.isascii() or not digits.isdigit():
        raise StubStatusError(f'invalid input for {what} "{text}": strconv.ParseInt: parsing "{text}": invalid syntax')
    value = int(text)
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise StubStatusError(
            f'invalid input for {what} "{text}": strconv.ParseInt: parsing "{text}": value out of range'
        )
    return value


def parse_stub_status(page: str) -> StubStats:
    """The counters of a stub_status page; StubStatusError when it is something else."""
    lines = page.split("\n")
    if len(lines) != 5:  # four lines and the empty rest after the last newline
        raise StubStatusError(f"invalid input {go_quote(page)}")
    active = lines[0].strip().split(" ")
    if len(active) != 3:
        raise StubStatusError(f"invalid input for active connections {go_quote(lines[0])}")
    totals = lines[2].strip().split(" ")
    if len(totals) != 3:
        raise StubStatusError(f"invalid input for connections and requests {go_quote(lines[2])}")
    states = lines[3].strip().split(" ")
    if len(states) != 6:
        raise StubStatusError(f"invalid input for connections {go_quote(lines[3])}")
    return StubStats(
        active=_parse_int(active[2], "active connections"),
        accepted=_parse_int(totals[0], "accepted connections"),
        handled=_parse_int(totals[1], "handled connections"),
        requests=_parse_int(totals[2], "requests"),
        reading=_parse_int(states[1], "reading connections"),
        writing=_parse_int(states[3], "writing connections"),
        waiting=_parse_int(states[5], "waiting connections"),
    )


def go_quote(text: str) -> str:
    """Go's ``%q`` for the common cases (quotes, backslashes, newlines, tabs)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped.replace("\t", "\\t") + '"'
