"""The filter processor's deprecated include/exclude match properties (spans, metrics, logs), on
one real collector fed with OTLP/JSON over HTTP and writing to file exporters."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support import series

HERE = Path(__file__).resolve().parent


def _harness_module() -> ModuleType:
    """``filter_harness.py`` beside this file, loaded once by path (test folders are not packages)."""
    name = "pyotelcol_test_filter_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "filter_harness.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fh = _harness_module()
MARKER = fh.MARKER

CASES: dict[str, Any] = {
    "span_include": (
        "traces",
        {"spans": {"include": {"match_type": "strict", "span_names": ["keep", MARKER]}}},
        MARKER,
    ),
    "span_exclude": (
        "traces",
        {
            "spans": {
                "exclude": {
                    "match_type": "regexp",
                    "services": ["^noisy"],
                    "attributes": [{"key": "http.route", "value": "^/health"}],
                }
            }
        },
        MARKER,
    ),
    "span_include_exclude": (
        "traces",
        {
            "spans": {
                "include": {"match_type": "regexp", "span_names": ["^GET "]},
                "exclude": {"match_type": "strict", "span_kinds": ["SPAN_KIND_CLIENT"]},
            }
        },
        "GET marker",
    ),
    # contrib's couchbase example: drop Prometheus' scrape meta-metrics
    "metric_exclude": (
        "metrics",
        {
            "metrics": {
                "exclude": {
                    "match_type": "strict",
                    "metric_names": [
                        "scrape_samples_post_metric_relabeling",
                        "scrape_series_added",
                        "scrape_duration_seconds",
                        "scrape_samples_scraped",
                        "up",
                    ],
                }
            }
        },
        MARKER,
    ),
    "metric_include_resource": (
        "metrics",
        {
            "metrics": {
                "include": {
                    "match_type": "regexp",
                    "metric_names": ["^http\\."],
                    "resource_attributes": [{"key": "env", "value": "^prod$"}],
                }
            }
        },
        fh.metrics(({"env": "prod", "test.marker": MARKER}, [[fh.gauge("http.marker", fh.point())]])),
    ),
    "log_include": (
        "logs",
        {"logs": {"include": {"match_type": "strict", "severity_number": {"min": "warn", "match_undefined": True}}}},
        fh.logs(({"test.marker": MARKER}, [[fh.log("marker", severity=13)]])),
    ),
    "log_exclude": (
        "logs",
        {
            "logs": {
                "exclude": {
                    "match_type": "regexp",
                    "bodies": ["^debug:"],
                    "record_attributes": [{"key": "component", "value": "db|cache"}],
                }
            }
        },
        MARKER,
    ),
}


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from fh.start_harness(tmp_path_factory.mktemp("filter-match"), CASES)


def test_span_include_keeps_only_listed_names_and_drops_emptied_resources(harness: Any) -> None:
    out = harness.run(
        "span_include",
        fh.traces(
            ({"service.name": "a"}, [fh.scope([fh.span("keep"), fh.span("drop")])]),
            ({"service.name": "b"}, [fh.scope([fh.span("drop")]), fh.scope([fh.span("other")])]),
        ),
    )
    assert fh.span_names(out) == ["keep"]
    assert len(out[0]["resourceSpans"]) == 1  # resource b lost every span: removed


def test_everything_dropped_forwards_nothing_and_counts(harness: Any) -> None:
    before = series(harness.self_metrics(), "otelcol_processor_filter_spans_filtered", filter="filter/span_include")
    out = harness.run("span_include", fh.traces(({}, [fh.scope([fh.span("x"), fh.span("y"), fh.span("z")])])))
    assert out == []  # accepted (200) but nothing reached the exporter
    after = series(harness.self_metrics(), "otelcol_processor_filter_spans_filtered", filter="filter/span_include")
    assert after[0] - (before[0] if before else 0) == 3


def test_span_exclude_needs_every_property(harness: Any) -> None:
    out = harness.run(
        "span_exclude",
        fh.traces(
            ({"service.name": "noisy-svc"}, [fh.scope([fh.span("a", **{"http.route": "/healthz"}), fh.span("b")])]),
            ({"service.name": "main"}, [fh.scope([fh.span("c", **{"http.route": "/healthz"})])]),
        ),
    )
    # only "a" has both the service and the route
    assert fh.span_names(out) == ["b", "c"]


def test_span_include_then_exclude(harness: Any) -> None:
    out = harness.run(
        "span_include_exclude",
        fh.traces(({}, [fh.scope([fh.span("GET /a", kind=2), fh.span("GET /b", kind=3), fh.span("POST /c", kind=2)])])),
    )
    assert fh.span_names(out) == ["GET /a"]


def test_metric_exclude_by_name(harness: Any) -> None:
    out = harness.run(
        "metric_exclude",
        fh.metrics(
            ({}, [[fh.gauge("up", fh.point()), fh.gauge("http.server.requests", fh.point(), fh.point(code="500"))]])
        ),
    )
    assert fh.metric_points(out) == {"http.server.requests": 2}
    text = harness.self_metrics()
    assert series(text, "otelcol_processor_filter_datapoints_filtered", filter="filter/metric_exclude") == [1.0]


def test_metric_include_checks_resource_then_name(harness: Any) -> None:
    out = harness.run(
        "metric_include_resource",
        fh.metrics(
            ({"env": "prod"}, [[fh.gauge("http.duration", fh.point()), fh.gauge("rpc.duration", fh.point())]]),
            ({"env": "preprod"}, [[fh.gauge("http.duration", fh.point())]]),
        ),
    )
    assert fh.metric_points(out) == {"http.duration": 1}
    assert out[0]["resourceMetrics"][0]["resource"]["attributes"] == [{"key": "env", "value": {"stringValue": "prod"}}]


def test_log_include_by_severity(harness: Any) -> None:
    out = harness.run(
        "log_include",
        fh.logs(
            (
                {},
                [
                    [
                        fh.log("info", severity=9),
                        fh.log("warn", severity=13),
                        fh.log("unset", severity=0),
                        fh.log("fatal", 21),
                    ]
                ],
            )
        ),
    )
    assert fh.log_bodies(out) == ["warn", "unset", "fatal"]


def test_log_exclude_by_body_and_attribute(harness: Any) -> None:
    out = harness.run(
        "log_exclude",
        fh.logs(
            (
                {},
                [
                    [
                        fh.log("debug: pool size", component="db"),
                        fh.log("debug: hit", component="http"),
                        fh.log("query done", component="db"),
                    ]
                ],
            )
        ),
    )
    assert fh.log_bodies(out) == ["debug: hit", "query done"]
    text = harness.self_metrics()
    assert series(text, "otelcol_processor_filter_logs_filtered", filter="filter/log_exclude") == [1.0]
