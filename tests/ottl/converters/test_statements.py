"""Converters inside real OTTL statements: parsed, compiled and run over OTLP data by the engine."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from ottl.engine_data import (  # type: ignore[import-not-found,unused-ignore]
    as_json,
    logs,
    plain_attrs,
    record,
    span,
    traces,
)

from pyotelcol.component import Signal
from pyotelcol.ottl import CompileError, ErrorMode, ExecutionError, parse_statements


def log_attributes(data: Any) -> dict[str, Any]:
    record_json = as_json(data)["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
    result: dict[str, Any] = plain_attrs(record_json["attributes"])
    return result


def test_log_statements_with_converters() -> None:
    method: dict[str, Any] = {"http.method": "GET"}
    data = logs(record(body='{"user":"ann","n":3}', **method))
    group = parse_statements(
        [
            'merge_maps(log.attributes, ParseJSON(log.body), "upsert")',
            'set(log.attributes["kv"], ToKeyValueString(ParseKeyValue("b=2 a=1"), "=", " ", true))',
            'set(log.attributes["sha"], SHA256(log.attributes["http.method"]))',
            'set(log.attributes["day"], FormatTime(Time("2023-02-04", "%Y-%m-%d"), "%A"))',
            'set(log.attributes["n2"], Int(log.attributes["n"]) * 2)',
            'set(log.attributes["up"], ToUpperCase(Concat([log.attributes["http.method"], "x"], "-")))',
            'set(log.attributes["matched"], true) where IsMatch(log.body, "\\"user\\"")',
            'set(log.attributes["parts"], Split("a,b", ","))',
            'set(log.attributes["ms"], Milliseconds(Duration("1.5s")))',
            'set(log.attributes["hashed"], "GET")',
            'replace_pattern(log.attributes["hashed"], "G(ET)", "$1", SHA1)',
        ],
        signal=Signal.LOGS,
        error_mode=ErrorMode.PROPAGATE,
    )
    group.execute(data)
    assert log_attributes(data) == {
        "http.method": "GET",
        "user": "ann",
        "n": 3.0,
        "kv": "a=1 b=2",
        "sha": hashlib.sha256(b"GET").hexdigest(),
        "day": "Saturday",
        "n2": 6,
        "up": "GET-X",
        "matched": True,
        "parts": ["a", "b"],
        "ms": 1500,
        "hashed": hashlib.sha1(b"ET").hexdigest(),
    }


def test_span_statements_with_ids_and_times() -> None:
    data = traces(span())
    group = parse_statements(
        [
            'set(span.attributes["root"], IsRootSpan())',
            'set(span.attributes["tid"], String(span.trace_id))',
            'set(span.attributes["start_ms"], UnixMilli(span.start_time))',
            "set(span.end_time, Unix(5))",
            'set(span.span_id, SpanID("1112131415161718"))',
        ],
        signal=Signal.TRACES,
        error_mode=ErrorMode.PROPAGATE,
    )
    group.execute(data)
    result = as_json(data)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert plain_attrs(result["attributes"]) == {
        "root": True,
        "tid": "0102030405060708090a0b0c0d0e0f10",
        "start_ms": 1000,
    }
    assert result["endTimeUnixNano"] == "5000000000"
    assert result["spanId"] == "1112131415161718"


def test_converter_failure_follows_error_mode() -> None:
    statements = ['set(log.attributes["n"], Double(log.body))', 'set(log.attributes["after"], 1)']
    data = logs(record(body="not a number"))
    parse_statements(statements, signal=Signal.LOGS, error_mode=ErrorMode.IGNORE).execute(data)
    assert log_attributes(data) == {"after": 1}
    strict = parse_statements(statements, signal=Signal.LOGS, error_mode=ErrorMode.PROPAGATE)
    with pytest.raises(ExecutionError, match="invalid syntax"):
        strict.execute(logs(record(body="not a number")))


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ('set(log.attributes["x"], IsMatch(log.body, "(oops"))', "not a valid regexp"),
        ('set(log.attributes["x"], ConvertCase(log.body, "kebab"))', "invalid case: kebab"),
        ('set(log.attributes["x"], Time(log.body, "%Q"))', "unsupported ctimefmt"),
    ],
)
def test_bad_literals_fail_at_compile_time(statement: str, message: str) -> None:
    with pytest.raises(CompileError, match=message):
        parse_statements([statement], signal=Signal.LOGS)
