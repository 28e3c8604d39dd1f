"""What the ``prometheus_remote_write`` exporter puts on the wire: headers, snappy-compressed
``WriteRequest`` bodies split at ``max_batch_size_bytes``, metadata requests, the retry of a 503,
and its self-metrics.

The receiving end is a test double (an aiohttp server in this process): a real Prometheus neither
shows the requests' headers nor can be told to fail once; ``test_prw_exporter.py`` covers the real
one."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cramjam
import pytest
from aiohttp import web
from support import Collector, free_port, wait_for_port

from pyotelcol.translator.prometheus import prompb


class RemoteWriteDouble:
    """Records every request; answers 503 to the first one, 204 to the others."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[tuple[dict[str, str], Any]] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        message = prompb.WriteRequest.FromString(bytes(cramjam.snappy.decompress_raw(body)))
        self.requests.append((dict(request.headers), message))
        return web.Response(status=503 if len(self.requests) == 1 else 204)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/api/v1/write", self._handle)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def double() -> Iterator[RemoteWriteDouble]:
    server = RemoteWriteDouble()
    yield server
    server.stop()


def test_wire_format_batches_metadata_retry_and_self_metrics(double: RemoteWriteDouble, tmp_path: Path) -> None:
    otlp, telemetry = free_port(), free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{otlp}"}}
exporters:
  prometheus_remote_write:
    endpoint: "http://127.0.0.1:{double.port}/api/v1/write"
    headers: {{X-Scope-OrgID: team-a}}
    send_metadata: true
    max_batch_size_bytes: 400
    retry_on_failure: {{initial_interval: 50ms}}
service:
  telemetry:
    metrics:
      readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {telemetry}}}}}}}}}]
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheus_remote_write]
"""
    )
    collector = Collector(config)
    try:
        wait_for_port(otlp, collector.proc)
        t = 1_800_000_000_000_000_000
        points = [
            {"timeUnixNano": str(t), "asDouble": i + 0.5, "attributes": [{"key": "n", "value": {"intValue": str(i)}}]}
            for i in range(20)
        ]
        body = {
            "resourceMetrics": [
                {
                    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
                    "scopeMetrics": [
                        {
                            "metrics": [
                                {"name": "temp", "unit": "Cel", "description": "Temp", "gauge": {"dataPoints": points}}
                            ]
                        }
                    ],
                }
            ]
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{otlp}/v1/metrics",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 200
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            later = [r for _, r in double.requests[1:]]
            if len({ts.samples[0].value for r in later for ts in r.timeseries}) == 20:
                break
            time.sleep(0.05)
        with urllib.request.urlopen(f"http://127.0.0.1:{telemetry}/metrics", timeout=10) as resp:
            self_metrics = resp.read().decode()
    finally:
        code, _, err = collector.stop()
    assert code == 0, err

    first_headers, first = double.requests[0]  # answered 503
    assert first_headers["Content-Encoding"] == "snappy"
    assert first_headers["Content-Type"] == "application/x-protobuf"
    assert first_headers["X-Prometheus-Remote-Write-Version"] == "0.1.0"
    assert first_headers["X-Scope-OrgID"] == "team-a"
    # Go's User-Agent: the build description, lower case, spaces as dashes, then the version.
    assert first_headers["User-Agent"].startswith("pyotelcol") and " " not in first_headers["User-Agent"]
    # One request of the push answered 503, so the push was sent again whole: the refused series
    # arrived with the retry, and every series arrived.
    retried = [r for _, r in double.requests[1:]]
    series = [ts for r in retried for ts in r.timeseries]
    values = {ts.samples[0].value for ts in series}
    assert values == {i + 0.5 for i in range(20)}
    assert {ts.samples[0].value for ts in first.timeseries} <= values
    assert all({label.name: label.value for label in ts.labels}["__name__"] == "temp_celsius" for ts in series)
    assert all(ts.samples[0].timestamp == 1_800_000_000_000 for ts in series)
    # max_batch_size_bytes: 400 split the series over several requests, each under the limit.
    series_requests = [r for r in retried if r.timeseries]
    assert len(series_requests) > 1
    assert all(sum(ts.ByteSize() for ts in r.timeseries) < 400 for r in series_requests)
    metadata = {(m.metric_family_name, m.unit, m.help, m.type) for r in retried for m in r.metadata}
    assert metadata == {("temp_celsius", "celsius", "Temp", prompb.MetricMetadata.MetricType.Value("GAUGE"))}
    assert "otelcol_exporter_prometheusremotewrite_sent_batches" in self_metrics
    assert "otelcol_exporter_prometheusremotewrite_translated_time_series" in self_metrics
