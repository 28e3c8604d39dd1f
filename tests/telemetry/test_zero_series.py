"""Self-metric series that exist with value 0, scraped from a running collector's /metrics.

Go adds a receiver's accepted, refused and failed counts on every request and an exporter's
sent count on every export, so "refused / accepted" and "failed / sent" panels have data as
soon as anything flowed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import grpc
import grpc.aio
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from support import EXAMPLES, free_port, series

from pyotelcol.pdata.otlpjson import from_json

TRACES = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


async def scrape(port: int) -> str:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as resp:
        assert resp.status == 200
        return await resp.text()


async def scrape_until(port: int, name: str, **labels: str) -> str:
    """The exposition once ``name`` has appeared (the pipeline may finish after the response)."""
    for _ in range(200):
        text = await scrape(port)
        if series(text, name, **labels):
            return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name}{labels} never appeared:\n{text}")


def config(grpc_port: int, metrics_port: int, exporters: str, exporter_id: str) -> str:
    return f"""
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{grpc_port}}}
exporters:
{exporters}
service:
  telemetry:
    metrics:
      readers:
        - pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics_port}}}}}}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [{exporter_id}]}}
"""


async def export_spans(grpc_port: int) -> grpc.StatusCode:
    body = from_json((EXAMPLES / "trace.json").read_bytes(), ExportTraceServiceRequest).SerializeToString()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        try:
            await channel.unary_unary(TRACES, None, None)(body, timeout=10)
        except grpc.aio.AioRpcError as err:
            return err.code()
    return grpc.StatusCode.OK


RECEIVER = {"receiver": "otlp", "transport": "grpc"}


def test_successful_traffic_shows_zero_refused_and_failed(collector_factory: Any) -> None:
    grpc_port, metrics_port = free_port(), free_port()
    exporters = "  debug: {verbosity: basic}"
    collector_factory(config(grpc_port, metrics_port, exporters, "debug"), wait_ports=(grpc_port, metrics_port))

    async def main() -> None:
        assert await export_spans(grpc_port) == grpc.StatusCode.OK
        text = await scrape_until(metrics_port, "otelcol_exporter_sent_spans", exporter="debug")
        assert series(text, "otelcol_receiver_accepted_spans", **RECEIVER) == [1]
        assert series(text, "otelcol_receiver_refused_spans", **RECEIVER) == [0]
        assert series(text, "otelcol_receiver_failed_spans", **RECEIVER) == [0]
        assert series(text, "otelcol_exporter_sent_spans", exporter="debug") == [1]
        # Go (since v0.146) adds send_failed only when something failed, and so does pyotelcol.
        assert series(text, "otelcol_exporter_send_failed_spans") == []

    asyncio.run(main())


def test_backend_down_shows_zero_sent_and_zero_accepted(collector_factory: Any) -> None:
    grpc_port, metrics_port, backend_port = free_port(), free_port(), free_port()  # nothing listens on backend
    exporters = f"""  otlp:
    endpoint: 127.0.0.1:{backend_port}
    tls: {{insecure: true}}
    timeout: 2s
    retry_on_failure: {{enabled: false}}
    sending_queue: {{enabled: false}}"""
    collector_factory(config(grpc_port, metrics_port, exporters, "otlp"), wait_ports=(grpc_port, metrics_port))

    async def main() -> None:
        # Without a queue the exporter's failure reaches the client.
        assert await export_spans(grpc_port) != grpc.StatusCode.OK
        text = await scrape_until(metrics_port, "otelcol_exporter_send_failed_spans", exporter="otlp")
        assert series(text, "otelcol_exporter_send_failed_spans", exporter="otlp") == [1]
        assert series(text, "otelcol_exporter_sent_spans", exporter="otlp") == [0]
        assert series(text, "otelcol_receiver_refused_spans", **RECEIVER) == [1]
        assert series(text, "otelcol_receiver_accepted_spans", **RECEIVER) == [0]
        assert series(text, "otelcol_receiver_failed_spans", **RECEIVER) == [0]

    asyncio.run(main())
