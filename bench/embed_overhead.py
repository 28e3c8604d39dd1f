"""What telemetry costs an application per request: the embedded collector vs a sidecar.

Each mode runs in a fresh process that serves ``--requests`` simulated requests (a server span
with four attributes, a child span, a little JSON work) and measures:

- ``latency``: the request handler's wall time (p50 / p99), which is what the app's users see;
- ``app cpu/req``: the app process's CPU time per request, including everything its telemetry
  does in background threads (the SDK's batch processor, and for ``embedded`` the collector);
- ``total cpu/req``: app plus sidecar collector CPU (the whole cost on the host).

Modes: ``none`` (the API's no-op tracer: the floor), ``sidecar`` (the SDK's BatchSpanProcessor
and OTLP/HTTP exporter to a pyotelcol on loopback: otlp → batch → nop), ``embedded``
(BatchSpanProcessor and the embedded collector's exporter: sdk → batch → nop, in-process).
Every mode handles every span (the sidecar's and the embedded collector's pipelines count them
through ``nop``); spans dropped by the SDK's queue are reported.

    .venv/bin/python bench/embed_overhead.py --requests 20000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

SIDECAR = """
receivers: {{otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{port}"}}}}}}}}
processors: {{batch: {{}}}}
exporters: {{nop: {{}}}}
service:
  telemetry: {{metrics: {{level: none}}, logs: {{level: warn}}}}
  pipelines: {{traces: {{receivers: [otlp], processors: [batch], exporters: [nop]}}}}
"""

EMBEDDED = """
receivers: {sdk: {}}
processors: {batch: {}}
exporters: {nop: {}}
service:
  telemetry: {metrics: {level: none}, logs: {level: warn}}
  pipelines: {traces: {receivers: [sdk], processors: [batch], exporters: [nop]}}
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _app(mode: str, requests: int, port: int, config: str) -> dict[str, Any]:
    """Runs in the child process: serve the requests, flush, report."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    collector = None
    provider: TracerProvider | None = None
    if mode == "none":
        tracer: trace.Tracer = trace.NoOpTracer()
    else:
        provider = TracerProvider(shutdown_on_exit=False)
        if mode == "sidecar":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter: Any = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces")
        else:
            import pyotelcol.embed

            collector = pyotelcol.embed.start(config)
            exporter = collector.span_exporter()
        processor = BatchSpanProcessor(exporter)
        provider.add_span_processor(processor)
        tracer = provider.get_tracer("bench-app")

    payload = {"user": 42, "items": [1, 2, 3], "note": "x" * 64}

    def handle(i: int) -> None:
        with tracer.start_as_current_span("GET /orders/{id}", kind=trace.SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", "GET")
            span.set_attribute("http.route", "/orders/{id}")
            span.set_attribute("http.response.status_code", 200)
            span.set_attribute("order.id", i)
            with tracer.start_as_current_span("db.query"):
                json.loads(json.dumps(payload))

    for i in range(min(2000, requests // 10)):  # warm-up
        handle(i)
    if provider is not None:
        provider.force_flush()
    latencies: list[int] = []
    cpu0, wall0 = _cpu(), time.perf_counter()
    for i in range(requests):
        t0 = time.perf_counter_ns()
        handle(i)
        latencies.append(time.perf_counter_ns() - t0)
    if provider is not None:
        provider.force_flush()
    if collector is not None:
        collector.stop()
    cpu, wall = _cpu() - cpu0, time.perf_counter() - wall0
    latencies.sort()
    return {
        "mode": mode,
        "requests": requests,
        "p50_us": latencies[len(latencies) // 2] / 1000,
        "p99_us": latencies[int(len(latencies) * 0.99)] / 1000,
        "mean_us": statistics.fmean(latencies) / 1000,
        "app_cpu_us_per_req": cpu / requests * 1e6,
        "wall_s": wall,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _child_cpu(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _run_mode(mode: str, requests: int, tmp: Path) -> dict[str, Any]:
    port = _free_port()
    config = tmp / f"{mode}.yaml"
    config.write_text(SIDECAR.format(port=port) if mode == "sidecar" else EMBEDDED)
    sidecar = None
    if mode == "sidecar":
        sidecar = subprocess.Popen([sys.executable, "-m", "pyotelcol", "--config", str(config)], cwd=HERE)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the sidecar collector did not start") from None
                time.sleep(0.05)
    try:
        sidecar_cpu0 = _child_cpu(sidecar.pid) if sidecar is not None else 0.0
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                mode,
                "--requests",
                str(requests),
                "--port",
                str(port),
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        time.sleep(0.5)  # the sidecar's batch timeout: its last spans are handled
        sidecar_cpu = (_child_cpu(sidecar.pid) - sidecar_cpu0) if sidecar is not None else 0.0
    finally:
        if sidecar is not None:
            sidecar.terminate()
            sidecar.wait(30)
    # The warm-up's spans reach the sidecar during the run too; count them against the run's requests.
    result["sidecar_cpu_us_per_req"] = sidecar_cpu / requests * 1e6
    result["total_cpu_us_per_req"] = result["app_cpu_us_per_req"] + result["sidecar_cpu_us_per_req"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--mode", action="append", choices=["none", "sidecar", "embedded"])
    parser.add_argument("--child", choices=["none", "sidecar", "embedded"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--config", default="", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_app(args.child, args.requests, args.port, args.config)))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.mode or ["none", "sidecar", "embedded"]:
            results.append(_run_mode(mode, args.requests, Path(tmp)))
    print(f"{'mode':<10} {'p50 µs':>8} {'p99 µs':>8} {'app cpu µs/req':>15} {'total cpu µs/req':>17}")
    for r in results:
        print(
            f"{r['mode']:<10} {r['p50_us']:>8.1f} {r['p99_us']:>8.1f} {r['app_cpu_us_per_req']:>15.1f}"
            f" {r['total_cpu_us_per_req']:>17.1f}"
        )
    if args.out:
        args.out.write_text(json.dumps({"machine": os.uname().nodename, "results": results}, indent=1))


if __name__ == "__main__":
    main()
