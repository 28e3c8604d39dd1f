"""zpages ``/debug/tracez`` with the collector's own spans (``service.telemetry.traces``): a real
collector traces its receiver requests and exports, and the page summarizes them as Go's does."""

from __future__ import annotations

import re
import time
import urllib.parse
import urllib.request
from pathlib import Path

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from support import Collector, free_port, wait_for_port

CONFIG = """
extensions: {{zpages: {{endpoint: 127.0.0.1:{zpages}}}}}
receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 127.0.0.1:{grpc}}}}}}}}}
exporters: {{nop: {{}}}}
service:
  extensions: [zpages]
  telemetry:
    metrics: {{level: none}}
    traces:
      processors: [{{batch: {{exporter: {{console: {{}}}}, schedule_delay: 60000}}}}]
  pipelines: {{traces: {{receivers: [otlp], exporters: [nop]}}}}
"""


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return str(resp.read().decode())


def test_tracez_summarizes_the_collectors_own_spans(tmp_path: Path) -> None:
    grpc, zpages = free_port(), free_port()
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(grpc=grpc, zpages=zpages))
    col = Collector(path)
    try:
        wait_for_port(grpc, col.proc)
        wait_for_port(zpages, col.proc)
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"127.0.0.1:{grpc}", insecure=True)))
        for _ in range(4):
            with provider.get_tracer("t").start_as_current_span("client work"):
                pass
        provider.shutdown()
        name = "receiver/otlp/TraceDataReceived"
        base = f"http://127.0.0.1:{zpages}/debug/tracez"
        deadline = time.monotonic() + 10
        page = get(base)
        while name not in page and time.monotonic() < deadline:
            time.sleep(0.1)
            page = get(base)
        row = re.search(rf"<tr><td>{re.escape(name)}</td>(.*?)</tr>", page)
        assert row, page
        counts = [int(n) for n in re.findall(r">(\d+)</a>", row.group(1))]
        running, latency, errors = counts[0], counts[1:-1], counts[-1]
        assert running == 0 and errors == 0 and sum(latency) == 4 and len(latency) == 9
        bucket = next(i for i, n in enumerate(latency) if n)
        detail = get(f"{base}?zspanname={urllib.parse.quote(name, safe='')}&ztype=1&zlatencybucket={bucket}")
        assert detail.count("<td>UNSET</td>") + detail.count("<td>OK</td>") >= 1
        assert re.search(r"<td>[0-9a-f]{32}</td><td>[0-9a-f]{16}</td>", detail)
    finally:
        col.stop()
