"""Cost of the tail_sampling processor: ``python bench/tail_sampling_bench.py [--rate 10000] [--seconds 10]``.

Runs two collectors in turn, OTLP/HTTP in and the ``nop`` exporter out: a pass-through pipeline and
one with ``tail_sampling`` (decision_wait 2s; errors, plus 10% of the rest). The same pre-built
requests (fresh trace IDs, ``--spans`` spans per trace, 100 traces per request) are sent at
``--rate`` new traces a second for ``--seconds``; the collector's CPU time is read from /proc from
the first request until every decision is due (send end + decision_wait + 2 ticks), and its peak
RSS (VmHWM) at the end. Prints CPU seconds per million spans and peak RSS per collector. Not a
test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Status

PY = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
TRACES_PER_REQUEST = 100
DECISION_WAIT_S = 2

PASS_THROUGH = """
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:%(port)d"}}}}
exporters: {nop: {}}
service:
  telemetry: {metrics: {level: none}}
  pipelines: {traces: {receivers: [otlp], exporters: [nop]}}
"""

TAIL_SAMPLING = """
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:%(port)d"}}}}
processors:
  tail_sampling:
    decision_wait: %(wait)ds
    num_traces: 100000
    decision_cache: {sampled_cache_size: 200000, non_sampled_cache_size: 200000}
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
      - {name: some, type: probabilistic, probabilistic: {sampling_percentage: 10}}
exporters: {nop: {}}
service:
  telemetry: {metrics: {level: none}}
  pipelines: {traces: {receivers: [otlp], processors: [tail_sampling], exporters: [nop]}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build_requests(count: int, spans_per_trace: int) -> list[bytes]:
    rng = random.Random(7)
    bodies = []
    for _ in range(count):
        msg = ExportTraceServiceRequest()
        rs = msg.resource_spans.add()
        rs.resource.attributes.append(KeyValue(key="service.name", value=AnyValue(string_value="bench")))
        ss = rs.scope_spans.add()
        ss.scope.name = "bench"
        for _ in range(TRACES_PER_REQUEST):
            trace_id = rng.randbytes(16)
            error = rng.random() < 0.01
            for s in range(spans_per_trace):
                span = ss.spans.add(
                    trace_id=trace_id,
                    span_id=rng.randbytes(8),
                    parent_span_id=b"" if s == 0 else b"\x01" * 8,
                    name=f"op-{s}",
                    start_time_unix_nano=1_700_000_000_000_000_000 + s,
                    end_time_unix_nano=1_700_000_000_050_000_000 + s,
                )
                span.attributes.append(KeyValue(key="http.route", value=AnyValue(string_value="/api/items")))
                if error and s == spans_per_trace - 1:
                    span.status.code = Status.STATUS_CODE_ERROR
        bodies.append(msg.SerializeToString())
    return bodies


def run(name: str, config: str, bodies: list[bytes], requests_per_second: float, spans: int) -> dict[str, float]:
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="ts-bench-"))
    path = tmp / f"{name}.yaml"
    path.write_text(config % {"port": port, "wait": DECISION_WAIT_S})
    log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([PY, "-m", "pyotelcol", "--config", str(path)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cpu_start = cpu_seconds(proc.pid)
        started = time.monotonic()
        for i, body in enumerate(bodies):
            due = started + i / requests_per_second
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            conn.request("POST", "/v1/traces", body, {"Content-Type": "application/x-protobuf"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{name}: HTTP {response.status}")
        sent_in = time.monotonic() - started
        time.sleep(DECISION_WAIT_S + 2)
        cpu = cpu_seconds(proc.pid) - cpu_start
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()
    total_spans = len(bodies) * TRACES_PER_REQUEST * spans
    return {
        "spans": total_spans,
        "achieved_traces_per_s": len(bodies) * TRACES_PER_REQUEST / sent_in,
        "cpu_s": cpu,
        "cpu_s_per_million_spans": cpu / total_spans * 1e6,
        "peak_rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=10000, help="new traces per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--spans", type=int, default=5, help="spans per trace")
    args = parser.parse_args()
    requests_per_second = args.rate / TRACES_PER_REQUEST
    bodies = build_requests(int(requests_per_second * args.seconds), args.spans)
    print(f"{len(bodies)} requests of {TRACES_PER_REQUEST} traces x {args.spans} spans, {requests_per_second:.0f}/s")
    results = {
        "pass-through": run("pass", PASS_THROUGH, bodies, requests_per_second, args.spans),
        "tail_sampling": run("tail", TAIL_SAMPLING, bodies, requests_per_second, args.spans),
    }
    print(f"{'pipeline':<15}{'traces/s sent':>15}{'CPU s':>9}{'CPU s / M spans':>17}{'peak RSS MB':>13}")
    for name, r in results.items():
        print(
            f"{name:<15}{r['achieved_traces_per_s']:>15,.0f}{r['cpu_s']:>9.2f}"
            f"{r['cpu_s_per_million_spans']:>17.2f}{r['peak_rss_mb']:>13.1f}"
        )


if __name__ == "__main__":
    main()
