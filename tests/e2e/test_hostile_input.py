"""Hostile input through a running ``pyotelcol``: requests the receiver must refuse (nested deeper
than protobuf parses, numbers with 100,000 digits, overflowing doubles, unsupported Content-Type
with a bad Content-Encoding) interleaved with valid ones, over gRPC, HTTP protobuf and HTTP JSON.

Every bad request gets a 4xx / INVALID_ARGUMENT, and every valid item reaches both exporters
behind the batch processor (``file`` and ``otlp`` into a sink that parses what it gets, as a real
backend would): one bad request never takes valid data down with it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import grpc.aio
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from support import free_port, otlp_sinks

from pyotelcol.pdata.otlpjson import from_json

TRACE_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
HUGE = "9" * 100_000


h = otlp_sinks()

# -- requests -----------------------------------------------------------------------------------


def nested(levels: int, kind: str) -> dict[str, Any]:
    value: dict[str, Any] = {"stringValue": "bottom"}
    for _ in range(levels):
        if kind == "array":
            value = {"arrayValue": {"values": [value]}}
        else:
            value = {"kvlistValue": {"values": [{"key": "k", "value": value}]}}
    return value


def span_json(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "traceId": "01" * 16, "spanId": "02" * 8, **extra}


def traces_json(*spans: dict[str, Any]) -> bytes:
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]}).encode()


def raw_span_json(name: str, field: str, literal: str) -> bytes:
    """A one-span request whose ``field`` is the JSON text ``literal`` (kept as written)."""
    ids = f'"traceId":"{"01" * 16}","spanId":"{"02" * 8}"'
    span = "{" + f'"name":{json.dumps(name)},{ids},"{field}":' + literal + "}"
    return ('{"resourceSpans":[{"scopeSpans":[{"spans":[' + span + "]}]}]}").encode()


def raw_attr_json(name: str, kind: str, literal: str) -> bytes:
    attr = '{"key":"a","value":{"' + kind + '":' + literal + "}}"
    return raw_span_json(name, "attributes", "[" + attr + "]")


def traces_pb(name: str, deep_levels: int = 0) -> bytes:
    req = ExportTraceServiceRequest()
    span = req.resource_spans.add().scope_spans.add().spans.add(name=name)
    span.trace_id, span.span_id = b"\x01" * 16, b"\x02" * 8
    if deep_levels:
        value = span.attributes.add(key="deep").value
        for _ in range(deep_levels):
            value = value.array_value.values.add()
        value.string_value = "bottom"
    return bytes(req.SerializeToString())


def logs_json(body: dict[str, Any]) -> bytes:
    return json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": body}]}]}]}).encode()


# Bad requests: (transport, path, content type, body, extra headers, expected status / code)
BAD_HTTP: list[tuple[str, str, bytes, dict[str, str], int]] = [
    (
        "/v1/traces",
        "application/json",
        traces_json(span_json("bad", attributes=[{"key": "d", "value": nested(48, "array")}])),
        {},
        400,
    ),
    (
        "/v1/traces",
        "application/json",
        traces_json(span_json("bad", attributes=[{"key": "d", "value": nested(200, "kvlist")}])),
        {},
        400,
    ),
    ("/v1/logs", "application/json", logs_json(nested(60, "kvlist")), {}, 400),
    ("/v1/traces", "application/x-protobuf", traces_pb("bad", deep_levels=60), {}, 400),
    ("/v1/traces", "application/json", raw_span_json("bad", "startTimeUnixNano", HUGE), {}, 400),
    ("/v1/traces", "application/json", raw_span_json("bad", "startTimeUnixNano", f'"{HUGE}"'), {}, 400),
    ("/v1/traces", "application/json", raw_span_json("bad", "kind", HUGE), {}, 400),
    ("/v1/traces", "application/json", raw_span_json("bad", "flags", f'"{HUGE}"'), {}, 400),
    ("/v1/traces", "application/json", raw_span_json("bad", "droppedAttributesCount", HUGE), {}, 400),
    ("/v1/traces", "application/json", raw_attr_json("bad", "intValue", HUGE), {}, 400),
    ("/v1/traces", "application/json", raw_attr_json("bad", "doubleValue", HUGE), {}, 400),
    ("/v1/traces", "application/json", raw_attr_json("bad", "doubleValue", f'"{HUGE}"'), {}, 400),
    ("/v1/traces", "application/json", raw_attr_json("bad", "doubleValue", "1e400"), {}, 400),
    ("/v1/traces", "text/plain", b"x", {"Content-Encoding": "br"}, 415),
    ("/v1/traces", "application/json", b"x", {"Content-Encoding": "br"}, 400),
]


def config(grpc_port: int, http_port: int, sink_port: int, out: Path) -> str:
    batch = "batch: {send_batch_size: 1000, timeout: 1s}"
    return f"""
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{grpc_port}}}
      http: {{endpoint: 127.0.0.1:{http_port}}}
processors:
  {batch}
exporters:
  file:
    path: {out}
    flush_interval: 100ms
  otlp:
    endpoint: 127.0.0.1:{sink_port}
    tls: {{insecure: true}}
    retry_on_failure: {{enabled: false}}
service:
  telemetry:
    metrics: {{level: none}}
  pipelines:
    traces/file: {{receivers: [otlp], processors: [batch], exporters: [file]}}
    traces/otlp: {{receivers: [otlp], processors: [batch], exporters: [otlp]}}
    logs: {{receivers: [otlp], processors: [batch], exporters: [file, otlp]}}
"""


def parses(record: Any) -> Any:
    """The sink answers like a real backend: what does not parse is refused."""
    message_type = ExportLogsServiceRequest if "logs" in record.signal.value else ExportTraceServiceRequest
    try:
        message_type.FromString(record.body)
    except Exception as exc:
        return h.GrpcReply(grpc.StatusCode.INVALID_ARGUMENT, f"cannot parse: {exc}")
    return h.GrpcReply()


def file_items(out: Path) -> tuple[list[str], list[str]]:
    spans: list[str] = []
    logs: list[str] = []
    if not out.exists():
        return spans, logs
    for line in out.read_bytes().splitlines():
        if b"resourceSpans" in line:
            req = from_json(line, ExportTraceServiceRequest)
            spans += [s.name for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans]
        elif b"resourceLogs" in line:
            logs_req = from_json(line, ExportLogsServiceRequest)
            logs += [
                r.body.string_value for rl in logs_req.resource_logs for sl in rl.scope_logs for r in sl.log_records
            ]
    return spans, logs


def sink_items(sink: Any) -> tuple[list[str], list[str]]:
    spans = h.span_names(sink.accepted_bodies(h.Signal.TRACES))
    logs: list[str] = []
    for body in sink.accepted_bodies(h.Signal.LOGS):
        req = ExportLogsServiceRequest.FromString(body)
        logs += [r.body.string_value for rl in req.resource_logs for sl in rl.scope_logs for r in sl.log_records]
    return spans, logs


def test_bad_requests_are_refused_and_every_valid_item_arrives(tmp_path: Path, collector_factory: Any) -> None:
    grpc_port, http_port, sink_port = free_port(), free_port(), free_port()
    out = tmp_path / "out.jsonl"
    col = collector_factory(config(grpc_port, http_port, sink_port, out), wait_ports=(grpc_port, http_port))

    async def main() -> None:
        sink = h.GrpcSink(sink_port, behaviour=parses)
        await sink.start()
        want_spans: list[str] = []
        want_logs: list[str] = []
        async with aiohttp.ClientSession() as http, grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            export = channel.unary_unary(TRACE_METHOD, None, None)

            async def post(path: str, content_type: str, body: bytes, headers: dict[str, str]) -> int:
                all_headers = {"Content-Type": content_type, **headers}
                async with http.post(f"http://127.0.0.1:{http_port}{path}", data=body, headers=all_headers) as resp:
                    await resp.read()
                    return resp.status

            for i, (path, content_type, body, headers, status) in enumerate(BAD_HTTP):
                # valid data on every transport before and after each bad request
                name = f"grpc-{i}"
                await export(traces_pb(name), timeout=10)
                want_spans.append(name)
                assert await post("/v1/traces", "application/x-protobuf", traces_pb(f"pb-{i}"), {}) == 200
                want_spans.append(f"pb-{i}")
                deep_but_fine = {"key": "ok", "value": nested(45, "array")}  # 5 + 90 levels: parses
                assert (
                    await post(
                        "/v1/traces",
                        "application/json",
                        traces_json(span_json(f"js-{i}", attributes=[deep_but_fine])),
                        {},
                    )
                    == 200
                )
                want_spans.append(f"js-{i}")
                assert await post("/v1/logs", "application/json", logs_json({"stringValue": f"log-{i}"}), {}) == 200
                want_logs.append(f"log-{i}")
                assert await post(path, content_type, body, headers) == status, (i, path, content_type)
            # the lone surrogate is valid (it becomes U+FFFD, as in Go) and must arrive too
            assert await post("/v1/traces", "application/json", traces_json(span_json("lone-\ud800")), {}) == 200
            want_spans.append("lone-\ufffd")
            try:
                await export(traces_pb("bad", deep_levels=60), timeout=10)
                raise AssertionError("deep protobuf accepted over gRPC")
            except grpc.aio.AioRpcError as err:
                assert err.code() is grpc.StatusCode.INVALID_ARGUMENT
                assert "nested more than 100 levels deep" in (err.details() or "")

            await h.wait_until(
                lambda: (
                    sorted(sink_items(sink)[0]) == sorted(want_spans)
                    and sorted(sink_items(sink)[1]) == sorted(want_logs)
                ),
                timeout=30,
                what="every valid item at the otlp sink",
            )
            await h.wait_until(
                lambda: (
                    sorted(file_items(out)[0]) == sorted(want_spans) and sorted(file_items(out)[1]) == sorted(want_logs)
                ),
                timeout=30,
                what="every valid item in the file",
            )
        assert len(sink.attempts) == len(sink.accepted)  # nothing the sink could not parse
        await sink.stop()

    asyncio.run(main())
    code, _, err = col.stop()
    assert code == 0, err
    for bad_sign in ("Failed to build a batch", "Rejecting data", "Dropping data", "Sender failed", "Traceback"):
        assert bad_sign not in err, err
