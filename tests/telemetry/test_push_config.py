"""``service.telemetry`` push exporters: decoding and Go's (otelconf) error messages at validate time."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.telemetry.config import TelemetryConfig
from pyotelcol.telemetry.push import temporality
from pyotelcol.telemetry.pushconfig import Endpoint, parse_headers_list, parse_request_uri

HTTP = {"protocol": "http/protobuf", "endpoint": "http://127.0.0.1:4318"}


def _errors(raw: dict[str, Any]) -> list[str]:
    return validate(decode(TelemetryConfig, raw), "service::telemetry")


def _reader(exporter: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"metrics": {"readers": [{"periodic": {"exporter": exporter, **extra}}]}}


def test_helm_chart_internal_telemetry_via_otlp_section() -> None:
    """The telemetry section of the Helm chart's internalTelemetryViaOTLP example."""
    otlp = {"endpoint": "http://localhost:4318", "protocol": "http/protobuf"}
    raw = {
        "logs": {"processors": [{"batch": {"exporter": {"otlp": otlp}}}]},
        "metrics": {"readers": [{"periodic": {"exporter": {"otlp": otlp}}}]},
        "traces": {
            "processors": [
                {
                    "batch": {
                        "exporter": {
                            "otlp": {**otlp, "headers": [{"name": "x-opentelemetry-customer", "value": "a value"}]}
                        }
                    }
                }
            ]
        },
        "resource": {"host.name": "node-1", "k8s.pod.name": "pod-1"},
    }
    cfg = decode(TelemetryConfig, raw)
    assert _errors(raw) == []
    (reader,) = cfg.effective_readers()
    assert reader.periodic is not None and reader.periodic.interval_ms == 60_000
    assert reader.periodic.timeout_ms == 30_000
    (span_proc,) = cfg.traces.processors
    assert span_proc.batch is not None and span_proc.batch.exporter.otlp is not None
    assert span_proc.batch.exporter.otlp.header_map() == {"x-opentelemetry-customer": "a value"}


def test_demo_relay_periodic_reader_with_interval_and_insecure() -> None:
    raw = {
        "metrics": {
            "level": "detailed",
            "readers": [
                {"periodic": {"exporter": {"otlp": {**HTTP, "insecure": True}}, "interval": 10000, "timeout": 5000}}
            ],
        }
    }
    assert _errors(raw) == []
    (reader,) = decode(TelemetryConfig, raw).effective_readers()
    assert reader.periodic is not None and (reader.periodic.interval_ms, reader.periodic.timeout_ms) == (10000, 5000)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (
            _reader({"otlp": {**HTTP, "protocol": "http/json"}}),
            'metrics::readers::0::periodic::exporter: unsupported protocol "http/json"',
        ),
        (
            _reader({"otlp": {"endpoint": "http://x:4318"}}),
            "metrics::readers::0::periodic::exporter: no valid metric exporter",
        ),
        (_reader({}), "metrics::readers::0::periodic::exporter: no valid metric exporter"),
        (
            _reader({"otlp": HTTP, "console": {}}),
            "metrics::readers::0::periodic::exporter: must not specify multiple exporters",
        ),
        (
            _reader({"otlp": {**HTTP, "compression": "zstd"}}),
            'metrics::readers::0::periodic::exporter: unsupported compression "zstd"',
        ),
        (
            _reader({"otlp": {**HTTP, "temporality_preference": "sometimes"}}),
            'metrics::readers::0::periodic::exporter: unsupported temporality preference "sometimes"',
        ),
        (
            _reader({"otlp": {"protocol": "grpc", "endpoint": "127.0.0.1:4317"}}),
            'metrics::readers::0::periodic::exporter: parse "127.0.0.1:4317": invalid URI for request',
        ),
        (
            _reader({"otlp": {**HTTP, "headers": [{"name": "", "value": "v"}]}}),
            "metrics::readers::0::periodic::exporter: invalid header: empty name",
        ),
        (
            {
                "metrics": {
                    "readers": [
                        {"periodic": {"exporter": {"otlp": HTTP}}, "pull": {"exporter": {"prometheus": {"port": 1}}}}
                    ]
                }
            },
            "metrics::readers::0: must not specify multiple metric reader type",
        ),
        (
            {"logs": {"processors": [{}]}},
            "logs::processors::0: unsupported log processor type, must be one of simple or batch",
        ),
        (
            {"logs": {"processors": [{"batch": {"exporter": {"otlp": HTTP}}, "simple": {"exporter": {"otlp": HTTP}}}]}},
            "logs::processors::0: must not specify multiple log processor type",
        ),
        (
            {"logs": {"processors": [{"simple": {"exporter": {}}}]}},
            "logs::processors::0::simple::exporter: no valid log exporter",
        ),
        (
            {"logs": {"processors": [{"batch": {"schedule_delay": -1, "exporter": {"otlp": HTTP}}}]}},
            "logs::processors::0::batch: invalid schedule delay -1",
        ),
        (
            {"traces": {"processors": [{"batch": {"max_queue_size": -5, "exporter": {"otlp": HTTP}}}]}},
            "traces::processors::0::batch: invalid queue size -5",
        ),
        (
            {"traces": {"processors": [{"simple": {"exporter": {"otlp": {"protocol": "grpc/json"}}}}]}},
            'traces::processors::0::simple::exporter: unsupported protocol "grpc/json"',
        ),
        (
            {"traces": {"processors": [{"simple": {"exporter": {"console": {}, "otlp": HTTP}}}]}},
            "traces::processors::0::simple::exporter: must not specify multiple exporters",
        ),
        (
            {
                "traces": {
                    "processors": [
                        {"simple": {"exporter": {"otlp": {"protocol": "http/protobuf", "endpoint": "localhost:4318"}}}}
                    ]
                }
            },
            'traces::processors::0::simple::exporter: endpoint "localhost:4318" of protocol http/protobuf must be an http(s)://host:port URL',
        ),
        (
            {"traces": {"propagators": ["tracecontext", "jaeger"]}},
            "traces: error creating propagator: unsupported trace propagator",
        ),
    ],
)
def test_bad_shapes_fail_with_go_messages(raw: dict[str, Any], error: str) -> None:
    assert _errors(raw) == [f"service::telemetry::{error}"]


def test_unknown_keys_are_decode_errors() -> None:
    with pytest.raises(DecodeError) as info:
        decode(TelemetryConfig, _reader({"otlp": {**HTTP, "endpiont": "x"}}))
    assert "has invalid keys: endpiont" in str(info.value)
    # temporality_preference belongs to the metric exporter only, as in the schema
    with pytest.raises(DecodeError) as info:
        decode(
            TelemetryConfig,
            {"logs": {"processors": [{"simple": {"exporter": {"otlp": {**HTTP, "temporality_preference": "delta"}}}}]}},
        )
    assert "has invalid keys: temporality_preference" in str(info.value)


def test_console_and_good_propagators_validate() -> None:
    raw = {
        "metrics": {"readers": [{"periodic": {"exporter": {"console": {}}}}]},
        "logs": {"processors": [{"simple": {"exporter": {"console": {}}}}]},
        "traces": {"propagators": ["tracecontext", "b3"], "processors": [{"simple": {"exporter": {"console": {}}}}]},
    }
    assert _errors(raw) == []


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("http://collector:4318", Endpoint("http", "collector:4318", "")),
        ("https://c:4318/custom/v1/metrics", Endpoint("https", "c:4318", "/custom/v1/metrics")),
        ("localhost:4317", Endpoint("localhost", "", "")),  # Go: scheme "localhost", opaque; used as written
        ("/just/a/path", Endpoint("", "", "/just/a/path")),
    ],
)
def test_endpoint_parsing_follows_go(text: str, parsed: Endpoint) -> None:
    assert parse_request_uri(text) == parsed


def test_endpoint_parse_errors() -> None:
    with pytest.raises(ValueError, match='parse "": empty url'):
        parse_request_uri("")
    with pytest.raises(ValueError, match=re.escape('parse "10.0.0.1:4317": invalid URI for request')):
        parse_request_uri("10.0.0.1:4317")


def test_headers_list_and_headers_precedence() -> None:
    assert parse_headers_list("a=1, b=x%20y ,c=3;prop") == {"a": "1", "b": "x y", "c": "3"}
    with pytest.raises(ValueError, match="invalid headers list"):
        parse_headers_list("novalue")
    cfg = decode(
        TelemetryConfig,
        _reader({"otlp": {**HTTP, "headers_list": "a=1,b=2", "headers": [{"name": "b", "value": "3"}, {"name": "c"}]}}),
    )
    reader = cfg.effective_readers()[0].periodic
    assert reader is not None and reader.exporter.otlp is not None
    assert reader.exporter.otlp.header_map() == {"a": "1", "b": "3"}


def test_temporality_preferences_follow_go() -> None:
    from opentelemetry.sdk.metrics import Counter, Histogram, ObservableCounter, UpDownCounter
    from opentelemetry.sdk.metrics.export import AggregationTemporality as T

    assert set(temporality(None).values()) == {T.CUMULATIVE}
    delta = temporality("delta")
    assert (delta[Counter], delta[Histogram], delta[ObservableCounter], delta[UpDownCounter]) == (
        T.DELTA,
        T.DELTA,
        T.DELTA,
        T.CUMULATIVE,
    )
    low = temporality("lowmemory")
    assert (low[Counter], low[Histogram], low[ObservableCounter]) == (T.DELTA, T.DELTA, T.CUMULATIVE)


def test_console_exporters_write_own_spans_logs_and_metrics_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    """``console: {}`` exporters (Go: stdout exporters): everything flushed at shutdown."""
    import asyncio
    import logging

    from pyotelcol.component import BuildInfo
    from pyotelcol.telemetry import Telemetry, tracing

    raw = {
        "logs": {"output_paths": [], "processors": [{"simple": {"exporter": {"console": {}}}}]},
        "metrics": {"readers": [{"periodic": {"interval": 3_600_000, "exporter": {"console": {}}}}]},
        "traces": {"processors": [{"simple": {"exporter": {"console": {}}}}]},
    }
    telemetry = Telemetry(
        decode(TelemetryConfig, raw),
        BuildInfo("otelcol-test", "desc", "1.2.3"),
        logger_name="pyotelcol.test.console",
        instance_id="console-1",
    )
    try:
        tracer = tracing.tracer("probe")
        assert tracer is not None
        tracer.start_span("probe-span").end()
        telemetry.get_logger("otlp", "receiver").info("probe log line", extra={"fields": {"k": "v"}})
    finally:
        asyncio.run(telemetry.shutdown())
        for handler in list(logging.getLogger("pyotelcol.test.console").handlers):
            logging.getLogger("pyotelcol.test.console").removeHandler(handler)
    assert tracing.tracer("probe") is None  # uninstalled at shutdown
    out = capsys.readouterr().out
    assert '"name": "probe-span"' in out
    assert '"body": "probe log line"' in out and '"k": "v"' in out
    assert '"service.instance.id": "console-1"' in out
    assert "otelcol_process_uptime" in out  # the last collection at shutdown
