"""Puts OTLP/JSON traces in a canonical order, so that orders the Go translator leaves unspecified
(map iteration for attributes, an unstable sort for spans) do not matter when comparing."""

from __future__ import annotations

import json
from typing import Any

ABSENT_START = "otel.zipkin.absentField.startTime"


def _sort_attrs(holder: dict[str, Any]) -> None:
    if "attributes" in holder:
        holder["attributes"] = sorted(holder["attributes"], key=lambda kv: kv["key"])


def normalize(doc: dict[str, Any], *, now_placeholder: bool = False) -> dict[str, Any]:
    """``now_placeholder``: v1 spans without timestamps get the current time; replace it."""
    resources = doc.get("resourceSpans", [])
    for rs in resources:
        _sort_attrs(rs.get("resource", {}))
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                _sort_attrs(span)
                for item in span.get("events", []) + span.get("links", []):
                    _sort_attrs(item)
                absent = any(kv["key"] == ABSENT_START for kv in span.get("attributes", []))
                if now_placeholder and absent:
                    span["startTimeUnixNano"] = span["endTimeUnixNano"] = "NOW"
            ss["spans"] = sorted(
                ss.get("spans", []), key=lambda s: (s.get("spanId", ""), json.dumps(s, sort_keys=True))
            )
        rs["scopeSpans"] = sorted(rs.get("scopeSpans", []), key=lambda s: json.dumps(s, sort_keys=True))
    doc["resourceSpans"] = sorted(resources, key=lambda r: json.dumps(r, sort_keys=True))
    return doc
