"""Decisions recorded from Go's own tail_sampling processor (``gen_vectors``: contrib v0.165.0
through its public factory, fed ``inputs.json``, shut down so that every pending trace is decided)
replayed through pyotelcol's processor the same way (start, the request(s), shutdown): every config
must keep exactly the traces Go kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1 import trace_pb2
from pyotelcol.processors.tail_sampling import create_factory

from pyotelcol.component import Signal
from pyotelcol.pdata import Traces, any_value, key_value
from pyotelcol.testing import run_processor

HERE = Path(__file__).parent
INPUTS = json.loads((HERE / "inputs.json").read_text())
VECTORS = {case["name"]: case for case in json.loads((HERE / "vectors.json").read_text())}
CASES = {case["name"]: case for case in INPUTS["cases"]}
STATUS = {"UNSET": 0, "OK": 1, "ERROR": 2}


def _requests(traces: list[dict[str, Any]], split: bool) -> list[Traces]:
    """One request, or (split) one per span round as gen_vectors sends them: every trace's first
    span, then every second span, and so on."""
    if not split:
        return [_request(traces)]
    rounds = max(len(t["spans"]) for t in traces)
    return [
        _request([{**t, "spans": [t["spans"][r]], "first": r} for t in traces if r < len(t["spans"])])
        for r in range(rounds)
    ]


def _request(traces: list[dict[str, Any]]) -> Traces:
    message = ExportTraceServiceRequest()
    for trace in traces:
        rs = message.resource_spans.add()
        rs.resource.attributes.extend(key_value(k, v) for k, v in trace["resource"].items())
        scope = rs.scope_spans.add()
        for i, s in enumerate(trace["spans"], start=trace.get("first", 0)):
            span = scope.spans.add(
                trace_id=bytes.fromhex(trace["trace_id"]),
                span_id=bytes([1] * 7 + [i + 1]),
                parent_span_id=bytes([1] * 8) if s["parent"] else b"",
                name=s["name"],
                start_time_unix_nano=s["start_ms"] * 1_000_000,
                end_time_unix_nano=s["end_ms"] * 1_000_000,
                trace_state=s["trace_state"],
                flags=s["flags"],
            )
            span.status.code = trace_pb2.Status.StatusCode.Value(
                {0: "STATUS_CODE_UNSET", 1: "STATUS_CODE_OK", 2: "STATUS_CODE_ERROR"}[STATUS[s["status"]]]
            )
            span.attributes.extend(key_value(k, v) for k, v in s["attributes"].items())
    return Traces(message)


def test_vectors_cover_every_case() -> None:
    assert set(VECTORS) == set(CASES)
    assert any_value(1)  # the helper the request builder relies on keeps ints as ints


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_traces_as_go(name: str) -> None:
    config = {k: v for k, v in CASES[name].items() if k not in ("name", "split_requests")}
    requests = _requests(INPUTS["traces"], CASES[name].get("split_requests", False))
    out = run_processor(create_factory(), config, Signal.TRACES, *requests)
    spans = [span for data in out for span in _spans(data)]
    assert sorted({span.trace_id.hex() for span in spans}) == VECTORS[name]["sampled"]
    assert len(spans) == VECTORS[name]["spans"]


def _spans(data: Any) -> list[trace_pb2.Span]:
    return [span for rs in data.message.resource_spans for ss in rs.scope_spans for span in ss.spans]
