"""A reload that changes a listening component's settings but not its address: the new instance
takes the listening socket over (the kernel's socket stays the same, seen by its inode in
/proc), so no connection is refused; through a real ``pyotelcol`` and SIGHUP.

- OTLP over HTTP and gRPC with a handler setting changed: both sockets are the same afterwards
  (gRPC: the running grpcio server is handed to the new instance);
- gRPC with a server setting changed (the message size limit): a new grpcio server listens
  beside the old one first (SO_REUSEPORT) and the new limit applies;
- a ``prometheus`` exporter and a ``statsd`` receiver (UDP) changed: same sockets, and the
  reload succeeds (a new instance binding the address while the old one runs would fail);
- a gRPC receiver on a unix socket cannot be taken over: the old instance stops first and the
  new one binds the path again, data flows.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from support import free_port, stop_logged, wait_for_log, wait_for_port

EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


LOOPBACK = ("0100007F", "0000000000000000FFFF00000100007F")  # IPv4, and IPv4-mapped IPv6 (grpcio's)


def inode(pid: int, port: int, table: str = "tcp") -> str:
    """The inode of the socket bound to 127.0.0.1:``port`` (listening, for TCP) in ``pid``."""
    found = []
    for name in (table, table + "6"):
        for line in Path(f"/proc/{pid}/net/{name}").read_text().splitlines()[1:]:
            fields = line.split()
            host, _, bound = fields[1].partition(":")
            if host in LOOPBACK and bound == f"{port:04X}" and (table == "udp" or fields[3] == "0A"):
                found.append(fields[9])
    assert len(found) == 1, f"{len(found)} sockets on port {port}"
    return found[0]


def request(name: str, size: int = 0) -> bytes:
    req = ExportTraceServiceRequest()
    span = req.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = b"\x01" * 16, b"\x02" * 8, name
    if size:
        span.attributes.add(key="pad").value.string_value = "x" * size
    return req.SerializeToString()


def grpc_export(target: int | str, body: bytes) -> grpc.StatusCode:
    """Export ``body`` to a loopback port or a ``unix:`` target; the call's status."""
    with grpc.insecure_channel(f"127.0.0.1:{target}" if isinstance(target, int) else target) as channel:
        try:
            channel.unary_unary(EXPORT, None, None)(body, timeout=10)
        except grpc.RpcError as err:
            return err.code()
    return grpc.StatusCode.OK


def http_export(port: int, body: bytes) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/traces", data=body, headers={"Content-Type": "application/x-protobuf"}
    )
    with urllib.request.urlopen(req, timeout=10) as response:
        return int(response.status)


def span_names(out: Path) -> list[str]:
    names: list[str] = []
    for line in out.read_text().splitlines() if out.exists() else []:
        for rs in json.loads(line).get("resourceSpans", []):
            for ss in rs["scopeSpans"]:
                names.extend(span["name"] for span in ss["spans"])
    return names


class Running:
    """A ``pyotelcol`` on a config file that the test rewrites, reloaded with SIGHUP."""

    def __init__(self, tmp_path: Path, text: str) -> None:
        self.path = tmp_path / "config.yaml"
        self.path.write_text(text)
        self.log = tmp_path / "collector.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "pyotelcol", "--config", str(self.path)], stderr=log)
        self.reloads = 0

    def reload(self, text: str) -> None:
        self.path.write_text(text)
        self.reloads += 1
        self.proc.send_signal(signal.SIGHUP)
        wait_for_log(self.log, "Everything is ready", self.reloads + 1, self.proc, timeout=30)

    def stop(self) -> str:
        return stop_logged(self.proc, self.log)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for collector in started:
        if collector.proc.poll() is None:
            collector.proc.kill()
            collector.proc.wait(timeout=30)


def wait_for(predicate: object, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# the otlp receiver (the configs below) into a file
TO_FILE = """
exporters:
  file: {{path: "{out}", flush_interval: 50ms}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
"""

OTLP = (
    """
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}", include_metadata: {metadata}, max_recv_msg_size_mib: {mib}}}
      http: {{endpoint: "127.0.0.1:{http}", include_metadata: {metadata}}}"""
    + TO_FILE
)


def test_changed_otlp_receiver_keeps_its_sockets(tmp_path: Path, running: list[Running]) -> None:
    ports = {"grpc": free_port(), "http": free_port()}
    out = tmp_path / "out.json"
    col = Running(tmp_path, OTLP.format(**ports, out=out, metadata="false", mib=4))
    running.append(col)
    wait_for_port(ports["grpc"], col.proc)
    wait_for_port(ports["http"], col.proc)
    before = {name: inode(col.proc.pid, port) for name, port in ports.items()}
    assert grpc_export(ports["grpc"], request("grpc-1")) is grpc.StatusCode.OK

    col.reload(OTLP.format(**ports, out=out, metadata="true", mib=4))
    assert {name: inode(col.proc.pid, port) for name, port in ports.items()} == before
    assert grpc_export(ports["grpc"], request("grpc-2")) is grpc.StatusCode.OK
    assert http_export(ports["http"], request("http-2")) == 200
    wait_for(lambda: {"grpc-1", "grpc-2", "http-2"} <= set(span_names(out)), "the spans in the file")
    assert "stopping the retired receivers first" not in col.stop()


def test_changed_grpc_server_setting_starts_a_new_server_on_the_same_port(
    tmp_path: Path, running: list[Running]
) -> None:
    ports = {"grpc": free_port(), "http": free_port()}
    out = tmp_path / "out.json"
    col = Running(tmp_path, OTLP.format(**ports, out=out, metadata="false", mib=1))
    running.append(col)
    wait_for_port(ports["grpc"], col.proc)
    big = request("big", size=2 << 20)
    assert grpc_export(ports["grpc"], big) is grpc.StatusCode.RESOURCE_EXHAUSTED
    http_before = inode(col.proc.pid, ports["http"])

    col.reload(OTLP.format(**ports, out=out, metadata="false", mib=8))
    assert grpc_export(ports["grpc"], big) is grpc.StatusCode.OK  # served by the new server
    inode(col.proc.pid, ports["grpc"])  # one socket listens again: the old server has left
    assert inode(col.proc.pid, ports["http"]) == http_before
    wait_for(lambda: "big" in span_names(out), "the span in the file")
    col.stop()


EDGE = """
receivers:
  statsd:
    endpoint: "127.0.0.1:{statsd}"
    aggregation_interval: {interval}
exporters:
  prometheus:
    endpoint: "127.0.0.1:{prom}"
    namespace: {namespace}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    metrics: {{receivers: [statsd], exporters: [prometheus]}}
"""


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode())


def test_changed_udp_receiver_and_prometheus_exporter_keep_their_sockets(
    tmp_path: Path, running: list[Running]
) -> None:
    ports = {"statsd": free_port(), "prom": free_port()}
    col = Running(tmp_path, EDGE.format(**ports, interval="200ms", namespace="before"))
    running.append(col)
    wait_for_port(ports["prom"], col.proc)
    udp_before, tcp_before = inode(col.proc.pid, ports["statsd"], "udp"), inode(col.proc.pid, ports["prom"])
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sender.sendto(b"level:3|g", ("127.0.0.1", ports["statsd"]))
        wait_for(lambda: "before_level" in scrape(ports["prom"]), "the gauge under the old namespace")

        col.reload(EDGE.format(**ports, interval="100ms", namespace="after"))
        assert inode(col.proc.pid, ports["statsd"], "udp") == udp_before
        assert inode(col.proc.pid, ports["prom"]) == tcp_before

        def received() -> bool:
            sender.sendto(b"level:4|g", ("127.0.0.1", ports["statsd"]))
            return "after_level" in scrape(ports["prom"])

        wait_for(received, "the gauge under the new namespace")
    finally:
        sender.close()
    col.stop()


UNIX = (
    """
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "{path}", transport: unix, include_metadata: {metadata}}}"""
    + TO_FILE
)


def test_a_receiver_that_cannot_hand_over_stops_first(tmp_path: Path, running: list[Running]) -> None:
    path = Path(f"/tmp/pyotelcol-handover-{os.getpid()}.sock")
    out = tmp_path / "out.json"
    col = Running(tmp_path, UNIX.format(path=path, out=out, metadata="false"))
    running.append(col)
    try:
        wait_for(path.exists, "the unix socket")
        assert grpc_export(f"unix:{path}", request("before")) is grpc.StatusCode.OK
        col.reload(UNIX.format(path=path, out=out, metadata="true"))
        assert grpc_export(f"unix:{path}", request("after")) is grpc.StatusCode.OK
        wait_for(lambda: {"before", "after"} <= set(span_names(out)), "the spans in the file")
        assert "stopping the retired receivers first" in col.stop()
    finally:
        path.unlink(missing_ok=True)
