"""The routing connector in a real collector: OTLP/HTTP in, routing connectors, file exporters out.

One collector runs every example of connectors/routing/README.md side by side (each logs example
is its own ``routing/<name>`` connector fed by the same ``logs/in`` pipeline), plus span, metric
and data point routes; the requests are sent once and each test reads the files it cares about.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.exporters.file import read_file
from support import Collector, free_port, wait_for_port

from pyotelcol.cli.main import main

LOG_ROUTERS = {
    # README: route logs based on tenant (request header)
    "tenant": """
    default_pipelines: [logs/tenant_other]
    table:
      - context: request
        condition: request["X-Tenant"] == "acme"
        pipelines: [logs/tenant_acme]
      - context: request
        condition: request["X-Tenant"] == "ecorp"
        pipelines: [logs/tenant_ecorp]""",
    # README: route logs based on region
    "region": """
    default_pipelines: [logs/region_other]
    table:
      - context: log
        condition: attributes["region"] == "east"
        pipelines: [logs/region_east]
      - context: log
        condition: attributes["region"] == "west"
        pipelines: [logs/region_west]""",
    # README: low-level logs to cheap storage, the rest by service name
    "service": """
    table:
      - context: log
        condition: severity_number < SEVERITY_NUMBER_ERROR
        pipelines: [logs/service_cheap]
      - context: resource
        condition: attributes["service.name"] == "service1"
        pipelines: [logs/service_service1]
      - context: resource
        condition: attributes["service.name"] == "service2"
        pipelines: [logs/service_service2]""",
    # README: low-level logs to cheap storage, the rest by tenant
    "cheaptenant": """
    table:
      - context: log
        condition: severity_number < SEVERITY_NUMBER_ERROR
        pipelines: [logs/cheaptenant_cheap]
      - context: request
        condition: request["X-Tenant"] == "acme"
        pipelines: [logs/cheaptenant_acme]
      - context: request
        condition: request["X-Tenant"] == "ecorp"
        pipelines: [logs/cheaptenant_ecorp]""",
}

TRACES_ROUTER = """
    default_pipelines: [traces/rest]
    table:
      - condition: span.name == "checkout"
        pipelines: [traces/checkout]
      - statement: route() where attributes["env"] == "prod"
        pipelines: [traces/prod]
      - statement: route() where attributes["env"] == "prod"
        pipelines: [traces/rest]"""

METRICS_ROUTER = """
    default_pipelines: [metrics/rest]
    table:
      - context: datapoint
        condition: attributes["code"] == "500"
        pipelines: [metrics/errors]
      - condition: metric.name == "queue.size"
        pipelines: [metrics/queue]"""


def _pipelines_of(router: str) -> list[str]:
    names: list[str] = []
    for line in router.splitlines():
        if "pipelines: [" in line:
            names += [p.strip() for p in line.split("[", 1)[1].rstrip("]").split(",")]
    return sorted(set(names))


def _config(tmp: Path, port: int) -> str:
    routers = {f"routing/{name}": body for name, body in LOG_ROUTERS.items()}
    routers["routing/traces"] = TRACES_ROUTER
    routers["routing/metrics"] = METRICS_ROUTER
    lines = ["receivers:", "  otlp:", "    protocols:", "      http:"]
    lines += [f"        endpoint: 127.0.0.1:{port}", "        include_metadata: true", "exporters:"]
    pipes = {pid: router for router, body in routers.items() for pid in _pipelines_of(body)}
    for pid in pipes:
        lines += [f"  file/{pid.replace('/', '_')}:", f"    path: {tmp / (pid.replace('/', '_') + '.json')}"]
        lines += ["    flush_interval: 100ms"]
    lines.append("connectors:")
    for router, body in routers.items():
        lines.append(f"  {router}:{body}")
    # no self-metrics endpoint: :8888 may be taken by another collector
    lines += ["service:", "  telemetry: {metrics: {level: none}}", "  pipelines:"]
    log_routers = [r for r in routers if r.startswith("routing/") and r[8:] in LOG_ROUTERS]
    lines.append(f"    logs/in: {{receivers: [otlp], exporters: [{', '.join(log_routers)}]}}")
    lines.append("    traces/in: {receivers: [otlp], exporters: [routing/traces]}")
    lines.append("    metrics/in: {receivers: [otlp], exporters: [routing/metrics]}")
    for pid, router in pipes.items():
        lines.append(f"    {pid}: {{receivers: [{router}], exporters: [file/{pid.replace('/', '_')}]}}")
    return "\n".join(lines) + "\n"


def _attrs(**values: Any) -> list[dict[str, Any]]:
    return [{"key": k, "value": {"stringValue": v}} for k, v in values.items()]


def _logs(*resources: tuple[str, list[tuple[int, str]]]) -> dict[str, Any]:
    """Resources (service name, [(severity number, region)]), one scope each."""
    return {
        "resourceLogs": [
            {
                "resource": {"attributes": _attrs(**{"service.name": service})},
                "scopeLogs": [
                    {
                        "scope": {"name": "lib"},
                        "logRecords": [
                            {
                                "severityNumber": sev,
                                "body": {"stringValue": f"{service}-{region}"},
                                "attributes": _attrs(region=region),
                            }
                            for sev, region in records
                        ],
                    }
                ],
            }
            for service, records in resources
        ]
    }


def _span(name: str) -> dict[str, Any]:
    return {"traceId": "01" * 16, "spanId": "02" * 8, "name": name, "startTimeUnixNano": "1", "endTimeUnixNano": "2"}


TRACES = {
    "resourceSpans": [
        {
            "resource": {"attributes": _attrs(env="prod")},
            "scopeSpans": [{"scope": {"name": "a"}, "spans": [_span("checkout"), _span("list")]}],
        },
        {
            "resource": {"attributes": _attrs(env="dev")},
            "scopeSpans": [{"scope": {"name": "b"}, "spans": [_span("browse")]}],
        },
    ]
}


def _point(code: str, value: int) -> dict[str, Any]:
    return {"attributes": _attrs(code=code), "timeUnixNano": "5", "asInt": str(value)}


METRICS = {
    "resourceMetrics": [
        {
            "resource": {"attributes": _attrs(**{"service.name": "api"})},
            "scopeMetrics": [
                {
                    "scope": {"name": "m"},
                    "metrics": [
                        {
                            "name": "requests",
                            "sum": {
                                "aggregationTemporality": 2,
                                "isMonotonic": True,
                                "dataPoints": [_point("200", 7), _point("500", 2)],
                            },
                        },
                        {"name": "queue.size", "gauge": {"dataPoints": [_point("200", 3), _point("500", 4)]}},
                        {"name": "empty", "gauge": {}},
                    ],
                }
            ],
        }
    ]
}

LOGS_ACME = _logs(("service1", [(9, "east"), (17, "west")]), ("service2", [(17, "north")]))
LOGS_ANON = _logs(("service3", [(17, "east")]))


def _post(port: int, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Every file exporter's requests, by pipeline file name, after one run."""
    tmp = tmp_path_factory.mktemp("routing")
    port = free_port()
    config = tmp / "config.yaml"
    config.write_text(_config(tmp, port))
    collector = Collector(config)
    try:
        wait_for_port(port, collector.proc)
        _post(port, "/v1/logs", LOGS_ACME, {"X-Tenant": "acme"})
        _post(port, "/v1/logs", LOGS_ANON)
        _post(port, "/v1/traces", TRACES)
        _post(port, "/v1/metrics", METRICS)
    finally:
        code, _, err = collector.stop()
    assert code == 0, err
    return {p.stem: read_file(str(p)) for p in tmp.glob("*.json")}


def _log_bodies(requests: list[dict[str, Any]]) -> list[list[str]]:
    """Per request, the log bodies in order."""
    return [
        [r["body"]["stringValue"] for rl in req["resourceLogs"] for sl in rl["scopeLogs"] for r in sl["logRecords"]]
        for req in requests
    ]


def test_request_context_routes_by_header(outputs: dict[str, list[dict[str, Any]]]) -> None:
    assert _log_bodies(outputs["logs_tenant_acme"]) == [["service1-east", "service1-west", "service2-north"]]
    assert _log_bodies(outputs["logs_tenant_other"]) == [["service3-east"]]
    assert outputs["logs_tenant_ecorp"] == []


def test_log_context_regroups_records_with_their_resource(outputs: dict[str, list[dict[str, Any]]]) -> None:
    assert _log_bodies(outputs["logs_region_east"]) == [["service1-east"], ["service3-east"]]
    assert _log_bodies(outputs["logs_region_west"]) == [["service1-west"]]
    assert _log_bodies(outputs["logs_region_other"]) == [["service2-north"]]
    west = outputs["logs_region_west"][0]["resourceLogs"][0]
    assert west["resource"]["attributes"] == _attrs(**{"service.name": "service1"})
    assert west["scopeLogs"][0]["scope"] == {"name": "lib"}


def test_first_matching_route_only_and_no_default_drops(outputs: dict[str, list[dict[str, Any]]]) -> None:
    # The INFO record matches the cheap route first; service3 matches nothing and there are no
    # default pipelines, so it is dropped.
    assert _log_bodies(outputs["logs_service_cheap"]) == [["service1-east"]]
    assert _log_bodies(outputs["logs_service_service1"]) == [["service1-west"]]
    assert _log_bodies(outputs["logs_service_service2"]) == [["service2-north"]]
    assert _log_bodies(outputs["logs_cheaptenant_cheap"]) == [["service1-east"]]
    assert _log_bodies(outputs["logs_cheaptenant_acme"]) == [["service1-west", "service2-north"]]
    assert outputs["logs_cheaptenant_ecorp"] == []


def test_span_and_resource_routes(outputs: dict[str, list[dict[str, Any]]]) -> None:
    def spans(name: str) -> list[str]:
        reqs = outputs[name]
        return [
            s["name"] for req in reqs for rs in req["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]
        ]

    assert spans("traces_checkout") == ["checkout"]
    assert spans("traces_prod") == ["list"]
    # the duplicate route to traces/rest is ignored: only the unmatched dev span arrives there
    assert spans("traces_rest") == ["browse"]


def test_datapoint_and_metric_routes(outputs: dict[str, list[dict[str, Any]]]) -> None:
    def points(name: str) -> list[tuple[str, str]]:
        out = []
        for req in outputs[name]:
            for rm in req["resourceMetrics"]:
                for sm in rm["scopeMetrics"]:
                    for m in sm["metrics"]:
                        data = m.get("sum") or m.get("gauge") or {}
                        out += [(m["name"], p["asInt"]) for p in data.get("dataPoints", [])] or [(m["name"], "-")]
        return out

    assert points("metrics_errors") == [("requests", "2"), ("queue.size", "4")]
    assert points("metrics_queue") == [("queue.size", "3")]
    assert points("metrics_rest") == [("requests", "7"), ("empty", "-")]
    errors = outputs["metrics_errors"][0]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]
    assert errors["sum"]["isMonotonic"] is True and errors["sum"]["aggregationTemporality"] == 2


def _validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], routing: str, pipelines: str = "logs/a") -> str:
    """``pyotelcol validate`` run in-process: its standard error when it fails, else ''."""
    names = [p.strip() for p in pipelines.split(",")]
    text = "receivers:\n  otlp:\n    protocols:\n      http:\nexporters:\n  debug:\nconnectors:\n  routing:" + routing
    text += "\nservice:\n  pipelines:\n    logs/in: {receivers: [otlp], exporters: [routing]}\n"
    text += "".join(f"    {p}: {{receivers: [routing], exporters: [debug]}}\n" for p in names)
    path = tmp_path / "c.yaml"
    path.write_text(text)
    code = main(["validate", "--config", str(path)])
    return capsys.readouterr().err if code else ""


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        (
            "\n    table:\n      - {condition: 'true', pipelines: [logs/b]}",
            'pipeline not found: missing consumer: "logs/b"',
        ),
        (
            "\n    default_pipelines: [logs/x]\n    table:\n      - {condition: 'true', pipelines: [logs/a]}",
            'missing consumer: "logs/x"',
        ),
        (
            "\n    match_once: true\n    table:\n      - {condition: 'true', pipelines: [logs/a]}",
            "has invalid keys: match_once",
        ),
        ("\n    table: []", "invalid routing table: the routing table is empty"),
        (
            "\n    table:\n      - {condition: 'true', statement: 'route()', pipelines: [logs/a]}",
            "both condition and statement",
        ),
        (
            '\n    table:\n      - {context: request, condition: \'request["a"] = "b"\', pipelines: [logs/a]}',
            "does not contain a valid comparator",
        ),
        ("\n    table:\n      - {context: scope, condition: 'true', pipelines: [logs/a]}", "invalid context: scope"),
        (
            "\n    error_mode: loud\n    table:\n      - {condition: 'true', pipelines: [logs/a]}",
            "unknown error mode loud",
        ),
        ("\n    table:\n      - {condition: 'log.body ==', pipelines: [logs/a]}", "unable to parse OTTL condition"),
    ],
)
def test_config_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], routing: str, message: str) -> None:
    assert message in _validate(tmp_path, capsys, routing)


def test_valid_config_with_routes_for_other_signals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A span route in a logs-only connector is valid (one table may serve several signals).
    routing = "\n    table:\n      - {condition: 'span.name == \"x\"', pipelines: [logs/a]}"
    assert _validate(tmp_path, capsys, routing) == ""
