"""The span metrics aggregation as a pure module: spans in, OTLP metrics out, with a controlled
clock, feature gate states and random source. (The collector tests cover the pipeline path; these
cover settings that need a clock or a gate state the CLI cannot reach yet.)"""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from pyotelcol.connectors.span_metrics.adjusted_count import AdjustedCounts, threshold
from pyotelcol.connectors.span_metrics.aggregator import Aggregator
from pyotelcol.connectors.span_metrics.config import Config
from pyotelcol.connectors.span_metrics.gates import GATES, GateStates
from pyotelcol.connectors.span_metrics.globs import compile_glob

from pyotelcol.config import decode
from pyotelcol.featuregate import Registry

MS = 1_000_000


class Clock:
    def __init__(self) -> None:
        self.now = 1_000 * 1_000_000_000

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 1_000_000_000)


def kvs(attrs: dict[str, Any]) -> list[KeyValue]:
    out = []
    for key, value in attrs.items():
        kv = KeyValue(key=key)
        if isinstance(value, bool):
            kv.value.bool_value = value
        elif isinstance(value, int):
            kv.value.int_value = value
        else:
            kv.value.string_value = value
        out.append(kv)
    return out


def request(*resources: tuple[dict[str, Any], list[dict[str, Any]]], scope: tuple[str, str] = ("", "")) -> Any:
    req = ExportTraceServiceRequest()
    for res_attrs, spans in resources:
        rs = req.resource_spans.add()
        rs.resource.attributes.extend(kvs(res_attrs))
        ss = rs.scope_spans.add()
        ss.scope.name, ss.scope.version = scope
        for spec in spans:
            span = ss.spans.add()
            span.name = spec.get("name", "op")
            span.kind = spec.get("kind", 2)
            span.start_time_unix_nano = spec.get("start", 10 * MS)
            span.end_time_unix_nano = spec.get("end", 15 * MS)
            span.status.code = spec.get("status", 0)
            span.trace_state = spec.get("trace_state", "")
            span.attributes.extend(kvs(spec.get("attrs", {})))
            for event_attrs in spec.get("events", []):
                event = span.events.add()
                event.name = "exception"
                event.attributes.extend(kvs(event_attrs))
    return req


def aggregator(raw: dict[str, Any] | None = None, gates: GateStates | None = None) -> tuple[Aggregator, Clock]:
    cfg = decode(Config, raw or {}, Config())
    cfg.validate()
    clock = Clock()
    return Aggregator(cfg, gates or GateStates(), "instance-1", clock), clock


def flush(agg: Aggregator) -> dict[str, Any]:
    """metric name -> list of (attributes, point) over every resource, plus the resources."""
    out: dict[str, Any] = {"resources": []}
    req = agg.flush()
    if req is None:
        return out
    for rm in req.resource_metrics:
        out["resources"].append({kv.key: kv.value.string_value for kv in rm.resource.attributes})
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                data = getattr(metric, metric.WhichOneof("data") or "sum")
                points = out.setdefault(metric.name, [])
                for dp in data.data_points:
                    attrs = {}
                    for kv in dp.attributes:
                        kind = kv.value.WhichOneof("value")
                        attrs[kv.key] = getattr(kv.value, kind) if kind else None
                    points.append((attrs, dp))
    return out


SHOP = {"service.name": "shop", "host.name": "h1"}


def test_legacy_names_and_otel_status_prefix_gates() -> None:
    agg, _ = aggregator(gates=GateStates(legacy_metric_names=True, use_otel_status_prefix=True))
    agg.aggregate(request((SHOP, [{"status": 2}, {"status": 0, "name": "ok"}])))
    got = flush(agg)
    assert {"calls", "duration"} <= set(got)
    statuses = {attrs["span.name"]: attrs.get("otel.status_code") for attrs, _ in got["calls"]}
    assert statuses == {"op": "ERROR", "ok": None}  # unset status: no attribute at all
    assert all("status.code" not in attrs for attrs, _ in got["calls"])
    # a custom namespace is kept even with the legacy gate
    agg, _ = aggregator({"namespace": "x"}, GateStates(legacy_metric_names=True))
    agg.aggregate(request((SHOP, [{}])))
    assert "x.calls" in flush(agg)


def test_exclude_resource_metrics_gate_and_add_resource_attributes() -> None:
    agg, _ = aggregator(gates=GateStates(exclude_resource_metrics=True, include_collector_instance_id=False))
    agg.aggregate(request((SHOP, [{}])))
    got = flush(agg)
    assert got["resources"] == [{}]
    assert "collector.instance.id" not in got["traces.span.metrics.calls"][0][0]
    agg, _ = aggregator({"add_resource_attributes": True}, GateStates(exclude_resource_metrics=True))
    agg.aggregate(request((SHOP, [{}])))
    assert flush(agg)["resources"] == [SHOP]


def test_dimension_lookup_order_and_globs() -> None:
    agg, _ = aggregator(
        {
            "dimensions": [{"name": "host.name"}, {"name": "region", "default": "eu"}, {"glob": "db.*"}],
            "events": {"enabled": True, "dimensions": [{"name": "exception.type"}, {"name": "host.name"}]},
            "aggregation_temporality": "AGGREGATION_TEMPORALITY_DELTA",
        }
    )
    span = {"attrs": {"db.system": "pg", "db.op.name": "x", "region": "us"}, "events": [{"exception.type": "E"}]}
    agg.aggregate(request(({**SHOP, "db.tier": "gold"}, [span, {"name": "plain", "attrs": {"host.name": "h9"}}])))
    got = flush(agg)
    calls = {attrs["span.name"]: attrs for attrs, _ in got["traces.span.metrics.calls"]}
    op = calls["op"]
    assert op["host.name"] == "h1" and op["region"] == "us"  # resource value; the span's value over the default
    assert op["db.system"] == "pg" and op["db.tier"] == "gold"  # span then resource attributes matching db.*
    assert "db.op.name" not in op  # `*` stays within one dotted segment
    assert calls["plain"]["host.name"] == "h9" and calls["plain"]["region"] == "eu"
    (event_attrs, event_point) = got["traces.span.metrics.events"][0]
    assert event_attrs["exception.type"] == "E" and event_point.as_int == 1


def test_calls_and_histogram_dimensions_are_separate() -> None:
    agg, _ = aggregator(
        {"calls_dimensions": [{"name": "http.url"}], "histogram": {"dimensions": [{"name": "http.status_code"}]}}
    )
    agg.aggregate(request((SHOP, [{"attrs": {"http.url": "/a", "http.status_code": 200}}])))
    got = flush(agg)
    (calls, _), (hist, _) = got["traces.span.metrics.calls"][0], got["traces.span.metrics.duration"][0]
    assert calls["http.url"] == "/a" and "http.status_code" not in calls
    assert hist["http.status_code"] == 200 and "http.url" not in hist


def test_metrics_expiration_forgets_idle_resources() -> None:
    agg, clock = aggregator({"metrics_expiration": "10s"})
    agg.aggregate(request((SHOP, [{}]), ({"service.name": "other"}, [{}])))
    flush(agg)
    clock.advance(5)
    agg.aggregate(request((SHOP, [{}])))
    assert len(flush(agg)["resources"]) == 2
    clock.advance(6)  # "other" was last seen 11s ago: reported once more (as Go), then forgotten
    assert len(flush(agg)["resources"]) == 2
    assert flush(agg)["resources"] == [SHOP]


def test_series_expiration_forgets_idle_series() -> None:
    agg, clock = aggregator({"series_expiration": "10s"})
    agg.aggregate(request((SHOP, [{"name": "a"}, {"name": "b"}])))
    flush(agg)
    clock.advance(6)
    agg.aggregate(request((SHOP, [{"name": "a"}])))
    clock.advance(5)
    flush(agg)  # "b" was last updated 11s ago: reported once more (as Go), then forgotten
    names = [attrs["span.name"] for attrs, _ in flush(agg)["traces.span.metrics.calls"]]
    assert names == ["a"]


def test_resource_cache_is_bounded_and_evicted_resources_restart() -> None:
    agg, _ = aggregator({"resource_metrics_cache_size": 1})
    agg.aggregate(request((SHOP, [{}]), ({"service.name": "other"}, [{}])))
    got = flush(agg)  # the evicted resource is still reported once
    assert sorted(r["service.name"] for r in got["resources"]) == ["other", "shop"]
    assert [r["service.name"] for r in flush(agg)["resources"]] == ["other"]
    assert len(agg.resources) == 1


def test_resource_key_attributes() -> None:
    agg, _ = aggregator({"resource_metrics_key_attributes": ["service.name"]})
    agg.aggregate(request((SHOP, [{}]), ({"service.name": "shop", "host.name": "h2"}, [{}])))
    flush(agg)  # first cumulative report is 0
    got = flush(agg)
    assert got["resources"] == [SHOP]  # the first resource's attributes are kept
    assert got["traces.span.metrics.calls"][0][1].as_int == 2


def test_delta_resets_and_chains_start_times() -> None:
    agg, clock = aggregator({"aggregation_temporality": "AGGREGATION_TEMPORALITY_DELTA"})
    agg.aggregate(request((SHOP, [{}, {}])))
    clock.advance(1)
    (_, first), *_ = flush(agg)["traces.span.metrics.calls"]
    assert first.as_int == 2 and first.time_unix_nano == clock.now
    assert flush(agg)["resources"] == []  # nothing new: nothing to report
    clock.advance(1)
    agg.aggregate(request((SHOP, [{}])))
    clock.advance(1)
    (_, second), *_ = flush(agg)["traces.span.metrics.calls"]
    assert second.as_int == 1 and second.start_time_unix_nano == first.time_unix_nano


def test_negative_duration_counts_as_zero_and_units() -> None:
    agg, _ = aggregator({"histogram": {"unit": "s", "explicit": {"buckets": ["100us", "1ms", "1s"]}}})
    agg.aggregate(request((SHOP, [{"start": 50 * MS, "end": 10 * MS}, {"start": 0, "end": 500 * MS}])))
    (_, point), *_ = flush(agg)["traces.span.metrics.duration"]
    assert list(point.explicit_bounds) == [0.0001, 0.001, 1.0]
    assert list(point.bucket_counts) == [1, 0, 1, 0] and point.sum == 0.5


def test_sampled_spans_count_with_their_adjusted_count() -> None:
    # th:8 rejects half of all traces: each kept span stands for 2
    assert threshold("ot=th:8;rv:123456789abcde,other=x") == 8 << 52
    assert threshold("ot=th:zz") is None and threshold("vendor=1") is None
    agg, _ = aggregator({"enable_metrics_sampling_method": True})
    agg.aggregate(request((SHOP, [{"trace_state": "ot=th:8"}, {"trace_state": "ot=th:8"}, {}])))
    flush(agg)
    got = {attrs["sampling.method"]: point.as_int for attrs, point in flush(agg)["traces.span.metrics.calls"]}
    assert got == {"extrapolated": 4, "counted": 1}
    # a threshold with a fractional count rounds up or down, unbiased over many spans
    counts = AdjustedCounts(random.Random(7))
    total = sum(counts.of("ot=th:c")[0] for _ in range(4000))  # each stands for 4
    assert total == 16_000
    total = sum(counts.of("ot=th:a")[0] for _ in range(6000))  # each stands for 2.666...
    assert 15_600 < total < 16_400


def test_include_instrumentation_scope() -> None:
    agg, _ = aggregator({"include_instrumentation_scope": ["express"]})
    agg.aggregate(request((SHOP, [{}]), scope=("express", "4.1")))
    attrs, _ = flush(agg)["traces.span.metrics.calls"][0]
    assert attrs["span.instrumentation.scope.name"] == "express"
    assert attrs["span.instrumentation.scope.version"] == "4.1"


def test_exemplars_respect_max_and_skip_spans_without_trace_id() -> None:
    agg, _ = aggregator({"exemplars": {"enabled": True, "max_per_data_point": 1}})
    req = request((SHOP, [{}, {}]))
    for i, span in enumerate(req.resource_spans[0].scope_spans[0].spans):
        span.trace_id = bytes([i + 1]) * 16 if i else b""
        span.span_id = bytes([9]) * 8
    agg.aggregate(req)
    (_, point), *_ = flush(agg)["traces.span.metrics.duration"]
    assert [ex.trace_id for ex in point.exemplars] == [bytes([2]) * 16]
    assert point.exemplars[0].as_double == 5.0


def test_config_defaults_match_go() -> None:
    cfg = Config()
    assert cfg.metrics_flush_interval == timedelta(seconds=60) and cfg.resource_metrics_cache_size == 1000
    assert (
        cfg.histogram.unit == "ms" and cfg.exemplars.max_per_data_point == 5 and cfg.namespace == "traces.span.metrics"
    )
    assert cfg.delta_timestamp_cache_size() == 10_000


def test_globs() -> None:
    assert compile_glob("db.**.name").match("db.a.b.name")
    assert compile_glob("{http,rpc}.method").match("rpc.method")
    assert compile_glob("k8s.?od.name").match("k8s.pod.name")
    assert not compile_glob("k8s.[!p]od.name").match("k8s.pod.name")


def test_gate_states_follow_a_registry_that_knows_the_gates() -> None:
    assert GateStates.current(Registry([])) == GateStates()  # unregistered: Go's defaults
    registry = Registry([dataclasses.replace(g) for g in GATES])
    registry.apply_flag("-connector.spanmetrics.includeCollectorInstanceID,connector.spanmetrics.legacyMetricNames")
    states = GateStates.current(registry)
    assert not states.include_collector_instance_id and states.legacy_metric_names
    assert not states.exclude_resource_metrics and not states.use_otel_status_prefix
