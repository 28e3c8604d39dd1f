"""End to end: Jaeger clients -> a running ``pyotelcol`` (jaeger receiver) -> file exporter.

Every protocol over a real socket: gRPC ``PostSpans`` with grpcio, Thrift over HTTP with aiohttp,
the agent's compact port with the ``jaeger-client`` tracer (its UDP reporter) and the binary port
with the translator's encoder; Go's answers to bad input; the self-metrics; a full UDP queue.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import pytest
from support import Collector, free_port

from pyotelcol.translator.jaeger import api_v2_pb2


def _load_peers() -> ModuleType:
    name = "pyotelcol_test_jaeger_peers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("jaeger_peers.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


peers = _load_peers()

CONFIG = """
receivers:
  jaeger:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}"}}
      thrift_http: {{endpoint: "127.0.0.1:{http}"}}
      thrift_compact: {{endpoint: "127.0.0.1:{compact}"}}
      thrift_binary:
        endpoint: "127.0.0.1:{binary}"
{binary_extra}
exporters:
{exporters}
service:
  telemetry:
    metrics:
      readers:
        - pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics}}}}}}}
  pipelines:
    traces: {{receivers: [jaeger], exporters: [{exporter_id}]}}
"""


class Ports:
    def __init__(self) -> None:
        self.grpc, self.http, self.metrics = free_port(), free_port(), free_port()
        self.compact, self.binary = peers.free_udp_port(), peers.free_udp_port()


def _config(ports: Ports, exporters: str, exporter_id: str, binary_extra: str = "") -> str:
    return CONFIG.format(
        grpc=ports.grpc,
        http=ports.http,
        compact=ports.compact,
        binary=ports.binary,
        metrics=ports.metrics,
        binary_extra=binary_extra,
        exporters=exporters,
        exporter_id=exporter_id,
    )


@pytest.fixture
def file_collector(
    collector_factory: Callable[..., Collector], tmp_path: Path
) -> Iterator[tuple[Ports, Path, Collector]]:
    ports, out = Ports(), tmp_path / "out.jsonl"
    # gRPC starts last: once its port is open, every protocol is listening.
    col = collector_factory(
        _config(ports, f"  file: {{path: {out}}}", "file"), wait_ports=(ports.http, ports.grpc, ports.metrics)
    )
    yield ports, out, col


def _send_with_jaeger_client(port: int, service: str, operations: list[str]) -> None:
    """The ``jaeger-client`` tracer reporting to the agent's compact port, flushed by close()."""
    jaeger_client = pytest.importorskip("jaeger_client")
    config = jaeger_client.Config(
        config={
            "sampler": {"type": "const", "param": 1},
            "local_agent": {"reporting_host": "127.0.0.1", "reporting_port": port},
            "logging": False,
        },
        service_name=service,
        validate=True,
    )
    # jaeger-client (tornado) creates futures on the calling thread's event loop; an earlier
    # test's asyncio.run() leaves the main thread without one, so give it one for this call.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        tracer = config.new_tracer()
        for name in operations:
            with tracer.start_span(name) as span:
                span.set_tag("client", "jaeger-client")
        done = tracer.close()  # a future of the tracer's background loop, done once the reporter flushed
        deadline = time.monotonic() + 15
        while not done.done():
            assert time.monotonic() < deadline, "jaeger-client did not flush"
            time.sleep(0.01)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def test_every_protocol_delivers_spans_with_service_name(file_collector: tuple[Ports, Path, Collector]) -> None:
    ports, out, _ = file_collector
    _send_with_jaeger_client(ports.compact, "svc-compact", ["compact-op"])

    async def main() -> None:
        code, details, response = await peers.post_spans(ports.grpc, peers.post_spans_body("svc-grpc", ["g1", "g2"]))
        assert (code, details, response) == (grpc.StatusCode.OK, "", b"")
        status, text = await peers.post_thrift(ports.http, peers.thrift_http_body("svc-http", ["h1", "h2", "h3"]))
        assert (status, text) == (202, "")
        status, _ = await peers.post_thrift(
            ports.http, peers.thrift_http_body("svc-http-vnd", ["v1"]), "application/vnd.apache.thrift.binary"
        )
        assert status == 202
        peers.send_udp(ports.binary, [peers.agent_packet("svc-binary", ["b1", "b2"], compact=False)])
        await peers.wait_for_spans(
            out,
            {
                "svc-grpc": ["g1", "g2"],
                "svc-http": ["h1", "h2", "h3"],
                "svc-http-vnd": ["v1"],
                "svc-binary": ["b1", "b2"],
                "svc-compact": ["compact-op"],
            },
        )
        text = await peers.scrape_until(ports.metrics, "otelcol_receiver_accepted_spans", 9)
        accepted = {
            transport: peers.series(
                text,
                "otelcol_receiver_accepted_spans",
                receiver="jaeger",
                transport=transport,
                format=data_format,
            )
            for transport, data_format in [
                ("grpc", "protobuf"),
                ("collector_http", "thrift"),
                ("udp_thrift_binary", "thrift"),
                ("udp_thrift_compact", "thrift"),
            ]
        }
        assert accepted == {
            "grpc": [2],
            "collector_http": [4],
            "udp_thrift_binary": [2],
            "udp_thrift_compact": [1],
        }
        assert sum(peers.series(text, "otelcol_receiver_refused_spans", receiver="jaeger")) == 0

    asyncio.run(main())


def test_bad_input_gets_go_answers(file_collector: tuple[Ports, Path, Collector]) -> None:
    ports, out, col = file_collector
    good = peers.thrift_http_body("svc", ["op"])

    async def main() -> None:
        assert await peers.post_thrift(ports.http, good, "text/plain") == (
            400,
            "Unsupported content type: text/plain\n",
        )
        assert await peers.post_thrift(ports.http, good, "Application/X-Thrift ; a=1") == (202, "")
        assert await peers.post_thrift(ports.http, good, "") == (
            400,
            "Cannot parse content type: mime: no media type\n",
        )
        assert await peers.post_thrift(ports.http, good, "application/") == (
            400,
            "Cannot parse content type: mime: expected token after slash\n",
        )
        assert await peers.post_thrift(ports.http, good, "application/x-thrift; charset") == (
            400,
            "Cannot parse content type: mime: invalid media parameter\n",
        )
        status, text = await peers.post_thrift(ports.http, b"\x0c\x00\x01\x0b")
        assert status == 400 and text.startswith("Unable to process request body: ")
        assert "'" not in text and "&#39;" in text  # Go HTML-escapes the decoder's message
        status, text = await peers.post_thrift(ports.http, b"\x00")
        assert (status, text) == (400, "Unable to process request body: Batch: required field process is not set\n")
        assert await peers.post_thrift(ports.http, good, method="GET") == (405, "")
        assert await peers.post_thrift(ports.http, good, path="/api/other") == (404, "404 page not found\n")

        code, details, _ = await peers.post_spans(ports.grpc, b"\x0a\x05\x0a\x03\x0a\x01")
        assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("grpc: error unmarshalling request: ")
        request = api_v2_pb2.PostSpansRequest.FromString(peers.post_spans_body("svc", ["op"]))
        request.batch.spans[0].trace_id = b"\x01\x02\x03"  # Go's translator refuses a 3-byte trace id
        bad_id = request.SerializeToString()
        code, _, _ = await peers.post_spans(ports.grpc, bad_id)
        assert code == grpc.StatusCode.INVALID_ARGUMENT

        # Undecodable and oversized packets are dropped; the port keeps serving.
        peers.send_udp(ports.binary, [b"\x00garbage", peers.agent_packet("svc-late", ["after"], compact=True)])
        peers.send_udp(ports.compact, [b"\x82\x81\x01garbage", peers.agent_packet("svc-late", ["late"], compact=True)])
        await peers.wait_for_spans(out, {"svc-late": ["late"]})

    asyncio.run(main())
    _, _, stderr = col.stop()
    assert "Processor failed" in stderr
    assert "Traceback" not in stderr


def test_full_udp_queue_drops_and_counts(collector_factory: Callable[..., Collector], tmp_path: Path) -> None:
    """One worker stuck in an export that never answers and a queue of one: of ten packets at
    most two are taken (the one in the worker and the one queued), the rest are dropped."""
    ports = Ports()
    backend = socket.socket()
    backend.bind(("127.0.0.1", 0))
    backend.listen(16)  # never accepted: the kernel completes the handshake, nobody answers
    try:
        exporters = f"""  otlp_http:
    endpoint: http://127.0.0.1:{backend.getsockname()[1]}
    timeout: 120s
    retry_on_failure: {{enabled: false}}
    sending_queue: {{enabled: false}}"""
        extra = "        queue_size: 1\n        workers: 1"
        col = collector_factory(
            _config(ports, exporters, "otlp_http", extra), wait_ports=(ports.http, ports.grpc, ports.metrics)
        )
        peers.send_udp(ports.binary, [peers.agent_packet("svc", [f"op{i}"], compact=False) for i in range(10)])

        async def main() -> Any:
            labels = {"receiver": "jaeger", "transport": "udp_thrift_binary"}
            text = await peers.scrape_until(ports.metrics, "otelcol_receiver_jaeger_dropped_packets", 8, **labels)
            dropped = sum(peers.series(text, "otelcol_receiver_jaeger_dropped_packets", **labels))
            assert 8 <= dropped <= 10
            return dropped

        asyncio.run(main())
        col.proc.kill()
        _, stderr = col.proc.communicate(timeout=30)
        assert b"Jaeger UDP queue is full" in stderr
    finally:
        backend.close()


def test_pipeline_errors_are_answered_and_counted_as_refused(
    collector_factory: Callable[..., Collector], tmp_path: Path
) -> None:
    ports = Ports()
    exporters = f"""  otlp_http:
    endpoint: http://127.0.0.1:{free_port()}
    timeout: 5s
    retry_on_failure: {{enabled: false}}
    sending_queue: {{enabled: false}}"""
    collector_factory(_config(ports, exporters, "otlp_http"), wait_ports=(ports.http, ports.grpc, ports.metrics))

    async def main() -> None:
        status, text = await peers.post_thrift(ports.http, peers.thrift_http_body("svc", ["h1", "h2"]))
        assert status == 503 and text.startswith("Cannot submit Jaeger batch: ")  # retryable (Go: 500)
        code, details, _ = await peers.post_spans(ports.grpc, peers.post_spans_body("svc", ["g1", "g2", "g3"]))
        assert code == grpc.StatusCode.UNAVAILABLE and details  # retryable (Go: UNKNOWN)
        text = await peers.scrape_until(ports.metrics, "otelcol_receiver_refused_spans", 5, receiver="jaeger")
        for transport, refused in [("collector_http", [2]), ("grpc", [3])]:
            labels = {"receiver": "jaeger", "transport": transport}
            assert peers.series(text, "otelcol_receiver_refused_spans", **labels) == refused
            assert peers.series(text, "otelcol_receiver_accepted_spans", **labels) == [0]

    asyncio.run(main())
