"""The filter processor with OTTL conditions (current and legacy styles), on one real collector
fed with OTLP/JSON over HTTP and writing to file exporters: the README examples, the hierarchy
rules, error modes and snippets of public configs (New Relic host monitoring, Datadog)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
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
    # README "Basic config"
    "basic_traces": (
        "traces",
        {
            "trace_conditions": [
                'span.attributes["http.route"] == "/healthz"',
                'resource.attributes["host.name"] == "localhost"',
                'spanevent.name == "grpc.timeout"',
            ]
        },
        MARKER,
    ),
    "basic_metrics": (
        "metrics",
        {
            "metric_conditions": [
                'metric.name == "my.metric" and resource.attributes["my_label"] == "abc123"',
                "metric.type == METRIC_DATA_TYPE_HISTOGRAM",
                'metric.name == "k8s.pod.phase" and datapoint.value_int == 4',
            ]
        },
        MARKER,
    ),
    "basic_logs": (
        "logs",
        {"log_conditions": ['IsMatch(log.body, ".*password.*")', "log.severity_number < SEVERITY_NUMBER_WARN"]},
        fh.logs(({"test.marker": MARKER}, [[fh.log(MARKER, severity=13)]])),
    ),
    # every level at once: the hierarchy rules
    "hierarchy": (
        "traces",
        {
            "trace_conditions": [
                'resource.attributes["drop"] == true',
                'scope.name == "noisy-lib"',
                'span.name == "drop-span"',
                'spanevent.name == "drop-event"',
            ]
        },
        MARKER,
    ),
    # README "Advanced config": groups with an explicit context and their own error mode
    "advanced": (
        "metrics",
        {
            "error_mode": "propagate",
            "metric_conditions": [
                {"context": "metric", "conditions": ['name == "drop.me"', 'HasAttrOnDatapoint("bad", "true")']},
                {"context": "datapoint", "error_mode": "ignore", "conditions": ['attributes["k"] == "drop"']},
            ],
        },
        MARKER,
    ),
    "propagate": (
        "metrics",
        {
            "error_mode": "propagate",
            "metric_conditions": [{"context": "metric", "conditions": ['HasAttrKeyOnDatapoint("k")']}],
        },
        MARKER,
    ),
    "propagate_then_emptied": (
        "metrics",
        {
            "error_mode": "propagate",
            "metric_conditions": [
                {"context": "metric", "conditions": ['HasAttrKeyOnDatapoint("k")']},
                {"context": "metric", "conditions": [f'name != "{MARKER}"']},
            ],
        },
        MARKER,
    ),
    "ignore": (
        "metrics",
        {"metric_conditions": [{"context": "metric", "conditions": ['HasAttrKeyOnDatapoint("k")']}]},
        MARKER,
    ),
    # legacy sections, paths relative to their context
    "legacy_traces": (
        "traces",
        {"traces": {"span": ['attributes["http.route"] == "/healthz"'], "spanevent": ['name == "noise"']}},
        MARKER,
    ),
    "legacy_logs": ("logs", {"logs": {"log_record": ['severity_text == "DEBUG"']}}, MARKER),
    # README examples of the filter's own functions
    "has_attr": (
        "metrics",
        {"metrics": {"metric": ['HasAttrKeyOnDatapoint("bad.metric")', 'HasAttrOnDatapoint("env", "dev")']}},
        MARKER,
    ),
    # New Relic's host-monitoring collector config (excerpt)
    "newrelic": (
        "metrics",
        {
            "metrics": {
                "datapoint": [
                    'metric.name == "system.cpu.utilization" and attributes["state"] == "interrupt"',
                    'metric.name == "system.cpu.utilization" and attributes["state"] == "nice"',
                    'metric.name == "system.disk.io" and IsMatch(attributes["device"], "^loop.*") == true',
                ]
            }
        },
        MARKER,
    ),
    # Datadog's kube-stack cluster config (excerpt)
    "datadog_ksm": (
        "metrics",
        {"metrics": {"metric": ['metric.name == "kube_service_spec_type"', 'metric.name == "kube_namespace_created"']}},
        MARKER,
    ),
}


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from fh.start_harness(tmp_path_factory.mktemp("filter-ottl"), CASES)


def test_basic_trace_conditions(harness: Any) -> None:
    out = harness.run(
        "basic_traces",
        fh.traces(
            ({"host.name": "localhost"}, [fh.scope([fh.span("on-localhost")])]),
            (
                {"host.name": "web-1"},
                [
                    fh.scope(
                        [
                            fh.span("health", **{"http.route": "/healthz"}),
                            fh.span("checkout", events=["grpc.timeout", "retry"], **{"http.route": "/cart"}),
                        ]
                    )
                ],
            ),
        ),
    )
    assert fh.event_names(out) == {"checkout": ["retry"]}


def test_spans_from_the_python_sdk(harness: Any) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-app", "host.name": "web-1"}))
    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{harness.ports['basic_traces']}/v1/traces")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("sdk-test")
    with tracer.start_as_current_span("GET /healthz", attributes={"http.route": "/healthz"}):
        pass
    with tracer.start_as_current_span("GET /cart", attributes={"http.route": "/cart"}) as span:
        span.add_event("grpc.timeout")
        span.add_event("retry")
    provider.shutdown()
    out = harness.flush("basic_traces")
    assert fh.event_names(out) == {"GET /cart": ["retry"]}


def test_basic_metric_conditions(harness: Any) -> None:
    histogram = {"name": "latency", "histogram": {"dataPoints": [{"count": "1", "timeUnixNano": "1"}]}}
    out = harness.run(
        "basic_metrics",
        fh.metrics(
            ({"my_label": "abc123"}, [[fh.gauge("my.metric", fh.point()), fh.gauge("other", fh.point()), histogram]]),
            ({"my_label": "zzz"}, [[fh.gauge("my.metric", fh.point())]]),
            (
                {},
                [
                    [
                        fh.gauge("k8s.pod.phase", {"asInt": "4"}, {"asInt": "2"}),
                        fh.gauge("k8s.pod.restarts", {"asInt": "4"}),
                    ]
                ],
            ),
        ),
    )
    assert fh.metric_points(out) == {"other": 1, "my.metric": 1, "k8s.pod.phase": 1, "k8s.pod.restarts": 1}


def test_basic_log_conditions(harness: Any) -> None:
    out = harness.run(
        "basic_logs",
        fh.logs(
            (
                {},
                [
                    [
                        fh.log("user password=hunter2", severity=17),
                        fh.log("debug noise", severity=5),
                        fh.log("disk almost full", severity=13),
                    ]
                ],
            )
        ),
    )
    assert fh.log_bodies(out) == ["disk almost full"]


def test_hierarchy(harness: Any) -> None:
    out = harness.run(
        "hierarchy",
        fh.traces(
            # a dropped resource: nothing below it is looked at
            ({"drop": True}, [fh.scope([fh.span("keep-me")])]),
            (
                {"service.name": "svc"},
                [
                    fh.scope([fh.span("in-noisy-scope")], name="noisy-lib"),
                    # every span of this scope dropped: the scope goes too
                    fh.scope([fh.span("drop-span")], name="empty-after"),
                    fh.scope(
                        [
                            fh.span("all-events-dropped", events=["drop-event", "drop-event"]),
                            fh.span("some-events-dropped", events=["drop-event", "kept-event"]),
                            fh.span("drop-span", events=["kept-event"]),
                        ],
                        name="lib",
                    ),
                ],
            ),
        ),
    )
    (request,) = out
    (rs,) = request["resourceSpans"]
    assert [ss["scope"]["name"] for ss in rs["scopeSpans"]] == ["lib"]
    # a span whose events were all dropped stays
    assert fh.event_names(out) == {"all-events-dropped": [], "some-events-dropped": ["kept-event"]}
    text = harness.self_metrics()
    assert series(text, "otelcol_processor_filter_spans_filtered", filter="filter/hierarchy") == [4.0]


def test_advanced_groups_and_datapoint_rules(harness: Any) -> None:
    out = harness.run(
        "advanced",
        fh.metrics(
            (
                {},
                [
                    [
                        fh.gauge("drop.me", fh.point()),
                        fh.gauge("flagged", fh.point(bad="true")),
                        fh.gauge("flag-not-string", fh.point(bad=True)),  # compared as "" with "true"
                        fh.gauge("all-points-dropped", fh.point(k="drop"), fh.point(k="drop")),
                        fh.gauge("some-points-dropped", fh.point(k="drop"), fh.point(k="keep")),
                    ]
                ],
            )
        ),
    )
    # all points dropped: the metric goes too
    assert fh.metric_points(out) == {"flag-not-string": 1, "some-points-dropped": 1}


def test_error_mode_propagate_fails_the_request(harness: Any) -> None:
    no_data = {"name": "no-data"}  # a metric without data: HasAttrKeyOnDatapoint fails on it
    status = harness.post("propagate", fh.metrics(({}, [[no_data, fh.gauge("fine", fh.point())]])))
    assert status >= 400
    assert harness.flush("propagate") == []  # nothing of the failed request went on


def test_propagate_then_everything_dropped_is_a_success_like_go(harness: Any) -> None:
    # The first group fails on "no-data" (kept), the second drops everything: Go's condition
    # groups then report "skip", not the error.
    status = harness.post(
        "propagate_then_emptied", fh.metrics(({}, [[{"name": "no-data"}, fh.gauge("x", fh.point())]]))
    )
    assert status == 200
    assert harness.flush("propagate_then_emptied") == []


def test_error_mode_ignore_keeps_the_item(harness: Any) -> None:
    no_data = {"name": "no-data"}
    out = harness.run("ignore", fh.metrics(({}, [[no_data, fh.gauge("has-k", fh.point(k="1"))]])))
    names = [m["name"] for r in out for rm in r["resourceMetrics"] for sm in rm["scopeMetrics"] for m in sm["metrics"]]
    assert names == ["no-data"]


def test_legacy_trace_sections(harness: Any) -> None:
    out = harness.run(
        "legacy_traces",
        fh.traces(
            (
                {},
                [
                    fh.scope(
                        [
                            fh.span("health", **{"http.route": "/healthz"}),
                            fh.span("api", events=["noise", "signal"], **{"http.route": "/api"}),
                        ]
                    )
                ],
            )
        ),
    )
    assert fh.event_names(out) == {"api": ["signal"]}


def test_legacy_log_section(harness: Any) -> None:
    out = harness.run(
        "legacy_logs",
        fh.logs(({}, [[fh.log("a", text="DEBUG"), fh.log("b", text="INFO")], [fh.log("c", text="DEBUG")]])),
    )
    assert fh.log_bodies(out) == ["b"]
    assert len(out[0]["resourceLogs"][0]["scopeLogs"]) == 1  # the emptied scope is gone


def test_has_attr_functions(harness: Any) -> None:
    out = harness.run(
        "has_attr",
        fh.metrics(
            (
                {},
                [
                    [
                        fh.gauge("bad", fh.point(), fh.point(**{"bad.metric": 1})),
                        fh.gauge("dev", fh.point(env="dev")),
                        fh.gauge("prod", fh.point(env="prod"), fh.point(env="dev")),  # the first point with env decides
                    ]
                ],
            )
        ),
    )
    assert fh.metric_points(out) == {"prod": 2}


def test_newrelic_datapoint_conditions(harness: Any) -> None:
    out = harness.run(
        "newrelic",
        fh.metrics(
            (
                {},
                [
                    [
                        fh.gauge("system.cpu.utilization", fh.point(state="interrupt"), fh.point(state="user")),
                        fh.gauge("system.disk.io", fh.point(device="loop0"), fh.point(device="loop1")),
                        fh.gauge("system.memory.usage", fh.point(state="nice")),
                    ]
                ],
            )
        ),
    )
    assert fh.metric_points(out) == {"system.cpu.utilization": 1, "system.memory.usage": 1}


def test_datadog_metric_names(harness: Any) -> None:
    out = harness.run(
        "datadog_ksm",
        fh.metrics(({}, [[fh.gauge("kube_service_spec_type", fh.point()), fh.gauge("kube_pod_info", fh.point())]])),
    )
    assert fh.metric_points(out) == {"kube_pod_info": 1}
