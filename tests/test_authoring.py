"""@pyotelcol.processor / @pyotelcol.exporter: a decorated function in an installed package (an
entry point in its dist-info, as pip writes it) runs in a real collector; the same object feeds a
builder manifest; its README stub lists the config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

from pyotelcol_builder.generate import files
from pyotelcol_builder.manifest import load
from support import Collector, free_port, run_cli, wait_for_port

PACKAGE = '''
"""Acme's scrubber, written as plain functions."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pyotelcol
from pyotelcol.pdata import Logs, Traces
from pyotelcol.pdata.otlpjson import to_json


@dataclass
class ScrubConfig:
    mask: str = "****"
    keys: list[str] = field(default_factory=lambda: ["user.email"])

    def validate(self) -> None:
        if not self.mask:
            raise ValueError("mask must not be empty")


@pyotelcol.processor("scrub", signals=["traces"], config=ScrubConfig)
def scrub(data, config: ScrubConfig):
    """Masks the configured span attributes."""
    for rs in data.resource_spans:
        for ss in rs.scope_spans:
            for span in ss.spans:
                for key in config.keys:
                    if key in span.attributes:
                        span.attributes.put_str(key, config.mask)
    return data


@dataclass
class JournalConfig:
    path: str = ""


@dataclass
class TickConfig:
    count: int = 2


@pyotelcol.receiver("ticks", signals=["traces"], config=TickConfig)
async def ticks(emit, config: TickConfig) -> None:
    """Emits ``count`` one-span traces, then idles."""
    for i in range(config.count):
        traces = Traces.empty()
        span = traces.resource_spans.append_empty().scope_spans.append_empty().spans.append_empty()
        span.name = f"tick-{i}"
        span.trace_id = (i + 1).to_bytes(16, "big")
        span.span_id = (i + 1).to_bytes(8, "big")
        await emit(traces)
    await asyncio.Event().wait()


@pyotelcol.connector("span_names", pairs=[("traces", "logs")])
def span_names(data, config):
    """One log record per span, its body the span's name."""
    logs = Logs.empty()
    records = logs.resource_logs.append_empty().scope_logs.append_empty().log_records
    for rs in data.resource_spans:
        for ss in rs.scope_spans:
            for span in ss.spans:
                records.append_empty().body.set_str(span.name)
    return logs


@pyotelcol.exporter("journal", config=JournalConfig)
async def journal(data, config: JournalConfig) -> None:
    """Appends every request as an OTLP/JSON line."""
    with Path(config.path).open("ab") as out:
        out.write(to_json(data.message) + b"\\n")
'''

SPAN = {
    "resourceSpans": [
        {
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "traceId": "5b8efff798038103d269b633813fc60c",
                            "spanId": "eee19b7ec3c1b174",
                            "name": "checkout",
                            "kind": 2,
                            "attributes": [{"key": "user.email", "value": {"stringValue": "a@example.com"}}],
                        }
                    ]
                }
            ]
        }
    ]
}


def _install(site: Path) -> dict[str, str]:
    """The package and the dist-info pip would write, on a path the collector gets as PYTHONPATH."""
    (site / "acme_scrub").mkdir(parents=True)
    (site / "acme_scrub" / "__init__.py").write_text(PACKAGE)
    info = site / "acme_scrub-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-scrub\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[pyotelcol.processors]\nscrub = acme_scrub:scrub.create_factory\n\n"
        "[pyotelcol.exporters]\njournal = acme_scrub:journal.create_factory\n\n"
        "[pyotelcol.receivers]\nticks = acme_scrub:ticks.create_factory\n\n"
        "[pyotelcol.connectors]\nspan_names = acme_scrub:span_names.create_factory\n"
    )
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_decorated_components_run_in_a_collector(tmp_path: Path) -> None:
    env = _install(tmp_path / "site")
    port, out = free_port(), tmp_path / "journal.jsonl"
    config = tmp_path / "config.yaml"
    config.write_text(
        textwrap.dedent(
            f"""
            receivers:
              otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{port}"}}}}}}
            processors:
              scrub: {{mask: "###"}}
            exporters:
              journal: {{path: {out}}}
            service:
              telemetry: {{metrics: {{level: none}}}}
              pipelines:
                traces: {{receivers: [otlp], processors: [scrub], exporters: [journal]}}
            """
        )
    )
    col = Collector(config, env=env)
    try:
        wait_for_port(port, col.proc)
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/traces",
            data=json.dumps(SPAN).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        deadline = time.monotonic() + 20
        while not (out.exists() and out.read_text().strip()):
            assert time.monotonic() < deadline, "nothing reached the journal exporter"
            time.sleep(0.05)
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    span = json.loads(out.read_text().splitlines()[0])["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert span["attributes"] == [{"key": "user.email", "value": {"stringValue": "###"}}]

    listed = run_cli("components", env=env)
    assert "name: scrub" in listed.stdout and "module: acme-scrub 0.1.0" in listed.stdout


def test_decorated_receiver_and_connector(tmp_path: Path) -> None:
    env = _install(tmp_path / "site")
    traces_out, logs_out = tmp_path / "traces.jsonl", tmp_path / "logs.jsonl"
    config = tmp_path / "config.yaml"
    config.write_text(
        textwrap.dedent(
            f"""
            receivers:
              ticks: {{count: 3}}
            connectors:
              span_names:
            exporters:
              journal/traces: {{path: {traces_out}}}
              journal/logs: {{path: {logs_out}}}
            service:
              telemetry: {{metrics: {{level: none}}}}
              pipelines:
                traces: {{receivers: [ticks], exporters: [journal/traces, span_names]}}
                logs: {{receivers: [span_names], exporters: [journal/logs]}}
            """
        )
    )

    def bodies() -> list[str]:
        if not logs_out.exists():
            return []
        return [
            rec["body"]["stringValue"]
            for line in logs_out.read_text().splitlines()
            for rl in json.loads(line)["resourceLogs"]
            for sl in rl["scopeLogs"]
            for rec in sl["logRecords"]
        ]

    col = Collector(config, env=env)
    try:
        deadline = time.monotonic() + 30
        while len(bodies()) < 3:
            assert col.proc.poll() is None, col.stop()[2]
            assert time.monotonic() < deadline, "the connector's logs never arrived"
            time.sleep(0.05)
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    assert sorted(bodies()) == ["tick-0", "tick-1", "tick-2"]
    assert len(traces_out.read_text().splitlines()) == 3


def test_config_is_typed_and_strict(tmp_path: Path) -> None:
    env = _install(tmp_path / "site")
    config = tmp_path / "config.yaml"
    base = "receivers: {{nop: {{}}}}\nprocessors: {{scrub: {0}}}\nexporters: {{nop: {{}}}}\n" + (
        "service: {{pipelines: {{traces: {{receivers: [nop], processors: [scrub], exporters: [nop]}}}}}}\n"
    )
    config.write_text(base.format("{bogus: 1}"))
    result = run_cli("validate", "--config", str(config), env=env)
    assert result.returncode == 1 and "has invalid keys: bogus" in result.stderr
    config.write_text(base.format('{mask: ""}'))
    result = run_cli("validate", "--config", str(config), env=env)
    assert result.returncode == 1 and "processors::scrub: mask must not be empty" in result.stderr
    # A signal the author did not declare.
    config.write_text(base.format("{}").replace("traces:", "logs:"))
    result = run_cli("validate", "--config", str(config), env=env)
    assert result.returncode == 1
    assert 'failed to create "scrub" processor, in pipeline "logs": telemetry type is not supported' in result.stderr


def test_the_function_still_calls_and_writes_its_readme(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install(site)
    code = textwrap.dedent(
        """
        import acme_scrub
        from pyotelcol.pdata import Traces
        print(acme_scrub.scrub.readme())
        print("CALL", acme_scrub.scrub(Traces.empty(), acme_scrub.ScrubConfig()).item_count())
        print("FACTORY", acme_scrub.journal.create_factory().type)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(site)}
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("# scrub processor\n")
    assert "| Stability | development: traces |" in text
    assert "Masks the configured span attributes." in text
    assert "| `mask` | `str` | `'****'` |" in text and "| `keys` | `list[str]` | `['user.email']` |" in text
    assert "CALL 0" in text and "FACTORY journal" in text


def test_builder_imports_a_decorated_function(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install(site)
    manifest_path = tmp_path / "dist.yaml"
    manifest_path.write_text(
        "dist: {name: acme-col}\n"
        "receivers: [{package: pyotelcol, import: pyotelcol.receivers.nop}]\n"
        "processors: [{package: acme-scrub, import: 'acme_scrub:scrub.create_factory'}]\n"
        "exporters: [{package: pyotelcol, import: pyotelcol.exporters.nop}]\n"
    )
    manifest = load(manifest_path)
    generated: dict[str, Any] = files(manifest)
    components = next(text for name, text in generated.items() if name.endswith("/components.py"))
    module = tmp_path / "acme_col_components.py"
    module.write_text(components)
    code = "import acme_col_components as c; f = c.components(); print(sorted(f.by_kind[c._Kind.PROCESSOR]))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(tmp_path)])},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['scrub']"
