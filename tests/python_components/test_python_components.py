"""python receiver, connector and exporter, chained in a real collector; the python processor's
file reloaded on SIGHUP. (The python processor's own tests: tests/processors/python.)"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support import Collector, run_cli

GEN = """
import asyncio
from pyotelcol.pdata import Traces

async def receive(emit, config):
    for i in range(config["count"]):
        traces = Traces.empty()
        rs = traces.resource_spans.append_empty()
        rs.resource.attributes.put_str("service.name", "gen")
        ss = rs.scope_spans.append_empty()
        for j in range(2):
            span = ss.spans.append_empty()
            span.name = f"span-{i}-{j}"
            span.trace_id = (i + 1).to_bytes(16, "big")
            span.span_id = (2 * i + j + 1).to_bytes(8, "big")
        await emit(traces)
        await asyncio.sleep(config["every"])
    await asyncio.Event().wait()
"""

LOGS = """
import time
from pyotelcol.pdata import Logs, Metrics

def receive(emit, config):
    try:
        emit(Metrics.empty())  # no metrics pipeline takes this receiver's data
    except ValueError as exc:
        config["seen"] = str(exc)
    for i in range(3):
        logs = Logs.empty()
        rec = logs.resource_logs.append_empty().scope_logs.append_empty().log_records.append_empty()
        rec.body.set_str(f"line {i}: " + config.get("seen", ""))
        emit(logs)  # blocks until the pipeline accepted it
    while True:
        time.sleep(0.05)
        emit(Logs.empty())  # raises ReceiverStopped at shutdown, which ends this function
"""

FLAKY = """
from pathlib import Path
from pyotelcol.pdata.otlpjson import to_json

calls = 0

def send(data, config):
    global calls
    calls += 1
    if calls == 1:
        raise ConnectionError("backend not ready")
    if data.item_count():
        with Path(config["path"]).open("ab") as out:
            out.write(to_json(data.message) + b"\\n")
"""

TAG = """
def process(data, config):
    for rs in data.resource_spans:
        rs.resource.attributes.put_str("tag", "{version}")
    return data
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []


def _wait(check: Callable[[], bool], what: str, proc: Collector, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.proc.poll() is not None:
            _, _, err = proc.stop()
            raise AssertionError(f"collector exited while waiting for {what}: {err}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_receiver_connector_and_exporter_chain(tmp_path: Path) -> None:
    gen = _write(tmp_path, "gen.py", GEN)
    logs = _write(tmp_path, "logs.py", LOGS)
    flaky = _write(tmp_path, "flaky.py", FLAKY)
    out_traces, out_metrics, out_logs = (tmp_path / f"{s}.jsonl" for s in ("traces", "metrics", "logs"))
    config = _write(
        tmp_path,
        "config.yaml",
        f"""
receivers:
  python/gen: {{module: {gen}, config: {{count: 3, every: 0.01}}}}
  python/logs: {{module: {logs}}}
connectors:
  python/count: {{module: pyotelcol.connectors.python.examples, function: span_count}}
exporters:
  python/traces:
    module: pyotelcol.exporters.python.examples
    function: append_json
    config: {{path: {out_traces}}}
  python/metrics:
    module: pyotelcol.exporters.python.examples
    function: append_json
    config: {{path: {out_metrics}}}
  python/flaky:
    module: {flaky}
    function: send
    config: {{path: {out_logs}}}
    retry_on_failure: {{initial_interval: 50ms, randomization_factor: 0}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [python/gen], exporters: [python/count, python/traces]}}
    metrics: {{receivers: [python/count], exporters: [python/metrics]}}
    logs: {{receivers: [python/logs], exporters: [python/flaky]}}
""",
    )
    col = Collector(config)
    try:
        _wait(lambda: len(_lines(out_traces)) == 3 and len(_lines(out_metrics)) == 3, "traces and metrics", col)

        def bodies() -> list[str]:
            return [
                rec["body"]["stringValue"]
                for req in _lines(out_logs)
                for rl in req["resourceLogs"]
                for sl in rl["scopeLogs"]
                for rec in sl["logRecords"]
            ]

        _wait(lambda: len(bodies()) == 3, "the logs, after the flaky exporter's retry", col)
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    names = [s["name"] for req in _lines(out_traces) for s in req["resourceSpans"][0]["scopeSpans"][0]["spans"]]
    assert names == [f"span-{i}-{j}" for i in range(3) for j in range(2)]
    counts = [
        (m["name"], m["gauge"]["dataPoints"][0]["asInt"])
        for req in _lines(out_metrics)
        for m in req["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    ]
    assert counts == [("spans.count", "2")] * 3
    assert _lines(out_metrics)[0]["resourceMetrics"][0]["resource"]["attributes"] == [
        {"key": "service.name", "value": {"stringValue": "gen"}}
    ]
    # The first send failed and was retried: every line arrived once (the queue's consumers run
    # concurrently, so the retried line may come after the others).
    seen = f"{logs}:receive emitted Metrics; this receiver's pipelines take logs"
    assert sorted(bodies()) == [f"line {i}: {seen}" for i in range(3)], err
    assert "backend not ready" in err, err


def test_loading_errors_fail_validate(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.py", "def send(data):\n    pass\n")
    config = _write(
        tmp_path,
        "config.yaml",
        f"""
receivers: {{nop: {{}}}}
exporters:
  python/x: {{module: {bad}, function: send}}
service: {{pipelines: {{traces: {{receivers: [nop], exporters: [python/x]}}}}}}
""",
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert f"{bad}: send() must take two arguments, (data, config)" in result.stderr
    receiver = _write(tmp_path, "r.py", "async def receive(emit):\n    pass\n")
    config.write_text(
        config.read_text()
        .replace("receivers: {nop: {}}", f"receivers: {{python/r: {{module: {receiver}}}}}")
        .replace("receivers: [nop]", "receivers: [python/r]")
        .replace(f"module: {bad}, function: send", "module: pyotelcol.exporters.python.examples, function: discard")
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert f"{receiver}: receive() must take two arguments, (emit, config)" in result.stderr


def test_python_files_are_reloaded_on_sighup(tmp_path: Path) -> None:
    gen = _write(tmp_path, "gen.py", GEN)
    tag = _write(tmp_path, "tag.py", TAG.format(version="v1"))
    out = tmp_path / "traces.jsonl"
    config = _write(
        tmp_path,
        "config.yaml",
        f"""
receivers:
  python/gen: {{module: {gen}, config: {{count: 100000, every: 0.05}}}}
processors:
  python/tag: {{module: {tag}}}
exporters:
  python/out:
    module: pyotelcol.exporters.python.examples
    function: append_json
    config: {{path: {out}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [python/gen], processors: [python/tag], exporters: [python/out]}}
""",
    )

    def tags() -> set[str]:
        return {
            kv["value"]["stringValue"]
            for req in _lines(out)
            for rs in req["resourceSpans"]
            for kv in rs["resource"]["attributes"]
            if kv["key"] == "tag"
        }

    col = Collector(config)
    try:
        _wait(lambda: "v1" in tags(), "data tagged by the first version", col)
        tag.write_text(TAG.format(version="v2"))
        col.proc.send_signal(signal.SIGHUP)
        _wait(lambda: "v2" in tags(), "data tagged by the edited file after SIGHUP", col)
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    assert tags() == {"v1", "v2"}
