"""End to end: Zipkin senders -> a running ``pyotelcol`` (zipkin receiver) -> file exporter.

The OpenTelemetry SDK's Zipkin JSON exporter sends v2 and v1 JSON; v2 protobuf bodies are built
with message classes compiled by protoc from the Zipkin ``.proto``; raw POSTs cover gzip and
deflate bodies, bodies the receiver refuses, other methods and v1 Thrift. The spans must arrive
in the file with their service as ``service.name``, and the receiver's self-metrics must count
them per Zipkin transport.
"""

from __future__ import annotations

import gzip
import json
import signal
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from opentelemetry.exporter.zipkin.encoder import Protocol
from opentelemetry.exporter.zipkin.json import ZipkinExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support import REPO, free_port

from pyotelcol.translator.thriftio import encode_binary
from pyotelcol.translator.zipkin.v1_thrift import zipkincore

PROTO = "application/x-protobuf"

CONFIG = """
receivers:
  zipkin:
    endpoint: 127.0.0.1:{zipkin}
exporters:
  file:
    path: {out}
service:
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {metrics}
  pipelines:
    traces: {{receivers: [zipkin], exporters: [file]}}
"""


class Running:
    def __init__(self, collector: Any, zipkin: int, metrics: int, out: Path) -> None:
        self.collector = collector
        self.zipkin = zipkin
        self.metrics = metrics
        self.out = out

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.zipkin}{path}"

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None, method: str = "POST") -> Any:
        """(status, body, headers) of a raw request; HTTP errors are answers, not exceptions."""
        request = urllib.request.Request(self.url(path), data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            return err.code, err.read(), err.headers

    def scrape(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics", timeout=10) as resp:
            return str(resp.read().decode())

    def stop_and_read(self) -> list[dict[str, Any]]:
        """Stop the collector gracefully; every span written, flattened with its service name."""
        code, _, err = self.collector.stop(signal.SIGTERM)
        assert code == 0, err
        spans = []
        for line in self.out.read_text().splitlines():
            for rs in json.loads(line).get("resourceSpans", []):
                attrs = {a["key"]: a["value"] for a in rs["resource"].get("attributes", [])}
                service = attrs.get("service.name", {}).get("stringValue")
                for ss in rs["scopeSpans"]:
                    for span in ss["spans"]:
                        spans.append({**span, "service": service})
        return spans


@pytest.fixture
def zipkin(tmp_path: Path, collector_factory: Any) -> Iterator[Running]:
    ports = {"zipkin": free_port(), "metrics": free_port()}
    out = tmp_path / "out.jsonl"
    col = collector_factory(CONFIG.format(out=out, **ports), wait_ports=(ports["zipkin"], ports["metrics"]))
    yield Running(col, ports["zipkin"], ports["metrics"], out)


def sdk_spans(service: str, count: int) -> list[Any]:
    """``count`` finished SDK spans of one trace (a parent and its children)."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("zipkin.e2e")
    with tracer.start_as_current_span(f"{service}-parent", attributes={"http.method": "GET"}):
        for i in range(count - 1):
            with tracer.start_as_current_span(f"{service}-child-{i}"):
                pass
    return list(memory.get_finished_spans())


def span_ids(spans: list[Any]) -> set[str]:
    return {format(s.context.span_id, "016x") for s in spans}


def v2_json(service: str, span_id: str, name: str = "op") -> bytes:
    return json.dumps(
        [
            {
                "traceId": "5af7183fb1d4cf5f5af7183fb1d4cf5f",
                "id": span_id,
                "name": name,
                "timestamp": 1_700_000_000_000_000,
                "duration": 1500,
                "localEndpoint": {"serviceName": service},
                "tags": {"answer": "42"},
            }
        ]
    ).encode()


def zipkin_proto_classes(tmp_path: Path) -> tuple[Any, Any]:
    """``ListOfSpans`` and ``Span`` compiled by protoc from the Zipkin proto3 file."""
    protoc = pytest.importorskip("grpc_tools.protoc")
    out = tmp_path / "zipkin.pb"
    rc = protoc.main(["protoc", f"-I{REPO}", f"--descriptor_set_out={out}", "pyotelcol/translator/zipkin/zipkin.proto"])
    assert rc == 0
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file:
        pool.Add(file)
    package = "pyotelcol.zipkin.proto3"
    list_of_spans = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.ListOfSpans"))
    span = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.Span"))
    return list_of_spans, span


def test_sdk_zipkin_exporter_v2_and_v1_json_arrive_in_the_file(zipkin: Running) -> None:
    v2 = sdk_spans("checkout-v2", 3)
    v1 = sdk_spans("checkout-v1", 2)
    v2_exporter = ZipkinExporter(endpoint=zipkin.url("/api/v2/spans"))
    # The SDK's v1 encoder needs max_tag_value_length set (its None default fails to compare).
    v1_exporter = ZipkinExporter(version=Protocol.V1, endpoint=zipkin.url("/api/v1/spans"), max_tag_value_length=256)
    assert v2_exporter.export(v2).name == "SUCCESS"
    assert v1_exporter.export(v1).name == "SUCCESS"

    scrape = zipkin.scrape()
    assert 'otelcol_receiver_accepted_spans{receiver="zipkin",transport="http_v2_json"} 3' in scrape, scrape
    assert 'otelcol_receiver_accepted_spans{receiver="zipkin",transport="http_v1_json"} 2' in scrape, scrape
    assert 'otelcol_receiver_refused_spans{receiver="zipkin",transport="http_v2_json"} 0' in scrape, scrape

    got = zipkin.stop_and_read()
    by_id = {span["spanId"]: span for span in got}
    assert len(got) == len(by_id) == 5  # every span, none twice
    assert {by_id[i]["service"] for i in span_ids(v2)} == {"checkout-v2"}
    assert {by_id[i]["service"] for i in span_ids(v1)} == {"checkout-v1"}
    for sdk_span in v2 + v1:
        span = by_id[format(sdk_span.context.span_id, "016x")]
        assert span["traceId"] == format(sdk_span.context.trace_id, "032x")
        assert span["name"] == sdk_span.name


def test_protobuf_and_compressed_bodies_are_accepted(zipkin: Running, tmp_path: Path) -> None:
    list_of_spans, span_class = zipkin_proto_classes(tmp_path)
    spans = list_of_spans()
    for i in range(2):
        span = span_class(
            trace_id=bytes.fromhex("0af7651916cd43dd8448eb211c80319c"),
            id=bytes.fromhex(f"b7ad6b716920333{i}"),
            name=f"proto-{i}",
            timestamp=1_700_000_000_000_000,
            duration=10,
        )
        span.local_endpoint.service_name = "proto-svc"
        spans.spans.append(span)
    status, body, _ = zipkin.post("/api/v2/spans", spans.SerializeToString(), {"Content-Type": PROTO})
    assert (status, body) == (202, b"")

    gzipped = gzip.compress(v2_json("gzip-svc", "00000000000000a1"))
    status, _, _ = zipkin.post(
        "/api/v2/spans", gzipped, {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    assert status == 202
    deflated = zlib.compress(v2_json("deflate-svc", "00000000000000a2"))
    status, _, _ = zipkin.post("/any/path", deflated, {"Content-Encoding": "deflate"})
    assert status == 202  # any path that does not mention api/v1/spans is v2

    # Zipkin v1 thrift: a binary-protocol list<Span> (zipkinCore.thrift)
    core = zipkincore
    host = core.Endpoint(ipv4=0x7F000001, port=9, service_name="thrift-svc")
    thrift_span = core.Span(
        trace_id=0x0AF7651916CD43DD,
        id=0x37AD6B7169203331,
        name="thrift-op",
        timestamp=1_700_000_000_000_000,
        duration=5,
        annotations=[core.Annotation(timestamp=1_700_000_000_000_000, value="sr", host=host)],
        binary_annotations=[],
    )
    body = encode_binary(core.SpanList(spans=[thrift_span]))[3:-1]  # the list without the wrapper
    status, _, _ = zipkin.post("/api/v1/spans", body, {"Content-Type": "application/x-thrift"})
    assert status == 202

    scrape = zipkin.scrape()
    assert 'otelcol_receiver_accepted_spans{receiver="zipkin",transport="http_v2_proto"} 2' in scrape, scrape
    assert 'otelcol_receiver_accepted_spans{receiver="zipkin",transport="http_v2_json"} 2' in scrape, scrape
    assert 'otelcol_receiver_accepted_spans{receiver="zipkin",transport="http_v1_thrift"} 1' in scrape, scrape

    got = zipkin.stop_and_read()
    services = sorted((span["name"], span["service"]) for span in got)
    assert services == [
        ("op", "deflate-svc"),
        ("op", "gzip-svc"),
        ("proto-0", "proto-svc"),
        ("proto-1", "proto-svc"),
        ("thrift-op", "thrift-svc"),
    ]


def test_refused_bodies_get_go_answers_and_are_not_forwarded(zipkin: Running) -> None:
    # Go's texts from its JSON decoder, with http.Error's newline.
    assert zipkin.post("/api/v2/spans", b"not json")[:2] == (
        400,
        b"invalid character 'o' in literal null (expecting 'u')\n",
    )
    status, body, headers = zipkin.post("/api/v1/spans", b"{}")
    assert status == 400 and body.endswith(b"\n") and headers["Content-Type"] == "text/plain; charset=utf-8"
    # A protobuf Content-Type with a JSON body is decoded as protobuf and fails.
    status, _, _ = zipkin.post("/api/v2/spans", v2_json("x", "00000000000000b1"), {"Content-Type": PROTO})
    assert status == 400
    # Go takes any method: a GET has no body, which is not a JSON document.
    assert zipkin.post("/api/v2/spans", b"", method="GET")[:2] == (400, b"unexpected end of JSON input\n")
    status, body, _ = zipkin.post("/api/v2/spans", b"\x00garbage", {"Content-Encoding": "gzip"})
    assert status == 400 and body.endswith(b"\n")
    assert zipkin.post("/api/v2/spans", b"[]", {"Content-Encoding": "br"})[:2] == (
        400,
        b"unsupported Content-Encoding: br\n",
    )
    status, body, _ = zipkin.post("/api/v1/spans", b"\x0c\x00\x00\x00\x01", {"Content-Type": "application/x-thrift"})
    assert status == 400 and body.startswith(b"cannot decode Zipkin v1 thrift: ")

    # A refused body records nothing; one good request then shows the series.
    assert zipkin.post("/api/v2/spans", v2_json("ok", "00000000000000c1"))[0] == 202
    scrape = zipkin.scrape()
    assert 'otelcol_receiver_accepted_spans{receiver="zipkin",transport="http_v2_json"} 1' in scrape, scrape
    assert "http_v1_json" not in scrape and "http_v1_thrift" not in scrape and "http_v2_proto" not in scrape
    assert [span["service"] for span in zipkin.stop_and_read()] == ["ok"]
