"""Go's JSON for aggregate statuses (internal/healthcheck/internal/httpserver serialization).

Field order as Go's struct: ``start_time`` (top level only), ``healthy``, ``status``
(``StatusOK``, ``StatusRecoverableError``, ...), ``error`` (omitted when none), ``status_time``,
``attributes`` (always an object; pyotelcol's events carry none), ``components`` (sorted keys,
omitted when empty). Times are RFC 3339 with nanoseconds in local time, as Go's time.Time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pyotelcol.telemetry.gofmt import rfc3339_nano

from .aggregator import AggregateStatus, Event

HealthyFunc = Callable[[Event], bool]


def status_name(event: Event) -> str:
    return "Status" + event.status.value


def to_serializable(
    st: AggregateStatus, start_time_ns: int | None, healthy: HealthyFunc | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if start_time_ns is not None:
        out["start_time"] = rfc3339_nano(start_time_ns)
    ev = st.event
    out["healthy"] = healthy(ev) if healthy is not None else True
    out["status"] = status_name(ev)
    if ev.error is not None:
        out["error"] = str(ev.error)
    out["status_time"] = rfc3339_nano(ev.timestamp_ns)
    out["attributes"] = {}
    if st.components:
        out["components"] = {k: to_serializable(st.components[k], None, healthy) for k in sorted(st.components)}
    return out


_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_json(value: Any) -> bytes:
    """``json.Marshal``: compact, map keys sorted by the caller, HTML characters escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)
    return text.encode()
