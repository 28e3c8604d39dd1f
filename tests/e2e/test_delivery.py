"""Delivery through a running ``pyotelcol``: otlp (gRPC) and otlphttp exporters against real sinks.

Outage (sink down, everything arrives once it is back), permanent errors (counted, never
retried), crash (persistent queue, SIGKILL, restart: nothing lost), back-pressure (full queue ->
the SDK client gets retryable refusals, nothing accepted is lost), circuit breaker, and a chain
of two collectors over TLS/mTLS. Ports 26500-26999.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import grpc.aio
from support import REPO, Collector, free_port, otlp_sinks, samples

TRACE_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
FAST_RETRY = "retry_on_failure: {initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 60s}"


def next_port() -> int:
    """A free ephemeral loopback port (fixed ranges collide when test runs overlap)."""
    return free_port()


h = otlp_sinks()

# -- helpers ------------------------------------------------------------------------------------


async def scrape(port: int) -> list[tuple[str, dict[str, str], float]]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as resp:
        text = await resp.text()
    return samples(text)


async def metric(port: int, name: str, **labels: str) -> float:
    try:
        samples = await scrape(port)
    except aiohttp.ClientError:
        return float("nan")
    return sum(v for n, lab, v in samples if n == name and all(lab.get(k) == x for k, x in labels.items()))


async def wait_metric(port: int, name: str, pred: Callable[[float], bool], timeout: float = 20, **labels: str) -> float:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await metric(port, name, **labels)
        if value == value and pred(value):  # not NaN
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{name}{labels} = {value}: condition not met within {timeout}s")
        await asyncio.sleep(0.05)


async def send(channel: grpc.aio.Channel, data: Any) -> grpc.StatusCode:
    try:
        await channel.unary_unary(TRACE_METHOD, None, None)(data.to_wire(), timeout=10)
    except grpc.aio.AioRpcError as err:
        return err.code()
    return grpc.StatusCode.OK


def telemetry(metrics_port: int) -> str:
    return f"""
  telemetry:
    metrics:
      readers:
        - pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics_port}}}}}}}"""


def start(collector_factory: Any, config: str, ports: tuple[int, ...], env: dict[str, str] | None = None) -> Collector:
    col: Collector = collector_factory(config, wait_ports=ports, env=env)
    return col


def names_in(sink: Any) -> list[str]:
    if isinstance(sink, h.GrpcSink):
        return list(h.span_names(sink.accepted_bodies()))
    return list(h.span_names(sink.accepted_bodies("/v1/traces")))


# -- outage --------------------------------------------------------------------------------------


def test_outage_everything_arrives_when_the_backend_is_back(collector_factory: Any) -> None:
    grpc_in, metrics_port, grpc_sink_port, http_sink_port = (next_port() for _ in range(4))
    config = f"""
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{grpc_in}}}
exporters:
  otlp:
    endpoint: 127.0.0.1:{grpc_sink_port}
    tls: {{insecure: true}}
    {FAST_RETRY}
  otlphttp:
    endpoint: http://127.0.0.1:{http_sink_port}
    {FAST_RETRY}
service:{telemetry(metrics_port)}
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp, otlphttp]}}
"""
    col = start(collector_factory, config, (grpc_in, metrics_port))

    async def main() -> None:
        gsink, hsink = h.GrpcSink(grpc_sink_port), h.HttpSink(http_sink_port)
        await gsink.start()
        await hsink.start()
        sent: list[str] = []
        async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_in}") as channel:
            assert await send(channel, h.make_traces(3, "before")) is grpc.StatusCode.OK
            sent += [f"before-{i}" for i in range(3)]
            await h.wait_until(lambda: len(names_in(gsink)) == 3 and len(names_in(hsink)) == 3, what="first batch")
            await gsink.stop()
            await hsink.stop()
            # Both backends are gone for a while; data keeps flowing in and is accepted (queued).
            for n in range(30):  # about three seconds of traffic into the outage
                assert await send(channel, h.make_traces(5, f"outage{n}")) is grpc.StatusCode.OK
                sent += [f"outage{n}-{i}" for i in range(5)]
                await asyncio.sleep(0.1)
            await wait_metric(metrics_port, "otelcol_exporter_queue_size", lambda v: v > 0, exporter="otlp")
            gsink, hsink = h.GrpcSink(grpc_sink_port), h.HttpSink(http_sink_port)
            await gsink.start()
            await hsink.start()
            want = set(sent[3:])
            await h.wait_until(
                lambda: want <= set(names_in(gsink)) and want <= set(names_in(hsink)),
                timeout=30,
                what="everything after the outage",
            )
            failed = await metric(metrics_port, "otelcol_exporter_send_failed_spans")
            assert failed == 0  # retried, never dropped
        await gsink.stop()
        await hsink.stop()

    asyncio.run(main())
    code, _, err = col.stop()
    assert code == 0, err
    assert "Exporting failed. Will retry the request after interval." in err


# -- permanent errors ---------------------------------------------------------------------------


def test_permanent_errors_are_counted_and_not_retried(collector_factory: Any) -> None:
    grpc_in, metrics_port, grpc_sink_port, http_sink_port = (next_port() for _ in range(4))
    config = f"""
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{grpc_in}}}
exporters:
  otlp:
    endpoint: 127.0.0.1:{grpc_sink_port}
    tls: {{insecure: true}}
    {FAST_RETRY}
  otlphttp/strict:
    endpoint: http://127.0.0.1:{http_sink_port}
    {FAST_RETRY}
service:{telemetry(metrics_port)}
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp, otlphttp/strict]}}
"""
    col = start(collector_factory, config, (grpc_in, metrics_port))

    async def main() -> None:
        gsink = h.GrpcSink(grpc_sink_port, behaviour=lambda r: h.GrpcReply(grpc.StatusCode.INVALID_ARGUMENT, "no"))
        hsink = h.HttpSink(http_sink_port, behaviour=lambda r: h.HttpReply(400, b""))
        await gsink.start()
        await hsink.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_in}") as channel:
                for n in range(3):
                    assert await send(channel, h.make_traces(2, f"bad{n}")) is grpc.StatusCode.OK  # queued
            for exporter in ("otlp", "otlphttp/strict"):
                await wait_metric(
                    metrics_port, "otelcol_exporter_send_failed_spans", lambda v: v == 6, exporter=exporter
                )
            # Once a request is counted as failed its sender is done: one attempt each, no retry.
            assert len(gsink.attempts) == 3 and len(hsink.attempts) == 3
            assert await metric(metrics_port, "otelcol_exporter_sent_spans") == 0
        finally:
            await gsink.stop()
            await hsink.stop()

    asyncio.run(main())
    code, _, err = col.stop()
    assert code == 0, err
    assert "Exporting failed. Dropping data." in err and "InvalidArgument" in err


# -- crash with a persistent queue ----------------------------------------------------------------


def _gateway_env(tmp_path: Path, ports: dict[str, int]) -> dict[str, str]:
    return {
        "HEALTH_ENDPOINT": f"127.0.0.1:{ports['health']}",
        "OTLP_GRPC_ENDPOINT": f"127.0.0.1:{ports['grpc']}",
        "OTLP_HTTP_ENDPOINT": f"127.0.0.1:{ports['http']}",
        "METRICS_PORT": str(ports["metrics"]),
        "QUEUE_DIRECTORY": str(tmp_path / "queue"),
        "BACKEND_ENDPOINT": f"127.0.0.1:{ports['sink']}",
        "BACKEND_INSECURE": "true",
        "BATCH_TIMEOUT": "50ms",
        "RETRY_INITIAL_INTERVAL": "50ms",
        "RETRY_MAX_INTERVAL": "200ms",
    }


def test_crash_with_persistent_queue_loses_nothing(tmp_path: Path, collector_factory: Any) -> None:
    ports = {name: next_port() for name in ("grpc", "http", "health", "metrics", "sink")}
    env = _gateway_env(tmp_path, ports)
    gateway = REPO / "config-examples" / "gateway.yaml"
    col = collector_factory(gateway, wait_ports=(ports["grpc"], ports["metrics"]), env=env)
    sent: list[str] = []
    n_first, n_second = 40, 40

    async def before_crash() -> None:
        # Phase 1: the backend answers UNAVAILABLE; every request is attempted (so it is stored
        # and in flight when the collector dies).
        refusing = h.GrpcSink(ports["sink"], behaviour=lambda r: h.GrpcReply(grpc.StatusCode.UNAVAILABLE, "down"))
        await refusing.start()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{ports['grpc']}") as channel:
            for n in range(n_first // 4):
                assert await send(channel, h.make_traces(4, f"refused{n}")) is grpc.StatusCode.OK
                sent.extend(f"refused{n}-{i}" for i in range(4))
            want = set(sent)
            await h.wait_until(
                lambda: want <= set(h.span_names([r.body for r in refusing.attempts])), what="every request attempted"
            )
            await refusing.stop()
            # Phase 2: nothing listens at all.
            for n in range(n_second // 4):
                assert await send(channel, h.make_traces(4, f"down{n}")) is grpc.StatusCode.OK
                sent.extend(f"down{n}-{i}" for i in range(4))
        # Everything left the batch processor and sits in the (persistent) queue.
        await wait_metric(
            ports["metrics"], "otelcol_processor_batch_batch_send_size_sum", lambda v: v == n_first + n_second
        )
        await wait_metric(ports["metrics"], "otelcol_exporter_queue_size", lambda v: v > 0, exporter="otlp")

    asyncio.run(before_crash())
    col.proc.send_signal(signal.SIGKILL)
    col.proc.communicate(timeout=30)
    assert col.proc.returncode == -signal.SIGKILL

    async def after_restart() -> None:
        sink = h.GrpcSink(ports["sink"])
        await sink.start()
        try:
            restarted = collector_factory(gateway, wait_ports=(ports["grpc"], ports["metrics"]), env=env)
            await h.wait_until(lambda: set(sent) <= set(names_in(sink)), timeout=30, what="all N after restart")
            names = names_in(sink)
            duplicates = len(names) - len(set(names))
            resent = await metric(ports["metrics"], "otelcol_exporter_queue_resent_requests", exporter="otlp")
            # Requests in flight at the crash are sent again (at least once) and counted as such.
            assert resent >= 1
            assert duplicates <= resent * 4 * (n_first // 4), (duplicates, resent)
            assert sink.accepted[0].metadata.get("x-gateway") == "pyotelcol"
            code, _, err = restarted.stop()
            assert code == 0, err
        finally:
            await sink.stop()

    asyncio.run(after_restart())


# -- back-pressure -------------------------------------------------------------------------------


def _sdk_spans(prefix: str, n: int) -> list[Any]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("backpressure")
    for i in range(n):
        with tracer.start_as_current_span(f"{prefix}-{i}"):
            pass
    return list(memory.get_finished_spans())


def test_backpressure_reaches_the_sdk_client_and_nothing_accepted_is_lost(collector_factory: Any) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    grpc_in, http_in, metrics_port, sink_port = (next_port() for _ in range(4))
    config = f"""
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{grpc_in}}}
      http: {{endpoint: 127.0.0.1:{http_in}}}
exporters:
  otlp:
    endpoint: 127.0.0.1:{sink_port}
    tls: {{insecure: true}}
    timeout: 30s
    sending_queue: {{num_consumers: 1, queue_size: 2}}
    {FAST_RETRY}
service:{telemetry(metrics_port)}
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp]}}
"""
    col = start(collector_factory, config, (grpc_in, http_in, metrics_port))

    async def main() -> None:
        release = asyncio.Event()

        async def stalled(record: Any) -> Any:
            await release.wait()
            return h.GrpcReply()

        sink = h.GrpcSink(sink_port, behaviour=stalled)
        await sink.start()
        results: dict[str, SpanExportResult] = {}
        exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{http_in}/v1/traces", timeout=2)

        def export(prefix: str) -> None:
            results[prefix] = exporter.export(_sdk_spans(prefix, 3))

        try:
            # Fill the pipe: one request in flight at the stalled backend, one waiting in the queue.
            await asyncio.to_thread(export, "b0")
            await h.wait_until(lambda: len(sink.attempts) == 1, what="first request at the backend")
            await asyncio.to_thread(export, "b1")
            # Now the queue is full: the SDK client gets 503 (retryable) and gives up after its timeout.
            await asyncio.to_thread(export, "b2")
            async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_in}") as channel:
                assert await send(channel, h.make_traces(2, "grpc-refused")) is grpc.StatusCode.UNAVAILABLE
            assert results == {
                "b0": SpanExportResult.SUCCESS,
                "b1": SpanExportResult.SUCCESS,
                "b2": SpanExportResult.FAILURE,
            }
            refused = await metric(metrics_port, "otelcol_exporter_enqueue_failed_spans", exporter="otlp")
            assert refused >= 3 + 2
            assert await metric(metrics_port, "otelcol_receiver_refused_spans") >= 3 + 2
            release.set()
            want = {f"b{k}-{i}" for k in (0, 1) for i in range(3)}
            await h.wait_until(lambda: want <= set(names_in(sink)), what="everything accepted")
        finally:
            release.set()
            exporter.shutdown()  # type: ignore[no-untyped-call]
            await sink.stop()

    asyncio.run(main())
    code, _, err = col.stop()
    assert code == 0, err


# -- circuit breaker -----------------------------------------------------------------------------


def test_circuit_breaker_opens_holds_and_closes(collector_factory: Any) -> None:
    """One consumer, so attempts are sequential: three failures open the circuit, nothing is
    sent for the cooldown, the probe (the backend is back by then) closes it, everything arrives."""
    grpc_in, metrics_port, sink_port = (next_port() for _ in range(3))
    cooldown = 1.0
    config = f"""
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{grpc_in}}}
exporters:
  otlp/backend:
    endpoint: 127.0.0.1:{sink_port}
    tls: {{insecure: true}}
    sending_queue: {{num_consumers: 1}}
    {FAST_RETRY}
    circuit_breaker: {{enabled: true, failure_threshold: 3, cooldown: {cooldown}s}}
service:{telemetry(metrics_port)}
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp/backend]}}
"""
    col = start(collector_factory, config, (grpc_in, metrics_port))
    gauge = "otelcol_exporter_circuit_breaker_state"

    async def main() -> None:
        healthy = threading.Event()

        def reply(record: Any) -> Any:
            if healthy.is_set():
                return h.GrpcReply()
            return h.GrpcReply(grpc.StatusCode.UNAVAILABLE, "backend down")

        sink = h.GrpcSink(sink_port, behaviour=reply)
        await sink.start()
        sent: list[str] = []
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_in}") as channel:
                for n in range(5):
                    assert await send(channel, h.make_traces(2, f"cb{n}")) is grpc.StatusCode.OK
                    sent.extend(f"cb{n}-{i}" for i in range(2))
                assert await metric(metrics_port, gauge, exporter="otlp/backend") in (0, 1)
                await wait_metric(metrics_port, gauge, lambda v: v == 1, exporter="otlp/backend")
                # Accepted while open: queued, not refused; the backend comes back meanwhile.
                assert await send(channel, h.make_traces(2, "while-open")) is grpc.StatusCode.OK
                sent.extend(f"while-open-{i}" for i in range(2))
                healthy.set()
                await wait_metric(metrics_port, gauge, lambda v: v == 0, exporter="otlp/backend")
                await h.wait_until(lambda: set(sent) <= set(names_in(sink)), what="every accepted item")
        finally:
            await sink.stop()
        # Three failed attempts, then a pause of at least the cooldown, then the probe.
        times = [r.at for r in sink.attempts]
        assert len(sink.attempts) >= 4 and len(sink.accepted) == len(sink.attempts) - 3
        assert times[3] - times[2] >= cooldown * 0.95, times[:5]
        assert all(b - a < cooldown for a, b in itertools.pairwise(times[:3]))  # retries, no pause yet

    asyncio.run(main())
    code, _, err = col.stop()
    assert code == 0, err
    assert err.count("Circuit breaker state changed") >= 3  # closed -> open -> half-open -> closed


# -- two collectors over TLS / mTLS -------------------------------------------------------------


def test_collector_to_collector_over_tls_and_mtls(tmp_path: Path, collector_factory: Any) -> None:
    """pyotelcol A (otlp over mTLS, otlphttp over TLS) -> pyotelcol B (otlp receiver with TLS,
    client certificates required on gRPC) -> file; a plaintext client is refused by B."""
    import json

    pki = h.make_pki(tmp_path / "pki")
    a_grpc, b_grpc, b_http, a_metrics, b_metrics = (next_port() for _ in range(5))
    out = tmp_path / "b.jsonl"
    config_b = f"""
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{b_grpc}
        tls: {{cert_file: {pki.server_cert}, key_file: {pki.server_key}, client_ca_file: {pki.ca}}}
      http:
        endpoint: 127.0.0.1:{b_http}
        tls: {{cert_file: {pki.server_cert}, key_file: {pki.server_key}}}
exporters:
  file: {{path: {out}}}
service:{telemetry(b_metrics)}
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
    logs: {{receivers: [otlp], exporters: [file]}}
"""
    config_a = f"""
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{a_grpc}}}
exporters:
  otlp:
    endpoint: localhost:{b_grpc}
    tls: {{ca_file: {pki.ca}, cert_file: {pki.client_cert}, key_file: {pki.client_key}}}
    {FAST_RETRY}
  otlphttp:
    endpoint: https://127.0.0.1:{b_http}
    tls: {{ca_file: {pki.ca}}}
    compression: zstd
    {FAST_RETRY}
service:{telemetry(a_metrics)}
  pipelines:
    traces: {{receivers: [otlp], exporters: [otlp]}}
    logs: {{receivers: [otlp], exporters: [otlphttp]}}
"""
    b = start(collector_factory, config_b, (b_grpc, b_http))
    a = start(collector_factory, config_a, (a_grpc,))

    async def main() -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{a_grpc}") as channel:
            assert await send(channel, h.make_traces(3, "tls")) is grpc.StatusCode.OK
            logs = h.make_logs(2, "mtls-log")
            await channel.unary_unary("/opentelemetry.proto.collector.logs.v1.LogsService/Export", None, None)(
                logs.to_wire(), timeout=10
            )
        await wait_metric(a_metrics, "otelcol_exporter_sent_spans", lambda v: v == 3, exporter="otlp")
        await wait_metric(a_metrics, "otelcol_exporter_sent_log_records", lambda v: v == 2, exporter="otlphttp")
        # A plaintext client, and a TLS client without a certificate, are refused by B's gRPC side.
        async with grpc.aio.insecure_channel(f"127.0.0.1:{b_grpc}") as plain:
            assert await send(plain, h.make_traces(1, "plain")) is grpc.StatusCode.UNAVAILABLE
        creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.read_bytes())
        async with grpc.aio.secure_channel(f"localhost:{b_grpc}", creds) as no_cert:
            assert await send(no_cert, h.make_traces(1, "nocert")) is grpc.StatusCode.UNAVAILABLE

    asyncio.run(main())
    for col in (a, b):
        code, _, err = col.stop()
        assert code == 0, err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    spans = [
        s["name"]
        for req in lines
        for rs in req.get("resourceSpans", [])
        for ss in rs["scopeSpans"]
        for s in ss["spans"]
    ]
    bodies = [
        r["body"]["stringValue"]
        for req in lines
        for rl in req.get("resourceLogs", [])
        for sl in rl["scopeLogs"]
        for r in sl["logRecords"]
    ]
    assert spans == ["tls-0", "tls-1", "tls-2"]
    assert bodies == ["mtls-log-0", "mtls-log-1"]
