"""Small OTLP requests for the OTTL engine tests, built from OTLP JSON like a receiver would."""

from __future__ import annotations

import json
from typing import Any

from pyotelcol.component import Signal
from pyotelcol.pdata import Logs, Metrics, Traces
from pyotelcol.pdata.otlpjson import decode_request, to_json

TRACE_ID = "0102030405060708090a0b0c0d0e0f10"
SPAN_ID = "0102030405060708"


def attrs(**values: Any) -> list[dict[str, Any]]:
    out = []
    for key, value in values.items():
        if isinstance(value, bool):
            v: dict[str, Any] = {"boolValue": value}
        elif isinstance(value, int):
            v = {"intValue": str(value)}
        elif isinstance(value, float):
            v = {"doubleValue": value}
        elif isinstance(value, dict):
            v = {"kvlistValue": {"values": attrs(**value)}}
        elif isinstance(value, list):
            v = {"arrayValue": {"values": [attrs(x=i)[0]["value"] for i in value]}}
        else:
            v = {"stringValue": value}
        out.append({"key": key, "value": v})
    return out


def traces(*spans: dict[str, Any], resource: dict[str, Any] | None = None) -> Traces:
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": attrs(**(resource or {"service.name": "svc"}))},
                "scopeSpans": [{"scope": {"name": "lib", "version": "1.0"}, "spans": list(spans)}],
            }
        ]
    }
    data = decode_request(Signal.TRACES, json.dumps(body).encode())
    assert isinstance(data, Traces)
    return data


def span(
    name: str = "GET /a", kind: int = 2, events: list[dict[str, Any]] | None = None, **attributes: Any
) -> dict[str, Any]:
    return {
        "traceId": TRACE_ID,
        "spanId": SPAN_ID,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": "1000000000",
        "endTimeUnixNano": "3500000000",
        "attributes": attrs(**attributes),
        "events": events or [],
    }


def logs(*records: dict[str, Any]) -> Logs:
    body = {
        "resourceLogs": [
            {"resource": {"attributes": attrs(**{"service.name": "svc"})}, "scopeLogs": [{"logRecords": list(records)}]}
        ]
    }
    data = decode_request(Signal.LOGS, json.dumps(body).encode())
    assert isinstance(data, Logs)
    return data


def record(body: Any = "hello", severity: int = 9, **attributes: Any) -> dict[str, Any]:
    value = attrs(b=body)[0]["value"]
    return {"timeUnixNano": "1000", "severityNumber": severity, "body": value, "attributes": attrs(**attributes)}


def metrics(*items: dict[str, Any]) -> Metrics:
    body = {"resourceMetrics": [{"resource": {}, "scopeMetrics": [{"metrics": list(items)}]}]}
    data = decode_request(Signal.METRICS, json.dumps(body).encode())
    assert isinstance(data, Metrics)
    return data


def as_json(data: Traces | Metrics | Logs) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(to_json(data.message))
    return result


def first_span(data: Traces) -> dict[str, Any]:
    result: dict[str, Any] = as_json(data)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    return result


def plain_attrs(items: list[dict[str, Any]]) -> dict[str, Any]:
    """OTLP JSON attributes back to plain values."""

    def value(v: dict[str, Any]) -> Any:
        if "stringValue" in v:
            return v["stringValue"]
        if "intValue" in v:
            return int(v["intValue"])
        if "doubleValue" in v:
            return float(v["doubleValue"])
        if "boolValue" in v:
            return v["boolValue"]
        if "kvlistValue" in v:
            return plain_attrs(v["kvlistValue"].get("values", []))
        if "arrayValue" in v:
            return [value(x) for x in v["arrayValue"].get("values", [])]
        if "bytesValue" in v:
            return v["bytesValue"]
        return None

    return {item["key"]: value(item.get("value", {})) for item in items}
