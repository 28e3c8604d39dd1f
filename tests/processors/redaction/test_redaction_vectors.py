"""pyotelcol's redaction processor against the Go collector's own, on traces, logs and metrics.

``vectors.json`` was produced by ``gen_vectors/main.go``: it builds fixed OTLP data (span, span
event, resource and scope attributes of every type; string, map, list and number log bodies;
every metric point type; summary attributes left by an earlier redaction processor), runs Go's
contrib ``redactionprocessor`` v0.165.0 over it with each config (public factory and confmap, no
copied code) and records the OTLP/JSON it emitted. Regenerate with
``cd gen_vectors && go run . > ../vectors.json`` (CI does not run Go).

``sanitizer_vectors.json`` (``go run . sanitizers``) does the same for ``url_sanitizer`` and
``db_sanitizer``: spans, span names, log bodies and metric points carrying URLs and SQL, Redis
and Memcached statements, under each database system.

Attribute order is not compared: Go's ``Map.Remove`` moves the last entry into the hole.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from pyotelcol.processors.redaction import Config, create_factory

from pyotelcol.component import Kind, Signal
from pyotelcol.config.decode import decode, validate
from pyotelcol.pdata.otlpjson import decode_request, from_json
from pyotelcol.testing import Sink, make_settings

HERE = Path(__file__).parent
VECTOR_FILES = {name: json.loads((HERE / f"{name}.json").read_text()) for name in ("vectors", "sanitizer_vectors")}
MESSAGES: dict[Signal, Any] = {
    Signal.TRACES: ExportTraceServiceRequest,
    Signal.LOGS: ExportLogsServiceRequest,
    Signal.METRICS: ExportMetricsServiceRequest,
}


def _normalized(value: Any) -> Any:
    """Lists of key/value entries become dicts, so the order of attributes does not count; an
    empty message (``resource: {}``) counts as absent."""
    if isinstance(value, dict):
        return {k: _normalized(v) for k, v in value.items() if v != {}}
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and set(v) <= {"key", "value"} and "key" in v for v in value):
            return {v["key"]: _normalized(v.get("value")) for v in value}
        return [_normalized(v) for v in value]
    return value


def _canonical(message: Any) -> Any:
    return _normalized(MessageToDict(message))


def _run(raw_config: dict[str, Any], signal: Signal, vectors: dict[str, Any]) -> Any:
    cfg = decode(Config, raw_config)
    errors = validate(cfg, "redaction")
    assert not errors
    sink = Sink()
    processor = create_factory().create_for(signal, make_settings("redaction", Kind.PROCESSOR, signal), cfg, sink)
    data = decode_request(signal, json.dumps(vectors["input"][signal.value]).encode())
    asyncio.run(processor.consume(data))
    (out,) = sink.received
    return _canonical(MESSAGES[signal].FromString(out.to_wire()))


def _expected(case: dict[str, Any], signal: Signal) -> Any:
    return _canonical(from_json(json.dumps(case[signal.value]), MESSAGES[signal]))


CASES = [(name, case) for name, vectors in VECTOR_FILES.items() for case in vectors["cases"]]


@pytest.mark.parametrize("signal", [Signal.TRACES, Signal.LOGS, Signal.METRICS], ids=lambda s: s.value)
@pytest.mark.parametrize(
    ("name", "case"), CASES, ids=[f"{n}:{json.dumps(c['config'], sort_keys=True)[:90]}" for n, c in CASES]
)
def test_same_output_as_go(name: str, case: dict[str, Any], signal: Signal) -> None:
    assert _run(case["config"], signal, VECTOR_FILES[name]) == _expected(case, signal)


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_the_vectors_change_the_data(name: str) -> None:
    # Guards the fixture itself: outputs equal to the input would prove nothing.
    # A case may leave one signal alone on purpose (sanitize_span_name: false, no listed keys).
    vectors = VECTOR_FILES[name]
    originals = {signal: _expected(vectors["input"], signal) for signal in MESSAGES}
    for case in vectors["cases"]:
        assert any(_expected(case, signal) != originals[signal] for signal in MESSAGES), case["config"]
    for signal in MESSAGES:
        assert any(_expected(case, signal) != originals[signal] for case in vectors["cases"]), signal
