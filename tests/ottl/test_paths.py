"""Paths of every context, read and written through statements on real pdata."""

from __future__ import annotations

from typing import Any

import pytest
from ottl.engine_data import SPAN_ID, TRACE_ID, as_json, first_span, logs, metrics, plain_attrs, record, span, traces

from pyotelcol.ottl import CompileError, ExecutionError, parse_statements
from pyotelcol.ottl.paths import segments_of


def run(statements: list[str], data: Any, signal: str, context: str | None = None) -> None:
    parse_statements(statements, signal, context=context, error_mode="propagate").execute(data)


def span_attrs(data: Any) -> dict[str, Any]:
    return plain_attrs(first_span(data)["attributes"])


def test_span_paths_read() -> None:
    data = traces(span(events=[{"name": "ev", "timeUnixNano": "2000000000"}]))
    run(
        [
            'set(span.attributes["name"], span.name)',
            'set(span.attributes["kind"], span.kind)',
            'set(span.attributes["kind.string"], span.kind.string)',
            'set(span.attributes["kind.deprecated"], span.kind.deprecated_string)',
            'set(span.attributes["trace_id"], span.trace_id.string)',
            'set(span.attributes["span_id"], span.span_id.string)',
            'set(span.attributes["parent"], span.parent_span_id.string)',
            'set(span.attributes["start"], span.start_time_unix_nano)',
            'set(span.attributes["events"], Len(span.events))',
            'set(span.attributes["service"], resource.attributes["service.name"])',
            'set(span.attributes["scope"], Concat([scope.name, scope.version], "@"))',
            'set(span.attributes["status"], span.status.code)',
        ],
        data,
        "traces",
    )
    got = span_attrs(data)
    assert got == {
        "name": "GET /a",
        "kind": 2,
        "kind.string": "Server",
        "kind.deprecated": "SPAN_KIND_SERVER",
        "trace_id": TRACE_ID,
        "span_id": SPAN_ID,
        "parent": "0000000000000000",  # Go hex-encodes the unset ID
        "start": 1_000_000_000,
        "events": 1,
        "service": "svc",
        "scope": "lib@1.0",
        "status": 0,
    }


def test_span_paths_write() -> None:
    data = traces(span())
    run(
        [
            'set(span.name, "renamed")',
            "set(span.kind, SPAN_KIND_CLIENT)",
            "set(span.status.code, STATUS_CODE_ERROR)",
            'set(span.status.message, "boom")',
            'set(span.trace_state["k"], "v")',
            'set(span.span_id.string, "1111111111111111")',
            'set(span.end_time, span.start_time + Duration("1s"))',
            "set(span.name, 42)",  # wrong type: ignored, as in Go
        ],
        data,
        "traces",
    )
    out = first_span(data)
    assert out["name"] == "renamed" and out["kind"] == 3
    assert out["status"] == {"code": 2, "message": "boom"}
    assert out["traceState"] == "k=v"
    assert out["spanId"] == "1111111111111111"
    assert out["endTimeUnixNano"] == "2000000000"


def test_nested_attribute_keys_read_write_and_dynamic_keys() -> None:
    data = traces(span(m={"x": "y"}, tags=["a", "b"], which="x"))
    run(
        [
            'set(span.attributes["m"]["z"], span.attributes["m"]["x"])',
            'set(span.attributes["first"], span.attributes["tags"][1])',
            'set(span.attributes["dyn"], span.attributes["m"][span.attributes["which"]])',
            'set(span.attributes["new"]["deep"], 1)',
            'set(span.attributes["missing"], span.attributes["nope"]["x"])',
        ],
        data,
        "traces",
    )
    got = span_attrs(data)
    assert got["m"] == {"x": "y", "z": "y"}
    assert got["first"] == "b" and got["dyn"] == "y"
    assert got["new"] == {"deep": 1}
    assert got["missing"] is None  # a missing key reads as nil; set(nil) stores an empty value


def test_spanevent_reads_its_span() -> None:
    data = traces(span(events=[{"name": "a"}, {"name": "b"}]))
    run(['set(spanevent.attributes["on"], Concat([span.name, spanevent.name], "/"))'], data, "traces")
    events = first_span(data)["events"]
    assert [plain_attrs(e["attributes"]) for e in events] == [{"on": "GET /a/a"}, {"on": "GET /a/b"}]


def test_log_paths() -> None:
    data = logs(record(body={"msg": "hi"}, severity=9), record(body="text", severity=17))
    run(
        [
            'set(log.attributes["sev"], log.severity_number)',
            'set(log.attributes["msg"], log.body["msg"]) where IsMap(log.body)',
            'set(log.attributes["text"], log.body.string) where log.severity_number >= SEVERITY_NUMBER_ERROR',
            'set(log.severity_text, "ERROR") where log.severity_number == SEVERITY_NUMBER_ERROR',
            'set(log.body["added"], true) where IsMap(log.body)',
        ],
        data,
        "logs",
    )
    first, second = as_json(data)["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
    assert plain_attrs(first["attributes"]) == {"sev": 9, "msg": "hi"}
    assert plain_attrs(first["body"]["kvlistValue"]["values"]) == {"msg": "hi", "added": True}
    assert plain_attrs(second["attributes"]) == {"sev": 17, "text": "text"}
    assert second["severityText"] == "ERROR"


def test_metric_and_datapoint_paths() -> None:
    data = metrics(
        {"name": "c", "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": [{"asInt": "5"}]}},
        {
            "name": "h",
            "histogram": {
                "aggregationTemporality": 1,
                "dataPoints": [{"count": "3", "sum": 6.0, "bucketCounts": ["1", "2"], "explicitBounds": [1.0]}],
            },
        },
    )
    run(
        [
            'set(datapoint.attributes["metric"], metric.name)',
            'set(datapoint.attributes["type"], metric.type)',
            'set(datapoint.attributes["temporality"], metric.aggregation_temporality)',
            "set(datapoint.value_int, datapoint.value_int * 10) where metric.type == METRIC_DATA_TYPE_SUM",
            'set(datapoint.attributes["count"], datapoint.count) where metric.type == METRIC_DATA_TYPE_HISTOGRAM',
            'set(datapoint.attributes["bounds"], Len(datapoint.explicit_bounds)) where datapoint.count != nil',
        ],
        data,
        "metrics",
    )
    c, h = as_json(data)["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    (cp,) = c["sum"]["dataPoints"]
    assert cp["asInt"] == "50"
    assert plain_attrs(cp["attributes"]) == {"metric": "c", "type": 2, "temporality": 2}
    (hp,) = h["histogram"]["dataPoints"]
    assert plain_attrs(hp["attributes"]) == {"metric": "h", "type": 3, "temporality": 1, "count": 3, "bounds": 1}


def test_metric_context_paths_write() -> None:
    data = metrics({"name": "g", "unit": "1", "gauge": {"dataPoints": [{"asDouble": 1.5}]}})
    run(['set(metric.name, Concat([metric.name, "x"], "_"))', 'set(metric.unit, "By")'], data, "metrics")
    (m,) = as_json(data)["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    assert m["name"] == "g_x" and m["unit"] == "By"


def test_cache_is_per_item() -> None:
    data = traces(span(name="a", x="1"), span(name="b"))
    run(['set(span.cache["x"], span.attributes["x"])', 'set(span.attributes["seen"], span.cache["x"])'], data, "traces")
    spans = as_json(data)["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert plain_attrs(spans[0]["attributes"]).get("seen") == "1"
    assert plain_attrs(spans[1]["attributes"]) == {"seen": None}  # nil from the empty cache: an empty value


def test_legacy_context_with_unprefixed_paths() -> None:
    data = traces(span())
    run(
        ['set(attributes["n"], name)', 'set(attributes["svc"], resource.attributes["service.name"])'],
        data,
        "traces",
        "span",
    )
    assert span_attrs(data) == {"n": "GET /a", "svc": "svc"}


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "set(span.nme, 1)",
            'segment "nme" from path "span.nme" is not a valid path nor a valid OTTL keyword for the Span context',
        ),
        ('set(span.name["a"], 1)', 'path "span.name[a]" cannot be indexed'),
        ("set(span.status.nope, 1)", 'path "status" has no field "nope"'),
        ("set(log.body, 1)", 'unable to infer context from statements ["set(log.body, 1)"'),
        ("set(span.events, 1)", "read-only"),
    ],
)
def test_path_errors(statement: str, message: str) -> None:
    with pytest.raises(CompileError) as err:
        parse_statements([statement, 'set(span.name, "x")'], "traces")
    assert message in str(err.value)
    assert statement.replace('"', '\\"') in str(err.value)


def test_a_string_body_is_not_indexable() -> None:
    data = logs(record(body="text"))
    with pytest.raises(ExecutionError, match="type Str does not support string indexing"):
        run(['set(log.attributes["msg"], log.body["msg"])'], data, "logs")


def test_every_context_lists_its_paths() -> None:
    assert "attributes" in segments_of("resource") and "cache" in segments_of("resource")
    assert {"trace_id", "status", "kind", "start_time"} <= set(segments_of("span"))
    assert {"value_int", "bucket_counts", "positive", "quantile_values"} <= set(segments_of("datapoint"))
    assert {"body", "severity_number", "observed_time", "event_name"} <= set(segments_of("log"))


def test_resource_groups_edit_wire_only_data() -> None:
    from pyotelcol.pdata import Traces

    wire = traces(span(name="kept")).to_wire()
    data = Traces.from_trusted_wire(wire, checked=True)
    group = parse_statements(
        ['set(resource.attributes["team"], "shop") where resource.attributes["service.name"] == "svc"'], "traces"
    )
    group.execute(data)
    doc = as_json(Traces.from_wire(data.to_wire()))
    assert plain_attrs(doc["resourceSpans"][0]["resource"]["attributes"]) == {"service.name": "svc", "team": "shop"}
    assert doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] == "kept"
