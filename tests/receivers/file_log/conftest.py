"""Fixtures for the file_log end-to-end tests: a recording OTLP/HTTP logs endpoint (a real HTTP
server in a thread of the test process) and a config builder."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from support import Collector, free_port


class LogSink:
    """Answers 200 to ``POST /v1/logs`` (protobuf) after recording the request."""

    def __init__(self) -> None:
        self.requests: list[ExportLogsServiceRequest] = []
        self.lock = threading.Lock()
        self.fail_next = 0  # answer this many requests with 503 (not recorded) first
        self.refused = 0
        self.delay = 0.0  # seconds to wait before answering (a slow backend)
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if sink.delay:
                    time.sleep(sink.delay)
                with sink.lock:
                    refuse = sink.fail_next > 0
                    if refuse:
                        sink.fail_next -= 1
                        sink.refused += 1
                if refuse:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                req = ExportLogsServiceRequest()
                req.ParseFromString(body)
                with sink.lock:
                    sink.requests.append(req)
                reply = ExportLogsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def records(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, LogRecord) of everything received, in order."""
        out = []
        with self.lock:
            for req in self.requests:
                for rl in req.resource_logs:
                    res = {kv.key: kv.value.string_value for kv in rl.resource.attributes}
                    for sl in rl.scope_logs:
                        for rec in sl.log_records:
                            out.append((res, rec))
        return out

    def bodies(self) -> list[str]:
        return [rec.body.string_value for _, rec in self.records()]

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            bodies = self.bodies()
            if predicate(bodies):
                return bodies
            time.sleep(0.05)
        raise AssertionError(f"timed out; received {len(self.bodies())} records: {self.bodies()[:20]}")

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Harness:
    """Starts collectors whose logs pipeline is ``receiver`` → otlp_http (no queue, no retry) → sink."""

    def __init__(self, sink: LogSink, start: Callable[..., Collector]) -> None:
        self.sink = sink
        self._start = start

    def config(self, receiver: str, health_port: int, storage_dir: str | None = None) -> str:
        extensions = f"  file_storage:\n    directory: {storage_dir}\n" if storage_dir else ""
        ext_ids = ", file_storage" if storage_dir else ""
        name = receiver.split(":")[0].strip()
        return f"""
extensions:
  health_check:
    endpoint: 127.0.0.1:{health_port}
{extensions}
receivers:
{receiver}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:{self.sink.port}
    compression: none
    sending_queue:
      enabled: false
    retry_on_failure:
      enabled: false
service:
  extensions: [health_check{ext_ids}]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [{name}]
      exporters: [otlp_http]
"""

    def start_file(self, config: Path, health_port: int, env: dict[str, str] | None = None) -> Collector:
        col = self._start(config, env=env)
        wait_ready(health_port, col.proc)
        return col

    def start(self, receiver: str, storage_dir: str | None = None) -> Collector:
        port = free_port()
        col = self._start(self.config(receiver, port, storage_dir))
        wait_ready(port, col.proc)
        return col


def wait_ready(health_port: int, proc: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"collector exited: {proc.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/", timeout=0.5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("collector did not become ready")


@pytest.fixture
def harness(collector_factory: Callable[..., Collector]) -> Iterator[Harness]:
    s = LogSink()
    yield Harness(s, collector_factory)
    s.close()
