"""The admin endpoint (``--admin-endpoint``): status API and page, live taps (``pyotelcol tap``),
reload over HTTP, ``pyotelcol top``; a real collector, SDK clients, a real headless browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from support import Collector, free_port, run_cli, wait_for_port

CONFIG = """
receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 127.0.0.1:{grpc}}}}}}}}}
processors: {{batch: {{timeout: 100ms}}}}
exporters:
  file: {{path: {out}}}
  otlp_grpc/down:
    endpoint: 127.0.0.1:{dead}
    tls: {{insecure: true}}
    headers: {{authorization: "Bearer s3cret-token"}}
    retry_on_failure: {{enabled: false}}
service:
  telemetry:
    metrics:
      level: detailed
      readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics}}}}}}}}}]
  pipelines:
    traces: {{receivers: [otlp], processors: [batch], exporters: [file, otlp_grpc/down]}}
"""


class Running:
    def __init__(self, tmp: Path) -> None:
        self.grpc, self.admin, self.metrics = free_port(), free_port(), free_port()
        self.out = tmp / "spans.jsonl"
        self.config = tmp / "config.yaml"
        self.config.write_text(CONFIG.format(grpc=self.grpc, out=self.out, dead=free_port(), metrics=self.metrics))
        self.col = Collector(self.config, args=(f"--admin-endpoint=127.0.0.1:{self.admin}",))
        wait_for_port(self.grpc, self.col.proc)
        wait_for_port(self.admin, self.col.proc)
        self.base = f"http://127.0.0.1:{self.admin}"

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base + path, timeout=10) as resp:
            return json.loads(resp.read())


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    run = Running(tmp_path_factory.mktemp("admin"))
    try:
        yield run
    finally:
        run.col.stop()


def send_spans(port: int, count: int, name: str = "work") -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"127.0.0.1:{port}", insecure=True), schedule_delay_millis=50)
    )
    tracer = provider.get_tracer("admin-test")
    for i in range(count):
        with tracer.start_as_current_span(f"{name} {i % 3}"):
            pass
    provider.shutdown()


def test_status_shows_the_graph_counts_failures_and_redacts_secrets(running: Running) -> None:
    send_spans(running.grpc, 30)
    deadline = time.monotonic() + 20
    while True:
        doc = running.get("/api/status")
        points = {(p["component"], p["pipeline"]): p for p in doc["points"]}
        exported = points.get(("exporters/file", "traces"), {}).get("items", 0)
        if (exported >= 30 and doc["failures"]) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert doc["pipelines"] == [
        {"id": "traces", "receivers": ["otlp"], "processors": ["batch"], "exporters": ["file", "otlp_grpc/down"]}
    ]
    assert points[("receivers/otlp", None)]["items"] >= 30
    assert points[("processors/batch", "traces")]["items"] >= 30
    assert exported >= 30
    statuses = {(c["kind"], c["id"]): c["status"] for c in doc["components"]}
    assert statuses[("receiver", "otlp")] == "OK"
    assert any(f["component"] == "otlp_grpc/down" and f["items"] >= 30 for f in doc["failures"]), doc["failures"]
    assert any(q["exporter"] == "otlp_grpc/down" for q in doc["queues"])
    assert "s3cret-token" not in doc["config_yaml"] and "[REDACTED]" in doc["config_yaml"]


def test_tap_streams_what_passes_a_point_as_otlp_json(running: Running) -> None:
    stop = threading.Event()

    def keep_sending() -> None:
        while not stop.is_set():
            send_spans(running.grpc, 5, name="tapped")

    sender = threading.Thread(target=keep_sending)
    sender.start()
    try:
        tap = subprocess.run(
            [
                sys.executable,
                "-m",
                "pyotelcol",
                "tap",
                f"--admin-endpoint=127.0.0.1:{running.admin}",
                "--component=processors/batch",
                "--limit=10",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stop.set()
        sender.join()
    assert tap.returncode == 0, tap.stderr
    lines = [json.loads(line) for line in tap.stdout.splitlines()]
    names = [
        span["name"] for doc in lines for rs in doc["resourceSpans"] for ss in rs["scopeSpans"] for span in ss["spans"]
    ]
    assert len(names) >= 10 and all(n.startswith("tapped") or n.startswith("work") for n in names)
    assert "processors/batch (traces) in traces" in tap.stderr


def test_tap_names_the_points_when_none_matches(running: Running) -> None:
    tap = run_cli("tap", f"--admin-endpoint=127.0.0.1:{running.admin}", "--component=processors/nope")
    assert tap.returncode == 1
    assert "no point of the graph matches" in tap.stderr and "exporters/file (traces) in traces" in tap.stderr


def test_top_shows_rates_per_component(running: Running) -> None:
    sender = threading.Thread(target=send_spans, args=(running.grpc, 200))
    sender.start()
    top = run_cli("top", f"--metrics-url=http://127.0.0.1:{running.metrics}/metrics", "--iterations=1")
    sender.join()
    assert top.returncode == 0, top.stderr
    rows = {line.split()[1]: line.split() for line in top.stdout.splitlines()[2:] if line.strip()}
    assert rows["otlp"][0] == "receiver" and rows["otlp"][2] == "traces"
    assert rows["otlp_grpc/down"][0] == "exporter"


def test_status_page_renders_in_a_real_browser(running: Running, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("needs Debian's chromium for the browser test")
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=4000"]
    dom = subprocess.run([*common, "--dump-dom", running.base + "/"], capture_output=True, text=True, timeout=90).stdout
    assert 'data-ready="1"' in dom
    assert "<svg" in dom and "processor batch" in dom and "exporter otlp_grpc/down" in dom
    shot = tmp_path / "status.png"
    subprocess.run(
        [*common, "--window-size=1280,1100", f"--screenshot={shot}", running.base + "/"],
        capture_output=True,
        timeout=90,
    )
    assert shot.exists() and shot.stat().st_size > 20_000  # a drawn page, not a blank one
    if os.environ.get("PYOTELCOL_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["PYOTELCOL_KEEP_SCREENSHOT"])


def test_reload_over_http_refuses_a_bad_config_and_applies_a_good_one(running: Running) -> None:
    def post(body: bytes) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(running.base + "/reload", data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    code, doc = post(b"receivers: {otlp: {protocols: {grpc: {endpoint: 127.0.0.1:1}}}}\nservice: {pipelines: {}}\n")
    assert code == 400 and doc["error"]
    assert running.get("/api/status")["pipelines"][0]["processors"] == ["batch"]
    good = running.config.read_text().replace("processors: [batch]", "processors: []")
    code, doc = post(good.encode())
    assert code == 200, doc
    assert running.get("/api/status")["pipelines"][0]["processors"] == []
    send_spans(running.grpc, 3, name="after-reload")


def test_a_public_admin_endpoint_needs_a_token(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "receivers: {nop: }\nexporters: {nop: }\nservice:\n  telemetry: {metrics: {level: none}}\n"
        "  pipelines: {traces: {receivers: [nop], exporters: [nop]}}\n"
    )
    result = run_cli("--config", str(config), "--admin-endpoint=0.0.0.0:0", timeout=30)
    assert result.returncode == 1 and "PYOTELCOL_ADMIN_TOKEN" in result.stderr
