"""pyotelcol's redaction processor against the Go collector's own, on traces, logs and metrics.

``vectors.json`` was produced by ``gen_vectors/main.go``: it builds fixed OTLP data (span, span
event, resource and scope attributes of every type; string, map, list and number log bodies;
every metric point type; summary attributes left by an earlier redaction processor), runs Go's
contrib ``redactionprocessor`` v0.165.0 over it with each config (public factory and confmap, no
copied code) and records the OTLP/JSON it emitted. Regenerate with
``cd gen_vectors && go run . > ../vectors.json`` (CI does not run Go).

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

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())
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


def _run(raw_config: dict[str, Any], signal: Signal) -> Any:
    cfg = decode(Config, raw_config)
    errors = validate(cfg, "redaction")
    assert not errors
    sink = Sink()
    processor = create_factory().create_for(signal, make_settings("redaction", Kind.PROCESSOR, signal), cfg, sink)
    data = decode_request(signal, json.dumps(VECTORS["input"][signal.value]).encode())
    asyncio.run(processor.consume(data))
    (out,) = sink.received
    return _canonical(MESSAGES[signal].FromString(out.to_wire()))


def _expected(case: dict[str, Any], signal: Signal) -> Any:
    return _canonical(from_json(json.dumps(case[signal.value]), MESSAGES[signal]))


@pytest.mark.parametrize("signal", [Signal.TRACES, Signal.LOGS, Signal.METRICS], ids=lambda s: s.value)
@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: json.dumps(c["config"], sort_keys=True)[:90])
def test_same_output_as_go(case: dict[str, Any], signal: Signal) -> None:
    assert _run(case["config"], signal) == _expected(case, signal)


def test_the_vectors_change_the_data() -> None:
    # Guards the fixture itself: outputs equal to the input would prove nothing.
    for signal in MESSAGES:
        original = _expected(VECTORS["input"], signal)
        changed = [case for case in VECTORS["cases"] if _expected(case, signal) != original]
        assert len(changed) == len(VECTORS["cases"])
