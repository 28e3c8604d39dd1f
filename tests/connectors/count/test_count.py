"""The count connector in a real collector: OTLP/HTTP traces, metrics and logs in, the default
``count`` and a custom ``count/custom`` (conditions, attributes, defaults) out to file exporters."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.exporters.file import read_file
from support import Collector, free_port, wait_for_port

from pyotelcol.cli.main import main

CUSTOM = """
    spans:
      span.error.count:
        description: Failed spans.
        conditions: ['span.status.code == STATUS_CODE_ERROR']
        attributes: [{key: env}]
    logs:
      my.error.log.count:
        description: Error+ logs.
        conditions: ['severity_number >= SEVERITY_NUMBER_ERROR']
        attributes: [{key: env, default_value: unspecified_environment}]
    datapoints:
      prod.points:
        conditions: ['attributes["env"] == "prod"', 'metric.name == "never"']
"""


def _config(tmp: Path, port: int) -> str:
    return f"""
receivers:
  otlp:
    protocols:
      http: {{endpoint: 127.0.0.1:{port}}}
exporters:
  file/default: {{path: {tmp / "default.json"}, flush_interval: 100ms}}
  file/custom: {{path: {tmp / "custom.json"}, flush_interval: 100ms}}
connectors:
  count:
  count/custom:{CUSTOM}
service:
  telemetry: {{metrics: {{level: none}}}}  # no self-metrics endpoint: :8888 may be taken
  pipelines:
    traces: {{receivers: [otlp], exporters: [count, count/custom]}}
    metrics/in: {{receivers: [otlp], exporters: [count, count/custom]}}
    logs: {{receivers: [otlp], exporters: [count, count/custom]}}
    metrics/default: {{receivers: [count], exporters: [file/default]}}
    metrics/custom: {{receivers: [count/custom], exporters: [file/custom]}}
"""


def _attrs(**values: Any) -> list[dict[str, Any]]:
    return [{"key": k, "value": {"stringValue": v}} for k, v in values.items()]


TRACES = {
    "resourceSpans": [
        {
            "resource": {"attributes": _attrs(env="prod")},
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "traceId": "01" * 16,
                            "spanId": "02" * 8,
                            "name": "a",
                            "startTimeUnixNano": "100",
                            "endTimeUnixNano": "200",
                            "status": {"code": 2},
                            "events": [{"name": "e", "timeUnixNano": "150"}],
                        },
                        {
                            "traceId": "01" * 16,
                            "spanId": "03" * 8,
                            "name": "b",
                            "startTimeUnixNano": "50",
                            "endTimeUnixNano": "300",
                            "attributes": _attrs(env="dev"),
                            "status": {"code": 2},
                        },
                        {"traceId": "01" * 16, "spanId": "04" * 8, "name": "ok", "startTimeUnixNano": "60"},
                    ]
                }
            ],
        }
    ]
}


def _record(severity: int, **attrs: str) -> dict[str, Any]:
    return {"timeUnixNano": "1000", "severityNumber": severity, "attributes": _attrs(**attrs)}


LOGS = {
    "resourceLogs": [
        {
            "resource": {"attributes": _attrs(**{"service.name": "x"})},
            "scopeLogs": [
                {
                    "scope": {"attributes": _attrs(env="staging")},
                    "logRecords": [_record(17, env="prod"), _record(17), _record(9)],
                }
            ],
        },
        {"resource": {}, "scopeLogs": [{"logRecords": [_record(21)]}]},
    ]
}


def _point(env: str) -> dict[str, Any]:
    return {"attributes": _attrs(env=env), "timeUnixNano": "77", "asInt": "1"}


METRICS = {
    "resourceMetrics": [
        {
            "resource": {"attributes": _attrs(**{"service.name": "api"})},
            "scopeMetrics": [
                {
                    "metrics": [
                        {
                            "name": "s",
                            "sum": {"aggregationTemporality": 2, "dataPoints": [_point("prod"), _point("dev")]},
                        },
                        {"name": "g", "gauge": {"dataPoints": [_point("prod")]}},
                    ]
                }
            ],
        }
    ]
}


def _post(port: int, path: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


Series = dict[str, list[tuple[dict[str, Any], int, int, int]]]


def _series(requests: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Series]]:
    """Per output resource: its attributes and, per metric, (attributes, value, start, time)."""
    out = []
    for req in requests:
        for rm in req["resourceMetrics"]:
            resource = {a["key"]: a["value"]["stringValue"] for a in rm["resource"].get("attributes", [])}
            series: Series = {}
            for sm in rm["scopeMetrics"]:
                assert (
                    sm["scope"]["name"]
                    == "github.com/open-telemetry/opentelemetry-collector-contrib/connector/countconnector"
                )
                for m in sm["metrics"]:
                    assert m["sum"]["isMonotonic"] is True and m["sum"]["aggregationTemporality"] == 1
                    series[m["name"]] = [
                        (
                            {a["key"]: a["value"]["stringValue"] for a in p.get("attributes", [])},
                            int(p["asInt"]),
                            int(p["startTimeUnixNano"]),
                            int(p["timeUnixNano"]),
                        )
                        for p in m["sum"]["dataPoints"]
                    ]
            out.append((resource, series))
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[dict[str, Any], Series]]]:
    tmp = tmp_path_factory.mktemp("count")
    port = free_port()
    config = tmp / "config.yaml"
    config.write_text(_config(tmp, port))
    collector = Collector(config)
    try:
        wait_for_port(port, collector.proc)
        _post(port, "/v1/traces", TRACES)
        _post(port, "/v1/logs", LOGS)
        _post(port, "/v1/metrics", METRICS)
    finally:
        code, _, err = collector.stop()
    assert code == 0, err
    return {name: _series(read_file(str(tmp / f"{name}.json"))) for name in ("default", "custom")}


def _without_now(series: Series) -> Series:
    """metric.count has no item timestamps: Go stamps it with the current time."""
    return {
        name: [(a, v, s, t) if name != "metric.count" else (a, v, 0, 0) for a, v, s, t in pts]
        for name, pts in series.items()
    }


def test_default_counts(outputs: dict[str, list[tuple[dict[str, Any], Series]]]) -> None:
    traces, logs1, logs2, metrics = outputs["default"]
    assert traces == (
        {"env": "prod"},
        {"trace.span.count": [({}, 3, 50, 300)], "trace.span.event.count": [({}, 1, 150, 150)]},
    )
    assert logs1 == ({"service.name": "x"}, {"log.record.count": [({}, 3, 1000, 1000)]})
    assert logs2 == ({}, {"log.record.count": [({}, 1, 1000, 1000)]})
    assert metrics[0] == {"service.name": "api"}
    assert _without_now(metrics[1]) == {"metric.count": [({}, 2, 0, 0)], "metric.datapoint.count": [({}, 3, 77, 77)]}
    now = metrics[1]["metric.count"][0]
    assert now[2] == now[3] > 10**18


def test_custom_counts_replace_only_their_section(outputs: dict[str, list[tuple[dict[str, Any], Series]]]) -> None:
    traces, logs1, logs2, metrics = outputs["custom"]
    # span attributes win over the resource's; the OK span is not counted; span events keep the default
    assert traces[1] == {
        "span.error.count": [({"env": "prod"}, 1, 50, 300), ({"env": "dev"}, 1, 50, 300)],
        "trace.span.event.count": [({}, 1, 150, 150)],
    }
    # record > scope attributes; the default value for the resource without one; INFO not counted
    assert logs1[1] == {"my.error.log.count": [({"env": "prod"}, 1, 1000, 1000), ({"env": "staging"}, 1, 1000, 1000)]}
    assert logs2[1] == {"my.error.log.count": [({"env": "unspecified_environment"}, 1, 1000, 1000)]}
    assert _without_now(metrics[1]) == {"metric.count": [({}, 2, 0, 0)], "prod.points": [({}, 2, 77, 77)]}


def _validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], count: str) -> str:
    text = f"receivers:\n  otlp:\n    protocols:\n      http:\nexporters:\n  debug:\nconnectors:\n  count:{count}\n"
    text += "service:\n  pipelines:\n    logs: {receivers: [otlp], exporters: [count]}\n"
    text += "    metrics: {receivers: [count], exporters: [debug]}\n"
    path = tmp_path / "c.yaml"
    path.write_text(text)
    code = main(["validate", "--config", str(path)])
    return capsys.readouterr().err if code else ""


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("\n    metrics: {m: {attributes: [{key: env}]}}", 'metrics attributes not supported: metric "m"'),
        ("\n    logs: {m: {attributes: [{default_value: x}]}}", 'logs attributes: metric "m": attribute key missing'),
        ("\n    datapoints: {m: {attributes: [{key: ''}]}}", 'spans attributes: metric "m": attribute key missing'),
        (
            "\n    spans: {m: {conditions: ['span.name ==']}}",
            'spans condition: metric "m": unable to parse OTTL condition',
        ),
        ("\n    logs: {m: {condition: ['true']}}", "has invalid keys: condition"),
    ],
)
def test_config_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], count: str, message: str) -> None:
    assert message in _validate(tmp_path, capsys, count)


def test_readme_example_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _validate(tmp_path, capsys, CUSTOM.rstrip()) == ""
