"""Ten reloads while OpenTelemetry SDK clients send continuously: nothing lost, nothing twice,
no client error.

A real ``pyotelcol`` with an OTLP receiver (gRPC and HTTP); the config is rewritten and SIGHUP
sent ten times: processors added, removed and changed, the file exporter's output changed, a
file exporter replaced, an OTLP/HTTP exporter's endpoint moved from one sink to another (its
sending queue must drain before it stops), a receiver added (a third client starts sending to it
once it listens), and the receiver's own settings changed (not its endpoints) at most reloads, so
that a new instance of it must take its listening sockets over.
Each export's result is recorded, the SDK exporters' own warnings (they log every retry, e.g.
after a refused connection) are captured, and a probe thread connects to the receiver's ports
over and over. Every span id must be in the ``file`` exporters' outputs exactly once, and in
what the two OTLP sinks received exactly once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from support import free_port, otlp_sinks, wait_for_log, wait_for_port

RECEIVER = """
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}", include_metadata: {grpc_metadata}}}
      http: {{endpoint: "127.0.0.1:{http}", include_metadata: {http_metadata}}}"""
EXTRA_RECEIVER = """
  otlp/extra:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{extra}"}}"""
PROCESSORS = """
processors:
  batch: {timeout: 200ms, send_batch_size: 50}
  batch/2: {timeout: 100ms}
  batch/3: {timeout: 300ms}
  attributes/tag:
    actions: [{key: reload.tag, value: tagged, action: insert}]
"""


def config(version: int, ports: dict[str, int], out: Path) -> str:
    """Version ``version`` of the config (0 to 10); each step changes one thing."""
    processors = {
        0: [],
        1: ["batch"],
        2: ["attributes/tag", "batch"],
        3: ["attributes/tag", "batch"],
        4: ["attributes/tag", "batch"],
        5: ["batch"],
        6: [],
        7: [],
        8: ["batch/2"],
        9: ["batch/3"],
        10: ["attributes/tag", "batch/3"],
    }[version]
    # the exporter's output moves at 3 (same id, new path) and 10; at 7 another exporter replaces it
    path = out / ("a.json" if version < 3 else "a2.json" if version < 10 else "a3.json")
    exporter_id = "file/b" if version in (7, 8, 9) else "file/a"
    exporter_path = out / "b.json" if exporter_id == "file/b" else path
    receivers = ["otlp", "otlp/extra"] if version >= 4 else ["otlp"]
    sink = ports["sink_a"] if version < 6 else ports["sink_b"]  # the OTLP exporter's endpoint moves at 6
    # the receiver's own settings change at most reloads (its endpoints never): each such reload
    # replaces it by a new instance, which takes the listening sockets over
    receiver = {
        "grpc_metadata": "true" if version % 2 else "false",
        "http_metadata": "true" if version in (2, 3, 7, 8) else "false",
    }
    text = "receivers:" + RECEIVER.format(**ports, **receiver)
    if version >= 4:
        text += EXTRA_RECEIVER.format(**ports)
    text += PROCESSORS
    text += f"""
exporters:
  {exporter_id}: {{path: "{exporter_path}", flush_interval: 100ms}}
  otlp_http:
    endpoint: "http://127.0.0.1:{sink}"
    sending_queue: {{queue_size: 100000}}
service:
  telemetry: {{metrics: {{level: none}}, logs: {{sampling: {{enabled: false}}}}}}
  pipelines:
    traces:
      receivers: [{", ".join(receivers)}]
      processors: [{", ".join(processors)}]
      exporters: [{exporter_id}, otlp_http]
"""
    return text


class _Collect(SpanProcessor):
    def __init__(self) -> None:
        self.ended: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.ended.append(span)


class Client:
    """A thread exporting batches of fresh spans through one SDK exporter until stopped."""

    def __init__(self, name: str, make_exporter: Callable[[], SpanExporter]) -> None:
        self.name = name
        self._make_exporter = make_exporter
        self.sent: list[str] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        collect = _Collect()
        provider = TracerProvider()
        provider.add_span_processor(collect)
        tracer = provider.get_tracer("reload-test")
        exporter = self._make_exporter()
        batch = 0
        while not self._stop.is_set():
            for i in range(5):
                tracer.start_span(f"{self.name}-{batch}-{i}").end()
            spans, collect.ended = collect.ended, []
            if exporter.export(spans) is SpanExportResult.SUCCESS:
                self.sent.extend(format(s.context.span_id, "016x") for s in spans if s.context is not None)
            else:
                self.failures += 1
            batch += 1
            time.sleep(0.01)
        exporter.shutdown()


class Probe:
    """Connects to ``ports`` over and over, counting refused connections."""

    def __init__(self, ports: Sequence[int]) -> None:
        self.ports = ports
        self.refused: list[int] = []
        self.connects = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            for port in self.ports:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=5):
                        self.connects += 1
                except OSError:
                    self.refused.append(port)
            time.sleep(0.005)


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def sdk_warnings() -> Iterator[_Warnings]:
    handler = _Warnings()
    logger = logging.getLogger("opentelemetry.exporter")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


class Sinks:
    """Two OTLP/HTTP sinks served by an event loop in a thread of their own."""

    def __init__(self, ports: Sequence[int]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.sinks = [otlp_sinks().HttpSink(port) for port in ports]
        for sink in self.sinks:
            asyncio.run_coroutine_threadsafe(sink.start(), self._loop).result(10)

    def span_ids(self) -> Counter[str]:
        found: Counter[str] = Counter()
        for sink in self.sinks:
            for body in sink.accepted_bodies():
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for rs in request.resource_spans:
                    for ss in rs.scope_spans:
                        found.update(span.span_id.hex() for span in ss.spans)
        return found

    def stop(self) -> None:
        for sink in self.sinks:
            asyncio.run_coroutine_threadsafe(sink.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def _span_ids(out: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for path in out.glob("*.json"):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            for rs in json.loads(line)["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    found.update(span["spanId"] for span in ss["spans"])
    return found


def test_ten_reloads_under_load_lose_nothing_and_duplicate_nothing(tmp_path: Path, sdk_warnings: _Warnings) -> None:
    ports = {name: free_port() for name in ("grpc", "http", "extra", "sink_a", "sink_b")}
    sinks = Sinks([ports["sink_a"], ports["sink_b"]])
    out = tmp_path / "out"
    out.mkdir()
    path = tmp_path / "config.yaml"
    path.write_text(config(0, ports, out))
    log = tmp_path / "collector.log"
    with log.open("w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "pyotelcol", "--config", str(path)], stderr=log_file)
    clients = [
        Client("grpc", lambda: GrpcSpanExporter(endpoint=f"127.0.0.1:{ports['grpc']}", insecure=True)),
        Client("http", lambda: HttpSpanExporter(endpoint=f"http://127.0.0.1:{ports['http']}/v1/traces")),
    ]
    extra = Client("extra", lambda: GrpcSpanExporter(endpoint=f"127.0.0.1:{ports['extra']}", insecure=True))
    probe = Probe([ports["grpc"], ports["http"]])
    try:
        wait_for_port(ports["grpc"], proc)
        wait_for_port(ports["http"], proc)
        for client in clients:
            client.start()
        probe.start()
        for version in range(1, 11):
            running = [c for c in [*clients, extra] if c.started]
            before = [len(c.sent) for c in running]
            # every client gets some spans through each version
            while any(len(c.sent) < n + 50 for c, n in zip(running, before, strict=True)):
                time.sleep(0.02)
            path.write_text(config(version, ports, out))
            proc.send_signal(signal.SIGHUP)
            wait_for_log(log, "Everything is ready", version + 1, proc)
            if version == 4:
                wait_for_port(ports["extra"], proc)
                extra.start()
        time.sleep(0.5)
    finally:
        probe.stop()
        for client in clients:
            client.stop()
        if extra.started:
            extra.stop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        sinks.stop()
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text, text

    sent = [span_id for client in [*clients, extra] for span_id in client.sent]
    assert all(c.failures == 0 for c in [*clients, extra]), [(c.name, c.failures) for c in [*clients, extra]]
    assert sdk_warnings.messages == []
    assert probe.connects > 0 and probe.refused == []
    assert len(extra.sent) > 0 and len(clients[0].sent) > 0 and len(clients[1].sent) > 0
    delivered = _span_ids(out)
    assert len(sent) == len(set(sent))
    missing = set(sent) - set(delivered)
    duplicated = {s: n for s, n in delivered.items() if n > 1}
    assert not missing, f"{len(missing)} of {len(sent)} spans lost"
    assert not duplicated, f"{len(duplicated)} spans delivered more than once"
    assert set(delivered) == set(sent)
    through_otlp = sinks.span_ids()
    assert set(through_otlp) == set(sent)
    assert max(through_otlp.values()) == 1
    assert all(sink.accepted_bodies() for sink in sinks.sinks)  # both endpoints were used
