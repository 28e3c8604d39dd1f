"""Regenerate the Jaeger differential fixtures in ``testdata/`` from the real Go collector.

Not run by pytest: it needs the reference Go collector (v0.165 modules with the jaeger receiver
and the otlphttp exporter), by default ``tools/otelcol-ref/otelcol-ref`` (see tools/otelcol-ref/README.md)::

    .venv/bin/python tests/translator/jaeger/make_fixtures.py [path/to/otelcol-ref]

Each case is a Jaeger input built here as Python objects and encoded with pyotelcol's own
thrift/protobuf code. The Go collector runs a ``jaeger`` receiver with all four protocols on free
loopback ports and an ``otlphttp`` exporter (``encoding: json``, no queue) pointing at a sink in
this script. After each case a marker batch (service ``marker-N``) goes over the same protocol;
every request the sink gets before the marker is Go's output for the case. UDP runs with one
worker so packets are handled in order. A case Go rejects is saved with its error instead.

A fixture holds the protocol, the input (base64) and Go's output requests exactly as Go wrote
them (OTLP/JSON), resource spans sorted since Go emits protobuf resources in map order.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from pyotelcol.translator.jaeger import api_v2_pb2 as pb
from pyotelcol.translator.jaeger import thrift_codec

HERE = Path(__file__).resolve().parent
TESTDATA = HERE / "testdata"
T: Any = thrift_codec.thrift
POST_SPANS = "/jaeger.api_v2.CollectorService/PostSpans"


# ---------------------------------------------------------------- thrift inputs
def tag(key: str, value: Any, vtype: int | None = None) -> Any:
    if vtype is not None:
        return T.Tag(key=key, vType=vtype)
    if isinstance(value, bool):
        return T.Tag(key=key, vType=2, vBool=value)
    if isinstance(value, int):
        return T.Tag(key=key, vType=3, vLong=value)
    if isinstance(value, float):
        return T.Tag(key=key, vType=1, vDouble=value)
    if isinstance(value, bytes):
        return T.Tag(key=key, vType=4, vBinary=value)
    return T.Tag(key=key, vType=0, vStr=value)


def tspan(span_id: int, **kw: Any) -> Any:
    fields = dict(
        traceIdLow=0x1122334455667788,
        traceIdHigh=-0x0102030405060708,
        spanId=span_id,
        parentSpanId=0,
        operationName=f"op-{span_id}",
        flags=1,
        startTime=1_700_000_000_000_000 + (span_id & 0xFFFF),
        duration=1500,
    )
    fields.update(kw)
    return T.Span(**fields)


def ref(kind: int, span_id: int, high: int = -0x0102030405060708, low: int = 0x1122334455667788) -> Any:
    return T.SpanRef(refType=kind, traceIdLow=low, traceIdHigh=high, spanId=span_id)


def thrift_full_batch() -> Any:
    process = T.Process(
        serviceName="frontend",
        tags=[
            tag("hostname", "host-a"),
            tag("jaeger.version", "Go-2.30.0"),
            tag("ip", "10.0.0.1"),
            tag("client-uuid", 42),
            tag("ratio", 0.25),
            tag("enabled", True),
            tag("blob", b"\x00\x01\xff"),
        ],
    )
    spans = [
        tspan(1, tags=[tag("span.kind", "server"), tag("http.method", "GET"), tag("http.status_code", 200)]),
        tspan(2, parentSpanId=1, tags=[tag("span.kind", "client"), tag("http.status_code", 404)]),
        tspan(3, parentSpanId=1, tags=[tag("span.kind", "server"), tag("http.status_code", 404)]),
        tspan(4, tags=[tag("http.status_code", "503"), tag("http.status_message", "unavailable")]),
        tspan(5, tags=[tag("http.response.status_code", "abc")]),
        tspan(6, tags=[tag("http.status_code", 399)]),
        tspan(7, tags=[tag("http.status_code", 0), tag("http.response.status_code", 201)]),
        tspan(8, tags=[tag("error", True), tag("otel.status_description", "boom"), tag("otel.status_code", "OK")]),
        tspan(9, tags=[tag("error", True), tag("http.status_message", "from http")]),
        tspan(10, tags=[tag("error", False), tag("otel.status_code", "ok"), tag("otel.status_description", "d")]),
        tspan(11, tags=[tag("error", "true"), tag("otel.status_code", "weird"), tag("otel.status_description", "x")]),
        tspan(12, tags=[tag("otel.status_code", 5), tag("span.kind", 1), tag("a", "1"), tag("b", "2")]),
        tspan(13, tags=[tag("span.kind", "producer"), tag("x", 1), tag("x", "dup"), tag("y", 2)]),
        tspan(14, tags=[tag("span.kind", "consumer"), tag("otel.scope.name", "lib"), tag("otel.scope.version", "1")]),
        tspan(15, tags=[tag("span.kind", "internal"), tag("otel.library.name", "old"), tag("w3c.tracestate", "a=b")]),
        tspan(16, tags=[tag("span.kind", "bogus"), tag("weird", None, vtype=9), tag("neg", None, vtype=-1)]),
        tspan(17, tags=[tag("s", None, 0), tag("d", None, 1), tag("b", None, 2), tag("l", None, 3), tag("y", None, 4)]),
        # references: CHILD_OF same trace -> parent; FOLLOWS_FROM and other traces -> links
        tspan(18, references=[ref(0, 1)]),
        tspan(19, references=[ref(1, 1), ref(0, 2, high=0, low=99), ref(0, 3)]),
        tspan(20, references=[ref(1, 1), ref(1, 2)]),
        tspan(21, parentSpanId=5, references=[ref(0, 5), ref(0, 6), ref(1, 5)]),
        tspan(22, parentSpanId=7, references=[ref(0, 7, high=0, low=1)]),
        tspan(23, references=[ref(0, 8, high=0, low=1)]),
        tspan(24, references=[ref(7, 9)]),
        # logs
        tspan(
            25,
            logs=[
                T.Log(timestamp=1_700_000_000_000_100, fields=[tag("event", "cache miss"), tag("key", "k1")]),
                T.Log(timestamp=1_700_000_000_000_200, fields=[tag("message", "no event field")]),
                T.Log(timestamp=1_700_000_000_000_300, fields=[]),
                T.Log(timestamp=1_700_000_000_000_400, fields=[tag("event", 7), tag("z", 1), tag("w", 2)]),
            ],
        ),
        # ids and times
        tspan(-1, traceIdHigh=0, traceIdLow=-2, flags=0),
        tspan(0x7FFFFFFFFFFFFFFF, traceIdHigh=0x7FFFFFFFFFFFFFFF, traceIdLow=-0x8000000000000000, flags=2),
        tspan(28, flags=3, startTime=-5, duration=-10),
        tspan(29, flags=-1, startTime=0x7FFFFFFFFFFFFFFF, duration=1),
        tspan(0, traceIdLow=0, traceIdHigh=0, operationName="zero ids", flags=0),
        # blank spans (skipped) and a zero span with an empty reference list (kept)
        T.Span(
            traceIdLow=0, traceIdHigh=0, spanId=0, parentSpanId=0, operationName="", flags=0, startTime=0, duration=0
        ),
        T.Span(
            traceIdLow=0,
            traceIdHigh=0,
            spanId=0,
            parentSpanId=0,
            operationName="",
            flags=0,
            startTime=0,
            duration=0,
            references=[],
        ),
        tspan(31, tags=[], logs=[]),
        tspan(32, tags=[tag("error", True), tag("span.kind", "client"), tag("p", 1), tag("q", 2), tag("r", 3)]),
    ]
    return T.Batch(process=process, spans=spans, seqNo=7, stats=T.ClientStats(1, 2, 3))


def thrift_cases() -> list[tuple[str, str, Any, str]]:
    full = thrift_full_batch()
    process_only = T.Batch(
        process=T.Process(serviceName="lonely", tags=[tag("hostname", "h"), tag("host.name", "H")]), spans=[]
    )
    all_blank = T.Batch(
        process=T.Process(serviceName="", tags=[tag("jaeger.version", 3), tag("opencensus.exporterversion", "keep")]),
        spans=[
            T.Span(
                traceIdLow=0,
                traceIdHigh=0,
                spanId=0,
                parentSpanId=0,
                operationName="",
                flags=0,
                startTime=0,
                duration=0,
            )
        ],
    )
    empty_process = T.Batch(process=T.Process(serviceName=""), spans=[tspan(1)])
    no_service_name = T.Batch(
        process=T.Process(serviceName="OTLPResourceNoServiceName", tags=[tag("k", "v")]), spans=[tspan(1)]
    )
    utf8 = T.Batch(
        process=T.Process(serviceName="utf8"),
        spans=[tspan(1, operationName="caf\u00e9 \u2603", tags=[tag("text", "\u00fcber"), tag("emoji", "\U0001f600")])],
    )
    return [
        ("thrift_http_full", "thrift_http", full, "every special tag, reference and id rule over thrift_http"),
        ("thrift_binary_full", "thrift_binary", full, "the same batch as an Agent.emitBatch over UDP binary"),
        ("thrift_compact_full", "thrift_compact", full, "the same batch as an Agent.emitBatch over UDP compact"),
        ("thrift_http_process_only", "thrift_http", process_only, "a process and no spans"),
        ("thrift_http_all_blank", "thrift_http", all_blank, "only a blank span; resource renames kept off"),
        ("thrift_compact_empty_process", "thrift_compact", empty_process, "a process without name or tags"),
        ("thrift_binary_no_service_name", "thrift_binary", no_service_name, "service OTLPResourceNoServiceName"),
        ("thrift_http_utf8", "thrift_http", utf8, "non-ASCII strings"),
    ]


def raw_thrift_cases() -> list[tuple[str, str, bytes, str]]:
    """Bodies Go must reject (or treat specially), built byte by byte."""
    good = thrift_codec.encode_batch(T.Batch(process=T.Process(serviceName="svc"), spans=[tspan(1)]))
    no_process = thrift_codec.encode_batch(T.Batch(spans=[tspan(1)]))
    tag_no_type = thrift_codec.encode_batch(
        T.Batch(process=T.Process(serviceName="svc", tags=[T.Tag(key="k", vStr="v")]), spans=[])
    )
    # serviceName sent as an i32: Go skips the mistyped field, then misses the required one
    wrong_type = bytes([12, 0, 1, 8, 0, 1, 0, 0, 0, 5, 0, 15, 0, 2, 12, 0, 0, 0, 0, 0])
    # a string field that is not UTF-8
    bad_utf8 = thrift_codec.encode_batch(
        T.Batch(process=T.Process(serviceName="bad-utf8"), spans=[tspan(1, operationName="x")])
    ).replace(b"\x00\x00\x00\x01x", b"\x00\x00\x00\x04\xff\xe2\x82z")
    compact_zipkin = b"\x82\x81\x00\x0femitZipkinBatch\x19\x0c\x00"
    return [
        ("thrift_http_truncated", "thrift_http", good[:-3], "a body cut short"),
        ("thrift_http_no_process", "thrift_http", no_process, "Batch without its required process"),
        ("thrift_http_tag_without_type", "thrift_http", tag_no_type, "Tag without its required vType"),
        ("thrift_http_wrong_field_type", "thrift_http", wrong_type, "serviceName with the wrong wire type"),
        ("thrift_http_garbage", "thrift_http", b"\xff\xfe\xfd\xfc not thrift", "not thrift at all"),
        (
            "thrift_http_invalid_utf8",
            "thrift_http",
            bad_utf8,
            "operation name that is not UTF-8 (Go passes the bytes on; recorded with U+FFFD)",
        ),
        ("thrift_compact_zipkin_batch", "thrift_compact", compact_zipkin, "emitZipkinBatch, which Go rejects"),
    ]


# ---------------------------------------------------------------- protobuf inputs
def kv(key: str, value: Any, vtype: int | None = None) -> Any:
    if vtype is not None:
        return pb.KeyValue(key=key, v_type=vtype, v_str="s", v_int64=5)  # type: ignore[arg-type]
    if isinstance(value, bool):
        return pb.KeyValue(key=key, v_type=pb.BOOL, v_bool=value)
    if isinstance(value, int):
        return pb.KeyValue(key=key, v_type=pb.INT64, v_int64=value)
    if isinstance(value, float):
        return pb.KeyValue(key=key, v_type=pb.FLOAT64, v_float64=value)
    if isinstance(value, bytes):
        return pb.KeyValue(key=key, v_type=pb.BINARY, v_binary=value)
    return pb.KeyValue(key=key, v_type=pb.STRING, v_str=value)


TRACE = bytes.fromhex("fefdfcfbfafaf9f81122334455667788")


def sid(n: int) -> bytes:
    return struct.pack(">q", n)


def pspan(n: int, **kw: Any) -> Any:
    fields: dict[str, Any] = dict(
        trace_id=TRACE,
        span_id=sid(n),
        operation_name=f"op-{n}",
        flags=1,
        start_time=Timestamp(seconds=1_700_000_000, nanos=n),
        duration=Duration(seconds=0, nanos=1500_000),
    )
    fields.update(kw)
    return pb.Span(**fields)


def pref(kind: int, n: int, trace: bytes = TRACE) -> Any:
    return pb.SpanRef(trace_id=trace, span_id=sid(n), ref_type=kind)  # type: ignore[arg-type]


def proto_full_batch() -> Any:
    main = pb.Process(service_name="backend", tags=[kv("hostname", "host-b"), kv("jaeger.version", "Java-1.8")])
    other = pb.Process(service_name="worker", tags=[kv("pid", 12), kv("weird", None, 7), kv("after", "x")])
    same_as_main = pb.Process(service_name="backend", tags=[kv("hostname", "host-b"), kv("jaeger.version", "Java-1.8")])
    spans = [
        pspan(1, tags=[kv("span.kind", "server"), kv("http.status_code", 500)]),
        pspan(2, process=other, tags=[kv("otel.scope.name", "lib-a"), kv("otel.scope.version", "2.0")]),
        pspan(3, process=same_as_main, tags=[kv("otel.scope.name", "lib-a"), kv("otel.scope.version", "2.0")]),
        pspan(4, tags=[kv("otel.scope.version", "9"), kv("k", "v")]),
        pspan(5, tags=[kv("otel.scope.name", "lib-b"), kv("otel.scope.name", "second"), kv("otel.library.name", "x")]),
        pspan(6, tags=[kv("otel.scope.name", 5), kv("w3c.tracestate", "k=v,a=b"), kv("span.kind", "client")]),
        pspan(7, tags=[kv("w3c.tracestate", 3), kv("error", True), kv("otel.status_code", "ERROR")]),
        pspan(8, tags=[kv("http.response.status_code", "404"), kv("span.kind", "client"), kv("u", None, 9)]),
        pspan(9, tags=[kv("otel.status_code", "Error"), kv("otel.status_description", "bad"), kv("f", -0.0)]),
        pspan(10, references=[pref(1, 1), pref(0, 2)]),
        pspan(11, references=[pref(1, 3), pref(1, 4)]),
        pspan(12, references=[pref(0, 5, trace=sid(77)), pref(0, 6, trace=bytes(8) + sid(77))]),
        pspan(13, trace_id=sid(77), references=[pref(0, 6, trace=bytes(8) + sid(77))]),
        pspan(14, references=[pref(3, 1), pref(0, 1)]),
        pspan(
            15,
            logs=[
                pb.Log(timestamp=Timestamp(seconds=1_700_000_001), fields=[kv("event", "retry"), kv("n", 2)]),
                pb.Log(fields=[kv("message", "no timestamp, no event")]),
                pb.Log(timestamp=Timestamp(seconds=5)),
            ],
        ),
        pb.Span(trace_id=TRACE, span_id=sid(16), operation_name="no times"),
        pspan(17, flags=0xFFFFFFFE, start_time=Timestamp(seconds=-62135596800), duration=Duration(seconds=-2)),
        pspan(
            18, start_time=Timestamp(seconds=253402300799, nanos=999999999), duration=Duration(seconds=9_000_000_000)
        ),
        pb.Span(),
        pb.Span(start_time=Timestamp(seconds=-62135596800)),
        pb.Span(start_time=Timestamp(seconds=0)),
        pb.Span(process_id="p1"),
        pb.Span(warnings=["w"]),
        pspan(19, process=pb.Process(service_name="OTLPResourceNoServiceName", tags=[kv("a", "b")])),
        pspan(20, process=pb.Process()),
    ]
    return pb.Batch(process=main, spans=spans)


def proto_cases() -> list[tuple[str, str, bytes, str]]:
    def req(batch: Any) -> bytes:
        return pb.PostSpansRequest(batch=batch).SerializeToString()

    all_own = [pspan(1, process=pb.Process(service_name="a")), pspan(2, process=pb.Process(service_name="b"))]
    return [
        ("grpc_full", "grpc", req(proto_full_batch()), "regrouping, scopes, trace state, refs, logs, times over gRPC"),
        ("grpc_empty_request", "grpc", b"", "PostSpansRequest without a batch"),
        ("grpc_process_only", "grpc", req(pb.Batch(process=pb.Process(service_name="p"))), "a process, no spans"),
        ("grpc_empty_process_own", "grpc", req(pb.Batch(process=pb.Process(), spans=all_own)), "empty batch process"),
        ("grpc_no_process_own", "grpc", req(pb.Batch(spans=all_own)), "no batch process, spans with their own"),
        ("grpc_no_process", "grpc", req(pb.Batch(spans=[pspan(1)])), "no process anywhere"),
        ("grpc_bad_span_id", "grpc", req(pb.Batch(spans=[pspan(1, span_id=b"12345")])), "5-byte span id"),
        ("grpc_bad_trace_id", "grpc", req(pb.Batch(spans=[pspan(1, trace_id=b"123")])), "3-byte trace id"),
        ("grpc_bad_ref_id", "grpc", req(pb.Batch(spans=[pspan(1, references=[pb.SpanRef(span_id=b"1")])])), "bad ref"),
        (
            "grpc_bad_nanos",
            "grpc",
            req(pb.Batch(spans=[pspan(1, start_time=Timestamp(seconds=1, nanos=-1))])),
            "timestamp nanos out of range",
        ),
        (
            "grpc_bad_duration",
            "grpc",
            req(pb.Batch(spans=[pspan(1, duration=Duration(seconds=315576000000, nanos=1))])),
            "duration beyond time.Duration",
        ),
        (
            "grpc_bad_log_time",
            "grpc",
            req(pb.Batch(spans=[pspan(1, logs=[pb.Log(timestamp=Timestamp(seconds=253402300800))])])),
            "log timestamp after year 9999",
        ),
    ]


# ---------------------------------------------------------------- running Go
def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink(BaseHTTPRequestHandler):
    received: queue.Queue[bytes] = queue.Queue()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.received.put(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def go_config(ports: dict[str, int], sink: int) -> str:
    return f"""
receivers:
  jaeger:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{ports["grpc"]}"}}
      thrift_http: {{endpoint: "127.0.0.1:{ports["thrift_http"]}"}}
      thrift_binary: {{endpoint: "127.0.0.1:{ports["thrift_binary"]}", workers: 1}}
      thrift_compact: {{endpoint: "127.0.0.1:{ports["thrift_compact"]}", workers: 1}}
exporters:
  otlphttp:
    endpoint: "http://127.0.0.1:{sink}"
    encoding: json
    compression: none
    sending_queue: {{enabled: false}}
    retry_on_failure: {{enabled: false}}
service:
  pipelines:
    traces: {{receivers: [jaeger], exporters: [otlphttp]}}
"""


class GoRunner:
    def __init__(self, binary: str) -> None:
        self.sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        threading.Thread(target=self.sink.serve_forever, daemon=True).start()
        self.ports = {
            "grpc": free_port(),
            "thrift_http": free_port(),
            "thrift_binary": free_port(socket.SOCK_DGRAM),
            "thrift_compact": free_port(socket.SOCK_DGRAM),
        }
        self.dir = tempfile.mkdtemp()
        config = Path(self.dir) / "config.yaml"
        config.write_text(go_config(self.ports, self.sink.server_address[1]))
        self.log = open(Path(self.dir) / "go.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([binary, "--config", str(config)], stdout=self.log, stderr=self.log)
        for port in (self.ports["grpc"], self.ports["thrift_http"]):
            self._wait(port)
        time.sleep(1.0)  # the UDP servers start beside the TCP ones
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.ports['grpc']}")
        self.post_spans = self.channel.unary_unary(
            POST_SPANS, request_serializer=lambda b: b, response_deserializer=lambda b: b
        )
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.markers = 0

    def _wait(self, port: int) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"Go collector exited; see {self.log.name}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"port {port} never opened")

    def send(self, protocol: str, payload: bytes) -> str | None:
        """Send one input; return Go's error for it, if Go reports one to the sender."""
        if protocol == "thrift_http":
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.ports['thrift_http']}/api/traces",
                data=payload,
                headers={"Content-Type": "application/x-thrift"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
            except urllib.error.HTTPError as err:
                return f"HTTP {err.code}: {err.read().decode(errors='replace').strip()}"
            return None
        if protocol == "grpc":
            try:
                self.post_spans(payload, timeout=10)
            except grpc.RpcError as err:
                return f"gRPC {err.code().name}: {err.details()}"
            return None
        self.udp.sendto(payload, ("127.0.0.1", self.ports[protocol]))
        return None

    def marker(self, protocol: str) -> str:
        self.markers += 1
        name = f"marker-{self.markers}"
        if protocol == "grpc":
            batch = pb.Batch(process=pb.Process(service_name=name), spans=[pspan(1)])
            self.send(protocol, pb.PostSpansRequest(batch=batch).SerializeToString())
        else:
            batch = T.Batch(process=T.Process(serviceName=name), spans=[tspan(1)])
            if protocol == "thrift_http":
                self.send(protocol, thrift_codec.encode_batch(batch))
            else:
                self.send(protocol, thrift_codec.encode_agent_message(batch, protocol == "thrift_compact"))
        return name

    def run(self, protocol: str, payload: bytes) -> tuple[str | None, list[Any]]:
        error = self.send(protocol, payload)
        marker = self.marker(protocol)
        outputs: list[Any] = []
        while True:
            # Go forwards strings that are not UTF-8 byte for byte; a Python str cannot hold them
            body = json.loads(Sink.received.get(timeout=20).decode("utf-8", errors="replace"))
            services = {
                attr["value"].get("stringValue")
                for rs in body.get("resourceSpans", [])
                for attr in rs.get("resource", {}).get("attributes", [])
                if attr["key"] == "service.name"
            }
            if marker in services:
                return error, outputs
            outputs.append(body)

    def close(self) -> None:
        self.channel.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.sink.shutdown()


def sort_resources(request: Any) -> Any:
    request.get("resourceSpans", []).sort(key=lambda rs: json.dumps(rs, sort_keys=True))
    return request


DEFAULT_BINARY = Path(__file__).resolve().parents[3] / "tools" / "otelcol-ref" / "otelcol-ref"


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OTELCOL_REF", str(DEFAULT_BINARY))
    cases: list[tuple[str, str, bytes, str]] = []
    for name, protocol, batch, description in thrift_cases():
        if protocol == "thrift_http":
            payload = thrift_codec.encode_batch(batch)
        else:
            payload = thrift_codec.encode_agent_message(batch, protocol == "thrift_compact")
        cases.append((name, protocol, payload, description))
    cases += raw_thrift_cases() + proto_cases()
    TESTDATA.mkdir(exist_ok=True)
    runner = GoRunner(binary)
    try:
        for name, protocol, payload, description in cases:
            error, outputs = runner.run(protocol, payload)
            fixture = {
                "description": description,
                "protocol": protocol,
                "input": base64.b64encode(payload).decode(),
                "go_error": error,
                "go_output": [sort_resources(o) for o in outputs],
            }
            (TESTDATA / f"{name}.json").write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n")
            print(f"{name}: {'error ' + error if error else str(len(outputs)) + ' request(s)'}")
    finally:
        runner.close()
        print(f"Go log: {runner.log.name}")


if __name__ == "__main__":
    main()
