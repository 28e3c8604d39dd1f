"""One real build of config-examples/dist.yaml (from this checkout) and what the distribution does.

The distribution holds the otlp receiver, the batch and example acme_attributes processors, and
the debug and file exporters, in its own venv; the build runs once for the whole module.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from support import REPO, free_port, wait_for_port

MANIFEST = REPO / "config-examples" / "dist.yaml"
EXAMPLE = REPO / "config-examples" / "acme-attributes-processor"


@dataclass
class Built:
    out: Path
    launcher: Path
    stderr: str
    seconds: float
    sources_changed: set[Path]

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.launcher), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    out = tmp_path_factory.mktemp("builder") / "otelcol-mini"
    before = set(EXAMPLE.rglob("*"))
    started = time.monotonic()
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "builder"),
            "--manifest",
            str(MANIFEST),
            "--output-path",
            str(out),
            "--wheel",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    print(f"\nbuilder took {seconds:.1f}s")  # shown with -s
    yield Built(out, out / "otelcol-mini", proc.stderr, seconds, set(EXAMPLE.rglob("*")) ^ before)


def test_build_shows_progress_and_writes_the_documented_layout(built: Built) -> None:
    steps = built.stderr.splitlines()
    assert steps[0] == f"Generating otelcol-mini 0.1.0 in {built.out}..."
    assert steps[-1].startswith(f"Built otelcol-mini at {built.out} in ")
    for step in (
        "Creating the environment",
        "Building wheels...",
        "Installing dependencies",
        "Checking the distribution",
    ):
        assert any(line.startswith(step) for line in steps), step
    names = {p.name for p in built.out.iterdir()}
    assert {"pyproject.toml", "src", "venv", "otelcol-mini", "wheelhouse", "Dockerfile"} <= names
    assert json.loads((built.out / ".pyotelcol-build.json").read_text())["complete"] is True
    assert built.sources_changed == set()  # pip built copies: no build/ or *.egg-info in the example


def test_components_are_exactly_the_manifests(built: Built) -> None:
    result = built.run("components")
    assert result.returncode == 0, result.stderr
    listed = yaml.safe_load(result.stdout)
    assert listed["buildinfo"] == {
        "command": "otelcol-mini",
        "description": "Small pyotelcol distribution (OTLP in, debug and file out)",
        "version": "0.1.0",
    }
    names = {kind: [c["name"] for c in listed[kind]] for kind in ("receivers", "processors", "exporters")}
    assert names == {"receivers": ["otlp"], "processors": ["acme_attributes", "batch"], "exporters": ["debug", "file"]}
    assert listed["extensions"] == [] and listed["connectors"] == []
    modules = {c["name"]: c["module"] for kind in names for c in listed[kind]}
    assert modules["otlp"].startswith("pyotelcol ") and modules["acme_attributes"] == "acme-otel-attributes 0.1.0"


def test_version_reports_the_distributions(built: Built) -> None:
    result = built.run("--version")
    assert (result.returncode, result.stdout) == (0, "otelcol-mini version 0.1.0\n")


def test_environment_is_isolated(built: Built) -> None:
    """The venv has only what the distribution needs, and the launcher ignores PYTHONPATH."""
    venv_python = built.out / "venv" / "bin" / "python"
    probe = subprocess.run([str(venv_python), "-c", "import pytest"], capture_output=True, text=True)
    assert probe.returncode != 0  # a test dependency of this checkout is not in the distribution
    shadow = built.out.parent / "shadow"
    (shadow / "otelcol_mini").mkdir(parents=True, exist_ok=True)
    (shadow / "otelcol_mini" / "__main__.py").write_text("raise SystemExit('shadowed')\n")
    assert built.run("--version", env={"PYTHONPATH": str(shadow)}).stdout == "otelcol-mini version 0.1.0\n"


def test_unlisted_component_fails_validation(built: Built, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "receivers: {otlp: {protocols: {http: }}}\n"
        "processors: {memory_limiter: {check_interval: 1s, limit_mib: 100}}\n"
        "exporters: {debug: }\n"
        "service: {pipelines: {traces: {receivers: [otlp], processors: [memory_limiter], exporters: [debug]}}}\n"
    )
    result = built.run("validate", f"--config={config}")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: failed to get config: cannot unmarshal the configuration:")
    assert 'error decoding \'processors\': unknown type: "memory_limiter" for id: "memory_limiter"' in result.stderr


def test_wheel_and_dockerfile(built: Built) -> None:
    wheels = {p.name.split("-")[0] for p in (built.out / "wheelhouse").glob("*.whl")}
    assert {"otelcol_mini", "pyotelcol", "acme_otel_attributes", "grpcio"} <= wheels
    dockerfile = (built.out / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "--no-index --find-links /tmp/wheelhouse otelcol-mini==0.1.0" in dockerfile
    assert 'ENTRYPOINT ["otelcol-mini"]' in dockerfile


CONFIG = """
receivers:
  otlp:
    protocols:
      grpc: {{endpoint: "127.0.0.1:{grpc}"}}
      http: {{endpoint: "127.0.0.1:{http}"}}
processors:
  batch: {{timeout: 10m}}
  acme_attributes: {{key: acme.team, value: payments}}
exporters:
  file: {{path: {out}}}
  debug: {{}}
service:
  telemetry:
    metrics:
      readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics}}}}}}}}}]
  pipelines:
    traces: {{receivers: [otlp], processors: [acme_attributes, batch], exporters: [file, debug]}}
    logs: {{receivers: [otlp], processors: [acme_attributes, batch], exporters: [file]}}
"""


def _spans() -> list[object]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "builder-e2e", "acme.team": "old"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    with provider.get_tracer("builder.e2e").start_as_current_span("parent"):
        provider.get_tracer("builder.e2e").start_span("child").end()
    return list(memory.get_finished_spans())


def _logs() -> list[object]:
    memory = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider(resource=Resource.create({"service.name": "builder-e2e"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(memory))
    logger = logging.getLogger("builder.e2e")
    logger.propagate = False
    handler = LoggingHandler(logger_provider=provider)
    logger.addHandler(handler)
    logger.warning("hello from the sdk")
    logger.removeHandler(handler)
    return list(memory.get_finished_logs())


def test_distribution_runs_and_delivers_sdk_data_with_the_acme_attribute(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    config = tmp_path / "config.yaml"
    grpc_port, http_port, metrics_port = (free_port() for _ in range(3))
    config.write_text(CONFIG.format(grpc=grpc_port, http=http_port, metrics=metrics_port, out=out))
    validated = built.run("validate", f"--config={config}")
    assert validated.returncode == 0, validated.stderr
    printed = built.run("print-initial-config", f"--config={config}")
    assert printed.returncode == 0 and "acme_attributes:" in printed.stdout, printed.stderr

    proc = subprocess.Popen(
        [str(built.launcher), "--config", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    results = []
    try:
        wait_for_port(grpc_port, proc)
        wait_for_port(http_port, proc)
        spans = OTLPSpanExporter(f"127.0.0.1:{grpc_port}", insecure=True)
        results.append(spans.export(_spans()).name)  # type: ignore[arg-type]
        logs = OTLPLogExporter(f"http://127.0.0.1:{http_port}/v1/logs")
        results.append(logs.export(_logs()).name)  # type: ignore[arg-type]
        spans.shutdown()
        logs.shutdown()  # type: ignore[no-untyped-call]
    finally:
        proc.send_signal(signal.SIGTERM)  # batch holds the data (10m timeout) until the graceful shutdown
        stderr = proc.communicate(timeout=30)[1].decode()
    assert results == ["SUCCESS", "SUCCESS"], stderr
    assert proc.returncode == 0, stderr
    assert "Starting otelcol-mini..." in stderr

    resources = []
    for line in out.read_text().splitlines():
        request = json.loads(line)
        resources += [(rs, "span") for rs in request.get("resourceSpans", [])]
        resources += [(rl, "log") for rl in request.get("resourceLogs", [])]
    span_names = sorted(s["name"] for rs, k in resources if k == "span" for ss in rs["scopeSpans"] for s in ss["spans"])
    log_bodies = [
        r["body"]["stringValue"]
        for rl, k in resources
        if k == "log"
        for sl in rl["scopeLogs"]
        for r in sl["logRecords"]
    ]
    assert span_names == ["child", "parent"] and log_bodies == ["hello from the sdk"]
    for resource, _ in resources:
        attrs = {a["key"]: a["value"] for a in resource["resource"]["attributes"]}
        assert attrs["acme.team"] == {"stringValue": "payments"}  # set (and overwritten) by acme_attributes
        assert attrs["service.name"] == {"stringValue": "builder-e2e"}
