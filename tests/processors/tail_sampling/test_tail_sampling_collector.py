"""The tail_sampling processor in a running collector: spans from the OpenTelemetry Python SDK
(OTLP/HTTP) and OTLP/JSON requests go through it into file exporters; the self-metrics come from
the collector's Prometheus endpoint. Config errors go through ``pyotelcol validate``.

Waits poll the output with a deadline: decisions happen on the processor's one-second tick."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import NonRecordingSpan, SpanContext, Status, StatusCode
from pyotelcol.exporters.file import read_file
from support import REPO, Collector, free_port, run_cli, series, wait_for_port

PREFIX = "otelcol_processor_tail_sampling_"
BOUND = 50
FLOOD = 10 * BOUND

PIPELINES: dict[str, dict[str, Any]] = {
    # whole-trace decisions and late spans through the decision caches
    "errors": {
        "decision_wait": "200ms",
        "decision_cache": {"sampled_cache_size": 1000, "non_sampled_cache_size": 1000},
        "policies": [{"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}}],
    },
    # memory bound: ten times more new traces than num_traces in one request
    "bounded": {
        "decision_wait": "1s",
        "num_traces": BOUND,
        "policies": [{"name": "all", "type": "always_sample"}],
    },
    # pending traces at shutdown: decided, or dropped when asked to
    "shutdown": {"decision_wait": "1h", "policies": [{"name": "all", "type": "always_sample"}]},
    "shutdown_drop": {
        "decision_wait": "1h",
        "drop_pending_traces_on_shutdown": True,
        "policies": [{"name": "all", "type": "always_sample"}],
    },
}


def _wait_until(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _spans(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [
        span
        for request in read_file(str(path))
        for rs in request["resourceSpans"]
        for ss in rs["scopeSpans"]
        for span in ss["spans"]
    ]


def _post_json(port: int, body: dict[str, Any]) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/traces",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def _one_span_traces(count: int, first: int = 1) -> dict[str, Any]:
    spans = [
        {
            "traceId": f"{i:032x}",
            "spanId": f"{i:016x}",
            "name": f"t{i}",
            "startTimeUnixNano": "1",
            "endTimeUnixNano": "2",
        }
        for i in range(first, first + count)
    ]
    return {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {"name": "flood"}, "spans": spans}]}]}


def _metrics(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        return str(resp.read().decode())


class _SDK:
    """An SDK tracer exporting every span at once over OTLP/HTTP."""

    def __init__(self, port: int) -> None:
        self.provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
        self.provider.add_span_processor(
            SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces"))
        )
        self.tracer = self.provider.get_tracer("tail-sampling-test")

    def trace(self, name: str, children: int, error_child: bool) -> SpanContext:
        with self.tracer.start_as_current_span(name) as root:
            for i in range(children):
                with self.tracer.start_as_current_span(f"{name}-child-{i}") as child:
                    if error_child and i == children - 1:
                        child.set_status(Status(StatusCode.ERROR, "boom"))
            return root.get_span_context()

    def late_span(self, parent: SpanContext, name: str) -> None:
        ctx = trace.set_span_in_context(NonRecordingSpan(parent))
        with self.tracer.start_as_current_span(name, context=ctx):
            pass


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("tail_sampling")
    ports = {name: free_port() for name in PIPELINES}
    metrics_port = free_port()
    config: dict[str, Any] = {"receivers": {}, "processors": {}, "exporters": {}}
    pipelines: dict[str, Any] = {}
    for name, processor in PIPELINES.items():
        config["receivers"][f"otlp/{name}"] = {"protocols": {"http": {"endpoint": f"127.0.0.1:{ports[name]}"}}}
        config["processors"][f"tail_sampling/{name}"] = processor
        config["exporters"][f"file/{name}"] = {"path": str(tmp / f"{name}.json")}
        pipelines[f"traces/{name}"] = {
            "receivers": [f"otlp/{name}"],
            "processors": [f"tail_sampling/{name}"],
            "exporters": [f"file/{name}"],
        }
    config["service"] = {
        "pipelines": pipelines,
        "telemetry": {
            "metrics": {
                "readers": [{"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": metrics_port}}}}]
            }
        },
    }
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    col = Collector(path)
    state: dict[str, Any] = {
        "ports": ports,
        "metrics_port": metrics_port,
        "files": {n: tmp / f"{n}.json" for n in PIPELINES},
        "collector": col,
    }
    try:
        for port in [*ports.values(), metrics_port]:
            wait_for_port(port, col.proc)
        yield state
    finally:
        col.stop()


def test_a_trace_with_one_error_span_is_kept_whole_and_the_others_are_dropped(collector: dict[str, Any]) -> None:
    sdk = _SDK(collector["ports"]["errors"])
    failed = sdk.trace("checkout", children=3, error_child=True)
    fine = sdk.trace("browse", children=3, error_child=False)
    also_fine = sdk.trace("search", children=1, error_child=False)
    file = collector["files"]["errors"]
    failed_id = f"{failed.trace_id:032x}"
    _wait_until(lambda: len(_spans(file)) >= 4, "the failed trace")
    # Late spans: the not sampled trace's first, then the sampled one's; requests are handled in
    # order, so once the sampled trace's late span is out, the other one was already dropped.
    sdk.late_span(fine, "browse-late")
    sdk.late_span(failed, "checkout-late")
    _wait_until(lambda: any(s["name"] == "checkout-late" for s in _spans(file)), "the late span of the kept trace")
    spans = _spans(file)
    assert {s["traceId"] for s in spans} == {failed_id}
    assert sorted(s["name"] for s in spans) == [
        "checkout",
        "checkout-child-0",
        "checkout-child-1",
        "checkout-child-2",
        "checkout-late",
    ]
    assert f"{fine.trace_id:032x}" != failed_id != f"{also_fine.trace_id:032x}"
    text = _metrics(collector["metrics_port"])
    assert series(text, PREFIX + "early_releases_from_cache_decision", sampled="true") == [1.0]
    assert series(text, PREFIX + "early_releases_from_cache_decision", sampled="false") == [1.0]
    assert series(
        text, PREFIX + "count_traces_sampled", policy="errors.errors", sampled="true", decision="sampled"
    ) == [1.0]
    assert series(
        text, PREFIX + "count_traces_sampled", policy="errors.errors", sampled="false", decision="not_sampled"
    ) == [2.0]
    sdk.provider.shutdown()


def test_a_flood_of_new_traces_evicts_the_oldest(collector: dict[str, Any]) -> None:
    port, file = collector["ports"]["bounded"], collector["files"]["bounded"]
    _post_json(port, _one_span_traces(FLOOD))
    # The evicted traces are counted when their decision tick comes; only the last BOUND are decided.
    _wait_until(
        lambda: (
            series(_metrics(collector["metrics_port"]), PREFIX + "sampling_trace_dropped_too_early")
            == [float(FLOOD - BOUND)]
        ),
        "the evictions to be counted",
    )
    _wait_until(lambda: len(_spans(file)) == BOUND, "the surviving traces")
    kept = sorted(int(s["traceId"], 16) for s in _spans(file))
    assert kept == list(range(FLOOD - BOUND + 1, FLOOD + 1))
    text = _metrics(collector["metrics_port"])
    assert series(text, PREFIX + "count_traces_sampled", policy="bounded.all", decision="sampled") == [float(BOUND)]


def test_shutdown_decides_pending_traces_unless_told_to_drop_them(collector: dict[str, Any]) -> None:
    """The last test of the shared collector: it stops it."""
    _post_json(collector["ports"]["shutdown"], _one_span_traces(3, first=7001))
    _post_json(collector["ports"]["shutdown_drop"], _one_span_traces(3, first=8001))
    # Nothing is decided before an hour has passed.
    assert _spans(collector["files"]["shutdown"]) == []
    code, _, err = collector["collector"].stop()
    assert code == 0, err
    assert sorted(int(s["traceId"], 16) for s in _spans(collector["files"]["shutdown"])) == [7001, 7002, 7003]
    assert _spans(collector["files"]["shutdown_drop"]) == []


CONFIG_ERRORS = {
    "unknown_type": (
        [{"name": "p", "type": "sometimes"}],
        'failed to create policy evaluator for "p": unknown sampling policy type sometimes',
    ),
    "no_name": ([{"type": "always_sample"}], "policy name cannot be empty"),
    "duplicate": (
        [{"name": "p", "type": "always_sample"}, {"name": "p", "type": "trace_flags"}],
        'duplicate policy name "p"',
    ),
    "status_code": (
        [{"name": "s", "type": "status_code", "status_code": {"status_codes": ["FAILED"]}}],
        'failed to create policy evaluator for "s": unknown status code "FAILED", supported: OK, ERROR, UNSET',
    ),
    "nested": (
        [{"name": "a", "type": "and", "and": {"and_sub_policy": [{"name": "x", "type": "composite"}]}}],
        'failed to create policy evaluator for "a": unknown sampling policy type composite',
    ),
    "span_ingest_stateful": (
        [{"name": "rl", "type": "rate_limiting", "rate_limiting": {"spans_per_second": 10}}],
        'sampling_strategy "span-ingest" requires all policies to be stateless, but policy "rl" is stateful',
    ),
    "unknown_key": ([{"name": "p", "type": "always_sample", "always": {}}], "has invalid keys: always"),
    "regex": (
        [
            {
                "name": "r",
                "type": "string_attribute",
                "string_attribute": {"key": "k", "values": ["(a"], "enabled_regex_matching": True},
            }
        ],
        'failed to create policy evaluator for "r": invalid regex `(a`: error parsing regexp: missing closing ): `(a`',
    ),
}


@pytest.mark.parametrize("name", sorted(CONFIG_ERRORS))
def test_config_errors_fail_validate(tmp_path: Path, name: str) -> None:
    policies, message = CONFIG_ERRORS[name]
    processor: dict[str, Any] = {"policies": policies}
    if name.startswith("span_ingest"):
        processor["sampling_strategy"] = "span-ingest"
    config = {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
        "processors": {"tail_sampling": processor},
        "exporters": {"debug": {}},
        "service": {
            "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["tail_sampling"], "exporters": ["debug"]}}
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_cli("validate", "--config", str(path))
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


def test_the_readme_example_validates(tmp_path: Path) -> None:
    readme = (REPO / "processors" / "tail_sampling" / "README.md").read_text()
    example = yaml.safe_load(readme.split("```yaml\n", 1)[1].split("```", 1)[0])
    config = {
        **example,
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
        "exporters": {"debug": {}},
        "service": {
            "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["tail_sampling"], "exporters": ["debug"]}}
        },
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 0, result.stderr
