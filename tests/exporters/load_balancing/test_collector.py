"""A real collector with the load_balancing exporter in front of three OTLP/gRPC sinks on
127.0.0.1: spans of 200 traces from the OpenTelemetry Python SDK, metrics of several services,
then a reload that removes one backend from the static list."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from pyotelcol.exporters.load_balancing.ring import HashRing
from support import free_port, run_cli, wait_for_port

from pyotelcol.component import Signal

CONFIG = """
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{port}"}}
exporters:
  loadbalancing:
    protocol:
      otlp:
        tls: {{insecure: true}}
        retry_on_failure: {{initial_interval: 100ms}}
    resolver:
      static:
        hostnames: [{hostnames}]
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [loadbalancing]}}
    metrics: {{receivers: [otlp], exporters: [loadbalancing]}}
  telemetry:
    metrics:
      level: normal
      readers:
        - pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics_port}}}}}}}
"""


def send_traces(port: int, count: int, tag: str) -> None:
    """``count`` traces of three spans each (a root and two children) through the SDK's OTLP/gRPC exporter."""
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"svc-{tag}"}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"127.0.0.1:{port}", insecure=True), max_export_batch_size=128)
    )
    tracer = provider.get_tracer("lb-test")
    for i in range(count):
        with tracer.start_as_current_span(f"{tag}-root-{i}"):
            for j in range(2):
                with tracer.start_as_current_span(f"{tag}-child-{i}-{j}"):
                    pass
    provider.force_flush()
    provider.shutdown()


def send_metrics(port: int, services: list[str]) -> None:
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource

    for svc in services:
        reader = PeriodicExportingMetricReader(
            OTLPMetricExporter(endpoint=f"127.0.0.1:{port}", insecure=True), export_interval_millis=3_600_000
        )
        provider = MeterProvider(resource=Resource.create({"service.name": svc}), metric_readers=[reader])
        provider.get_meter("lb-test").create_counter(f"requests_{svc.replace('-', '_')}").add(3)
        provider.force_flush()
        provider.shutdown()


def spans_by_sink(sinks: list[Any]) -> dict[str, dict[bytes, int]]:
    """sink target -> trace id -> span count."""
    out: dict[str, dict[bytes, int]] = {}
    for sink in sinks:
        per: dict[bytes, int] = defaultdict(int)
        for body in sink.accepted_bodies(Signal.TRACES):
            req = ExportTraceServiceRequest.FromString(body)
            for rs in req.resource_spans:
                for ss in rs.scope_spans:
                    for span in ss.spans:
                        per[bytes(span.trace_id)] += 1
        out[sink.target] = dict(per)
    return out


def services_by_sink(sinks: list[Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for sink in sinks:
        found: set[str] = set()
        for body in sink.accepted_bodies(Signal.METRICS):
            for rm in ExportMetricsServiceRequest.FromString(body).resource_metrics:
                for kv in rm.resource.attributes:
                    if kv.key == "service.name":
                        found.add(kv.value.string_value)
        out[sink.target] = found
    return out


def wait_text(path: Path, text: str, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.read_text(errors="replace").count(text) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} x{count} not in the log:\n{path.read_text(errors='replace')[-3000:]}")


def test_traces_and_metrics_are_balanced_then_a_reload_drops_a_backend(tmp_path: Path, h: ModuleType) -> None:
    port, metrics_port = free_port(), free_port()
    config = tmp_path / "config.yaml"
    log = tmp_path / "collector.log"

    def write(targets: list[str]) -> None:
        hostnames = ", ".join(f'"{t}"' for t in targets)
        config.write_text(CONFIG.format(port=port, hostnames=hostnames, metrics_port=metrics_port))

    async def main() -> None:
        sinks = [h.GrpcSink(free_port()) for _ in range(3)]
        for sink in sinks:
            await sink.start()
        targets = [s.target for s in sinks]
        write(targets)
        assert run_cli("validate", "--config", str(config)).returncode == 0
        with log.open("wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pyotelcol", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=log_file
            )
        try:
            await asyncio.to_thread(wait_for_port, port, proc)
            # 1. 200 traces: every trace's three spans at exactly one backend, the ring's.
            await asyncio.to_thread(send_traces, port, 200, "a")
            await h.wait_until(lambda: sum(map(sum, (d.values() for d in spans_by_sink(sinks).values()))) >= 600)
            ring = HashRing(targets)
            seen = spans_by_sink(sinks)
            where: dict[bytes, list[str]] = defaultdict(list)
            for target, per in seen.items():
                for tid, n in per.items():
                    where[tid].append(target)
                    assert n == 3
            assert len(where) == 200
            assert all(len(t) == 1 for t in where.values())
            assert all(t[0] == ring.endpoint_for(tid) for tid, t in where.items())
            assert all(len(per) > 20 for per in seen.values())  # each of the three got a share

            # 2. metrics route by service.name (the metrics default)
            services = [f"svc-{i}" for i in range(8)]
            await asyncio.to_thread(send_metrics, port, services)
            await h.wait_until(lambda: sum(len(v) for v in services_by_sink(sinks).values()) >= 8)
            by_sink = services_by_sink(sinks)
            for svc in services:
                assert [t for t, found in by_sink.items() if svc in found] == [ring.endpoint_for(svc.encode())]

            # 3. reload without the third backend: new traces go only to the two left, per the new ring
            removed = sinks[2]
            before_removed = len(removed.accepted)
            write(targets[:2])
            proc.send_signal(signal.SIGHUP)
            await asyncio.to_thread(wait_text, log, "Everything is ready", 2)
            for sink in sinks:
                sink.accepted.clear()
            await asyncio.to_thread(send_traces, port, 100, "b")
            await h.wait_until(lambda: sum(map(sum, (d.values() for d in spans_by_sink(sinks).values()))) >= 300)
            ring2 = HashRing(targets[:2])
            seen2 = spans_by_sink(sinks)
            assert seen2[removed.target] == {}
            assert len(removed.accepted) == 0 and before_removed > 0
            for target, per in seen2.items():
                for tid in per:
                    assert ring2.endpoint_for(tid) == target

            # 4. self-metrics with Go's names
            import urllib.request

            text = await asyncio.to_thread(
                lambda: urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
            )
            for name in (
                "otelcol_loadbalancer_num_resolutions",
                "otelcol_loadbalancer_num_backends",
                "otelcol_loadbalancer_num_backend_updates",
                "otelcol_loadbalancer_backend_latency",
                "otelcol_loadbalancer_backend_outcome",
            ):
                assert name in text, name
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 30)
            for sink in sinks:
                await sink.stop()

    asyncio.run(main())
