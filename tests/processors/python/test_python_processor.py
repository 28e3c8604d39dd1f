"""The python processor: a plain Python file declared in YAML, run by a real collector."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from support import free_port, run_cli

SCRUB = """
def process(data, config):
    for rs in data.resource_spans:
        rs.resource.attributes.put_str("scrubbed.by", config["who"])
        for ss in rs.scope_spans:
            for span in ss.spans:
                span.attributes.remove("user.email")
            ss.spans.remove_if(lambda span: span.name == "healthcheck")
    return data if data.item_count() else None
"""

CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
processors:
  python/scrub:
    module: {module}
    function: {function}
    config: {{who: pyotelcol}}
    {extra}
exporters:
  file: {{path: {out}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [python/scrub], exporters: [file]}}
"""


def trace(names: list[str]) -> bytes:
    spans = [
        {
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": f"{i + 1:016x}",
            "name": name,
            "kind": 2,
            "startTimeUnixNano": "1",
            "endTimeUnixNano": "2",
            "attributes": [
                {"key": "user.email", "value": {"stringValue": "a@b.c"}},
                {"key": "http.method", "value": {"stringValue": "GET"}},
            ],
        }
        for i, name in enumerate(names)
    ]
    return json.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": spans}]}]}).encode()


def post(port: int, body: bytes) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/traces", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return int(resp.status)


def write_config(tmp_path: Path, module: str, function: str = "process", extra: str = "") -> tuple[Path, int, Path]:
    port, out = free_port(), tmp_path / "out.jsonl"
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(port=port, module=module, function=function, extra=extra, out=out))
    return path, port, out


def test_a_function_in_a_file_changes_and_drops_data(tmp_path: Path, collector_factory: Any) -> None:
    (tmp_path / "scrub.py").write_text(SCRUB)
    path, port, out = write_config(tmp_path, str(tmp_path / "scrub.py"))
    col = collector_factory(path, wait_ports=(port,))
    assert post(port, trace(["GET /", "healthcheck"])) == 200
    assert post(port, trace(["healthcheck"])) == 200  # dropped whole: still accepted
    code, _, err = col.stop()
    assert code == 0, err
    lines = [json.loads(line) for line in out.read_text().splitlines() if line]
    assert len(lines) == 1
    (rs,) = lines[0]["resourceSpans"]
    assert rs["resource"]["attributes"] == [{"key": "scrubbed.by", "value": {"stringValue": "pyotelcol"}}]
    (span,) = rs["scopeSpans"][0]["spans"]
    assert span["name"] == "GET /" and [a["key"] for a in span["attributes"]] == ["http.method"]


def test_a_dotted_module_from_the_environment(tmp_path: Path, collector_factory: Any) -> None:
    path, port, out = write_config(tmp_path, "pyotelcol.processors.python.examples", "set_resource_attributes")
    col = collector_factory(path, wait_ports=(port,))
    assert post(port, trace(["a"])) == 200
    code, _, err = col.stop()
    assert code == 0, err
    (line,) = [json.loads(x) for x in out.read_text().splitlines() if x]
    attrs = line["resourceSpans"][0]["resource"]["attributes"]
    assert attrs == [{"key": "who", "value": {"stringValue": "pyotelcol"}}]


@pytest.mark.parametrize(
    ("source", "function", "error"),
    [
        (None, "process", "module file"),
        ("def process(data, config):\n    return data +\n", "process", "scrub.py:2: syntax error"),
        ("x = 1\nraise RuntimeError('boom')\n", "process", "scrub.py:2: RuntimeError: boom"),
        ("def other(data, config):\n    return data\n", "process", "has no function 'process'"),
        ("def process(data):\n    return data\n", "process", "must take two arguments, (data, config)"),
    ],
)
def test_loading_errors_fail_validate_with_file_and_line(
    tmp_path: Path, source: str | None, function: str, error: str
) -> None:
    if source is not None:
        (tmp_path / "scrub.py").write_text(source)
    path, _, _ = write_config(tmp_path, str(tmp_path / "scrub.py"), function)
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1 and "processors::python/scrub: " in result.stderr, result.stderr
    assert error in result.stderr, result.stderr


@pytest.mark.parametrize(("mode", "status"), [("propagate", 500), ("ignore", 200)])
def test_errors_and_timeouts_follow_error_mode(tmp_path: Path, collector_factory: Any, mode: str, status: int) -> None:
    (tmp_path / "slow.py").write_text(
        "import asyncio\nasync def process(data, config):\n    await asyncio.sleep(30)\n    return data\n"
    )
    path, port, out = write_config(tmp_path, str(tmp_path / "slow.py"), extra=f"error_mode: {mode}\n    timeout: 50ms")
    col = collector_factory(path, wait_ports=(port,))
    try:
        got = post(port, trace(["a"]))
    except urllib.error.HTTPError as exc:
        got = exc.code
    assert got == status
    code, _, err = col.stop()
    assert code == 0, err
    delivered = [x for x in out.read_text().splitlines() if x] if out.exists() else []
    assert len(delivered) == (1 if mode == "ignore" else 0)
    if mode == "ignore":
        assert "took longer than 0.05s" in err
