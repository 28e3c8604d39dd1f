"""Traces from the OpenTelemetry Python SDK, and reading what file exporters wrote."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode


def send_traces(
    endpoint: str,
    count: int,
    *,
    service: str = "shop",
    error_every: int = 0,
    start: int = 0,
    errored: set[str] | None = None,
) -> set[str]:
    """``count`` traces of three spans (a server span with two client children) sent over OTLP
    gRPC to ``endpoint``; every ``error_every``-th trace has an error on one child (their ids are
    added to ``errored``). Returns the trace ids (hex) sent."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = OTLPSpanExporter(endpoint=endpoint, insecure=True, timeout=10)
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=256, schedule_delay_millis=50))
    tracer = provider.get_tracer("multihost")
    sent: set[str] = set()
    for i in range(start, start + count):
        with tracer.start_as_current_span(f"GET /item/{i % 7}", kind=SpanKind.SERVER) as root:
            trace_id = format(root.get_span_context().trace_id, "032x")
            sent.add(trace_id)
            with tracer.start_as_current_span("SELECT items", kind=SpanKind.CLIENT):
                pass
            with tracer.start_as_current_span("call pricing", kind=SpanKind.CLIENT) as child:
                if error_every and i % error_every == 0:
                    child.set_status(Status(StatusCode.ERROR, "pricing down"))
                    if errored is not None:
                        errored.add(trace_id)
    assert provider.force_flush(30_000), "the SDK could not flush its spans"
    provider.shutdown()
    return sent


def read_spans(path: Path) -> list[dict[str, Any]]:
    """Every span a ``file`` exporter wrote (OTLP JSON lines), with its service name added."""
    spans: list[dict[str, Any]] = []
    if not path.exists():
        return spans
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        for rs in json.loads(line).get("resourceSpans", []):
            attrs = {a["key"]: a["value"] for a in rs.get("resource", {}).get("attributes", [])}
            service = attrs.get("service.name", {}).get("stringValue", "")
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    spans.append({**span, "service": service})
    return spans


def traces_by_host(files: dict[str, Path]) -> dict[str, dict[str, int]]:
    """trace id → {host: spans of that trace the host received}."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for host, path in files.items():
        for span in read_spans(path):
            found[span["traceId"]][host] += 1
    return found
