"""Jaeger -> OTLP translation compared with the Go collector's own output (fixtures made by
make_fixtures.py), plus malformed input."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.pdata.otlpjson import from_json, to_json
from pyotelcol.translator.jaeger import (
    JaegerDecodeError,
    decode_agent_message,
    decode_batch,
    decode_post_spans,
    proto_to_traces,
    thrift_to_traces,
)
from pyotelcol.translator.jaeger.thrift_codec import encode_agent_message, encode_batch, thrift

TESTDATA = Path(__file__).resolve().parent / "testdata"
FIXTURES = sorted(TESTDATA.glob("*.json"))


def translate(protocol: str, payload: bytes) -> Any:
    if protocol == "thrift_http":
        return thrift_to_traces(decode_batch(payload))
    if protocol == "grpc":
        return proto_to_traces(decode_post_spans(payload))
    batch = decode_agent_message(payload, compact=protocol == "thrift_compact")
    return ExportTraceServiceRequest() if batch is None else thrift_to_traces(batch)


def normalized(request: Any) -> Any:
    """OTLP/JSON with the resources sorted: their order is unspecified in Go's protobuf path;
    everything else is compared as is (JSON leaves out empty messages, whose presence the
    protobuf bytes would show)."""
    tree = json.loads(to_json(request))
    tree.get("resourceSpans", []).sort(key=lambda rs: json.dumps(rs, sort_keys=True))
    return tree


def go_request(fixture: dict[str, Any]) -> Any:
    merged = ExportTraceServiceRequest()
    for body in fixture["go_output"]:
        merged.MergeFrom(from_json(json.dumps(body), ExportTraceServiceRequest))
    return merged


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_matches_go_collector(path: Path) -> None:
    fixture = json.loads(path.read_text())
    payload = base64.b64decode(fixture["input"])
    if fixture["go_error"] is not None:
        with pytest.raises(JaegerDecodeError):
            translate(fixture["protocol"], payload)
        return
    if fixture["protocol"].startswith("thrift_") and fixture["protocol"] != "thrift_http" and not fixture["go_output"]:
        # Go only logs UDP packets it cannot handle; ours must be rejected or produce nothing
        try:
            ours = translate(fixture["protocol"], payload)
        except JaegerDecodeError:
            return
        assert not ours.resource_spans
        return
    ours = translate(fixture["protocol"], payload)
    expected = go_request(fixture)
    assert normalized(ours) == normalized(expected)


def test_fixtures_exist() -> None:
    protocols = {json.loads(p.read_text())["protocol"] for p in FIXTURES}
    assert protocols == {"thrift_http", "thrift_binary", "thrift_compact", "grpc"}


def _small_batch() -> Any:
    span = thrift.Span(
        traceIdLow=1, traceIdHigh=0, spanId=2, parentSpanId=0, operationName="op", flags=1, startTime=1, duration=1
    )
    return thrift.Batch(process=thrift.Process(serviceName="svc", tags=[]), spans=[span])


@pytest.mark.parametrize("cut", [1, 2, 5, 20, 40])
def test_truncated_thrift_is_rejected(cut: int) -> None:
    body = encode_batch(_small_batch())
    with pytest.raises(JaegerDecodeError):
        decode_batch(body[:-cut])
    for compact in (True, False):
        packet = encode_agent_message(_small_batch(), compact)
        with pytest.raises(JaegerDecodeError):
            decode_agent_message(packet[:-cut], compact)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x0c\x00\x01\x0b\x00\x01\x7f\xff\xff\xffab",  # serviceName declaring a 2 GiB string
        b"\x0c\x00\x01\x0b\x00\x01\xff\xff\xff\xfbab",  # negative string length
        b"\x0c\x00\x01\x0b\x00\x01\x00\x00\x00\x01s\x00\x0f\x00\x02\x0c\x7f\xff\xff\xff\x00",  # 2^31 spans
        b"\x0f\x00\x01\x0c\x00\x00\x00\x01\x00\x00",  # process sent as a list
        bytes(range(256)),
    ],
)
def test_malformed_thrift_is_rejected(body: bytes) -> None:
    with pytest.raises(JaegerDecodeError):
        decode_batch(body)


def test_missing_required_field_is_rejected() -> None:
    batch = _small_batch()
    batch.spans[0].operationName = None
    with pytest.raises(JaegerDecodeError, match="operationName"):
        decode_batch(encode_batch(batch))


def test_other_agent_methods_are_rejected() -> None:
    packet = encode_agent_message(_small_batch(), compact=True).replace(b"emitBatch", b"emitBatcX")
    with pytest.raises(JaegerDecodeError, match="emitBatcX"):
        decode_agent_message(packet, compact=True)


def test_malformed_protobuf_is_rejected() -> None:
    with pytest.raises(JaegerDecodeError):
        decode_post_spans(b"\x0a\x05\x0a\x03\x0a\x01")
    bad_span_id = b"\x0a\x06\x0a\x04\x12\x02\x00\x01"  # batch{spans{span_id: 2 bytes}}
    with pytest.raises(JaegerDecodeError, match="SpanID"):
        proto_to_traces(decode_post_spans(bad_span_id))


def test_thrift_ids_are_signed_halves() -> None:
    batch = _small_batch()
    batch.spans[0].traceIdHigh, batch.spans[0].traceIdLow, batch.spans[0].spanId = -1, -2, -3
    span = thrift_to_traces(decode_batch(encode_batch(batch))).resource_spans[0].scope_spans[0].spans[0]
    assert span.trace_id == struct.pack(">qq", -1, -2)
    assert span.span_id == struct.pack(">q", -3)
