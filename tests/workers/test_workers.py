"""``--workers N``: a supervisor and N collector processes sharing the OTLP ports.

Real processes over loopback (ports 30000-30499): traffic spreads over both workers, the
aggregated /metrics sums them, a SIGKILLed worker comes back, SIGTERM stops everything with
exit 0, single-instance components are refused, a worker startup error fails the supervisor,
and outside workers mode a taken port (gRPC or HTTP) is a startup error.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import psutil
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.cli.workers import WorkersError, workers_requested
from pyotelcol.telemetry.aggregate import merge_expositions

CONFIG = """
extensions:
  health_check:
    endpoint: 127.0.0.1:{health}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{grpc}
      http:
        endpoint: 127.0.0.1:{http}
processors:
  batch:
    timeout: 100ms
exporters:
  debug:
    sampling_initial: 1000000
  file:
    path: {out}
service:
  extensions: [health_check]
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {metrics}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [{exporter}]
"""

SPAN_JSON = (
    b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",'
    b'"spanId":"0102030405060708","name":"w"}]}]}]}'
)


class Proc:
    def __init__(self, path: Path, log: Path, args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> None:
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyotelcol", "--config", str(path), *args],
            stdout=subprocess.DEVNULL,
            stderr=self._out,
            env={**os.environ, **(env or {})},
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                child.kill()
            self.proc.kill()
            self.proc.wait()
        self._out.close()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Proc]]:
    procs: list[Proc] = []

    def run(
        exporter: str = "debug",
        ports: tuple[int, int, int, int] = (30001, 30002, 30003, 30004),
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> Proc:
        grpc_port, http_port, health, metrics = ports
        path = tmp_path / f"config{len(procs)}.yaml"
        path.write_text(
            CONFIG.format(
                grpc=grpc_port,
                http=http_port,
                health=health,
                metrics=metrics,
                exporter=exporter,
                out=tmp_path / "out.jsonl",
            )
        )
        p = Proc(path, tmp_path / f"stderr{len(procs)}.log", args, env)
        procs.append(p)
        return p

    yield run
    for p in procs:
        p.close()


def wait_until(cond: Callable[[], bool], what: str, proc: Proc | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        if proc is not None and proc.proc.poll() is not None:
            raise AssertionError(f"collector exited ({proc.proc.returncode}) waiting for {what}:\n{proc.text()}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}:\n{proc.text() if proc else ''}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def post_span(port: int) -> int:
    """One OTLP/HTTP request on a new connection (urllib closes it after the response)."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/traces", data=SPAN_JSON, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return int(resp.status)


def grpc_span(port: int) -> None:
    req = ExportTraceServiceRequest()
    span = req.resource_spans.add().scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = bytes(range(1, 17)), bytes(range(1, 9)), "g"
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export", None, None)
        export(req.SerializeToString(), timeout=10)


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        return str(resp.read().decode())


def accepted(port: int, transport: str) -> float:
    m = re.search(rf'otelcol_receiver_accepted_spans{{[^}}]*transport="{transport}"[^}}]*}} (\S+)', scrape(port))
    return float(m.group(1)) if m else 0.0


def children(proc: Proc) -> list[int]:
    return [c.pid for c in psutil.Process(proc.proc.pid).children() if c.status() != psutil.STATUS_ZOMBIE]


def test_two_workers_share_ports_restart_and_stop_gracefully(start: Callable[..., Proc]) -> None:
    grpc_port, http_port, health, metrics = 30001, 30002, 30003, 30004
    col = start(args=("--workers", "2"))
    wait_until(lambda: "Everything is ready" in col.text() and port_open(metrics), "the supervisor", col)
    assert len(children(col)) == 2
    assert port_open(health)  # health_check runs once, in worker 0

    for _ in range(30):
        assert post_span(http_port) == 200
    for _ in range(3):
        grpc_span(grpc_port)
    # The aggregated endpoint sums both workers' counters.
    wait_until(lambda: accepted(metrics, "http") == 30 and accepted(metrics, "grpc") == 3, "the sums", col)
    assert "pyotelcol_workers 2" in scrape(metrics)
    # Both workers took connections on the same ports: the debug exporter logged in both.
    wait_until(
        lambda: all(re.search(rf'\tTraces\t.*"worker": {w}\b', col.text()) for w in (0, 1)),
        "traffic in both workers",
        col,
    )

    # A worker killed with SIGKILL is restarted; the ports keep serving meanwhile.
    before = children(col)
    os.kill(before[0], signal.SIGKILL)
    # Reaped, not just a zombie leader: its other threads (grpc's) hold the sockets until they exit.
    wait_until(lambda: not psutil.pid_exists(before[0]), "the kill", col)
    assert post_span(http_port) == 200  # the other worker serves while the dead one restarts
    wait_until(lambda: "Worker restarted" in col.text() and len(children(col)) == 2, "the restart", col)
    assert before[0] not in children(col)
    for _ in range(10):
        assert post_span(http_port) == 200
    grpc_span(grpc_port)
    wait_until(lambda: accepted(metrics, "grpc") >= 1, "metrics after the restart", col)

    # SIGHUP reaches every worker (each reloads its config and keeps serving).
    col.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: col.text().count("Config updated, restart service") == 2, "both reloads", col)
    wait_until(lambda: col.text().count("Everything is ready") >= 6, "both restarted services", col)
    assert post_span(http_port) == 200

    col.proc.send_signal(signal.SIGTERM)
    assert col.proc.wait(30) == 0, col.text()
    text = col.text()
    assert "Worker exited unexpectedly" in text
    assert text.count("Shutdown complete.") >= 3  # both workers and the supervisor
    assert not port_open(http_port) and not port_open(metrics)


def test_single_instance_component_is_refused(start: Callable[..., Proc]) -> None:
    col = start(exporter="file", ports=(30011, 30012, 30013, 30014), args=("--workers", "2"))
    assert col.proc.wait(30) == 1
    err = col.text()
    assert "Error: invalid configuration: component(s) exporters::file cannot run in several worker processes" in err
    assert not port_open(30012)
    # PYOTELCOL_WORKERS is the config equivalent of the flag.
    col = start(exporter="file", ports=(30011, 30012, 30013, 30014), env={"PYOTELCOL_WORKERS": "2"})
    assert col.proc.wait(30) == 1
    assert "exporters::file cannot run in several worker processes" in col.text()


def test_worker_startup_error_fails_the_supervisor(start: Callable[..., Proc]) -> None:
    with socket.socket() as taken:  # another program owns the HTTP port (no SO_REUSEPORT)
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", 30022))
        taken.listen()
        col = start(ports=(30021, 30022, 30023, 30024), args=("--workers", "2"))
        assert col.proc.wait(30) == 1
    err = col.text()
    assert (
        'Error: cannot start pipelines: failed to start "otlp" receiver: listen tcp 127.0.0.1:30022: bind: address already in use'
        in err
    )
    assert not port_open(30021)  # the other worker was stopped too


@pytest.mark.parametrize("which", ["grpc", "http"])
def test_taken_port_outside_workers_mode(start: Callable[..., Proc], which: str) -> None:
    base = 30030 if which == "grpc" else 30040
    first = start(ports=(base + 1, base + 2, base + 3, base + 4))
    wait_until(lambda: port_open(base + 1) and port_open(base + 2), "the first collector", first)
    ports = (base + 1, base + 5, base + 6, base + 7) if which == "grpc" else (base + 8, base + 2, base + 6, base + 7)
    second = start(ports=ports)
    assert second.proc.wait(30) == 1
    taken = ports[0] if which == "grpc" else ports[1]
    assert f"listen tcp 127.0.0.1:{taken}: bind: address already in use" in second.text()
    assert first.proc.poll() is None


def test_merge_sums_series_and_keeps_one_target() -> None:
    worker = """# HELP otelcol_receiver_accepted_spans Accepted.
# TYPE otelcol_receiver_accepted_spans counter
otelcol_receiver_accepted_spans{{receiver="otlp",transport="http"}} {n}
# HELP otelcol_process_uptime Uptime
# TYPE otelcol_process_uptime counter
otelcol_process_uptime {up}
# HELP d Durations
# TYPE d histogram
d_bucket{{le="1"}} {n}
d_bucket{{le="+Inf"}} {n}
d_sum {n}
d_count {n}
# HELP target_info Target metadata
# TYPE target_info gauge
target_info{{service_instance_id="{id}"}} 1
"""
    out = merge_expositions([worker.format(n=3, up=5.5, id="a"), worker.format(n=4, up=2, id="b")])
    assert 'otelcol_receiver_accepted_spans{receiver="otlp",transport="http"} 7' in out
    assert "otelcol_process_uptime 5.5" in out
    assert 'd_bucket{le="1"} 7' in out and "d_count 7" in out
    assert 'target_info{service_instance_id="a"} 1' in out and "b" not in out.split("target_info")[-1]
    assert out.count("# TYPE otelcol_receiver_accepted_spans counter") == 1
    assert "pyotelcol_workers 2" in out


def test_worker_count_sources() -> None:
    assert workers_requested(None, {}) == 0
    assert workers_requested(3, {}) == 3
    assert workers_requested(None, {"PYOTELCOL_WORKERS": "2"}) == 2
    assert workers_requested(4, {"PYOTELCOL_WORKERS": "2"}) == 4  # the flag wins
    assert workers_requested(2, {"PYOTELCOL_WORKER_ID": "0"}) == 0  # a worker never supervises
    with pytest.raises(WorkersError, match='invalid PYOTELCOL_WORKERS value "two"'):
        workers_requested(None, {"PYOTELCOL_WORKERS": "two"})


def test_supervisor_gives_up_after_repeated_fast_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import logging
    import types

    from pyotelcol.cli import workers
    from pyotelcol.telemetry.config import MetricsConfig, TelemetryConfig

    monkeypatch.setattr(workers, "RESTART_BACKOFF_S", 0.01)
    # A "worker" that reports ready and dies at once, every time.
    crash = "import os; os.write(int(os.environ['PYOTELCOL_WORKER_FD']), b'{\"ready\": []}\\n'); raise SystemExit(3)"
    cfg = types.SimpleNamespace(telemetry=TelemetryConfig(metrics=MetricsConfig(level="none")))
    sup = workers.Supervisor(1, [sys.executable, "-c", crash], cfg, logging.getLogger("test"))  # type: ignore[arg-type]
    code, error = asyncio.run(sup.run())
    assert code == 1
    assert error == "worker 0 crashed 5 times in a row (each within 10s of starting); giving up"
