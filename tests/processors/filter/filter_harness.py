"""A harness for the filter processor tests: one real collector per test module, one pipeline
per case (its own OTLP/HTTP port, filter and file exporter), OTLP/JSON builders, and a marker
request to know that everything sent before it went through."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from support import Collector, free_port, wait_for_port

# signal, filter config, and the marker: the name it carries (span/metric name or log body), or a
# whole request (which must contain MARKER) for cases that need more to let it through
Case = tuple[str, dict[str, Any], str | dict[str, Any]]
PATHS = {"traces": "/v1/traces", "metrics": "/v1/metrics", "logs": "/v1/logs"}
MARKER = "filter-test-marker"


def attrs(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": any_value(v)} for k, v in values.items()]


def any_value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, dict):
        return {"kvlistValue": {"values": attrs(v)}}
    if isinstance(v, list):
        return {"arrayValue": {"values": [any_value(x) for x in v]}}
    return {"stringValue": v}


def span(name: str, kind: int = 2, events: list[str] | None = None, **attributes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": name,
        "kind": kind,
        "startTimeUnixNano": "1000",
        "endTimeUnixNano": "2000",
        "attributes": attrs(attributes),
    }
    if events is not None:
        out["events"] = [{"name": e, "timeUnixNano": "1500"} for e in events]
    return out


def scope(items: list[dict[str, Any]], name: str = "lib", version: str = "1.0", key: str = "spans") -> dict[str, Any]:
    return {"scope": {"name": name, "version": version}, key: items}


def traces(*resources: tuple[dict[str, Any], list[dict[str, Any]]]) -> dict[str, Any]:
    """``traces(({"service.name": "a"}, [scope([span("x")])]), ...)``"""
    return {"resourceSpans": [{"resource": {"attributes": attrs(r)}, "scopeSpans": s} for r, s in resources]}


def gauge(name: str, *points: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "gauge": {"dataPoints": [{"timeUnixNano": "1000", "asInt": "1", **p} for p in points]}}


def point(**attributes: Any) -> dict[str, Any]:
    return {"attributes": attrs(attributes)}


def metrics(*resources: tuple[dict[str, Any], list[list[dict[str, Any]]]]) -> dict[str, Any]:
    """``metrics(({"env": "prod"}, [[gauge("a", point())], [scope 2 metrics...]]), ...)``"""
    return {
        "resourceMetrics": [
            {"resource": {"attributes": attrs(r)}, "scopeMetrics": [scope(m, key="metrics") for m in ms]}
            for r, ms in resources
        ]
    }


def log(body: Any, severity: int = 9, text: str = "INFO", **attributes: Any) -> dict[str, Any]:
    return {
        "timeUnixNano": "1000",
        "severityNumber": severity,
        "severityText": text,
        "body": any_value(body),
        "attributes": attrs(attributes),
    }


def logs(*resources: tuple[dict[str, Any], list[list[dict[str, Any]]]]) -> dict[str, Any]:
    return {
        "resourceLogs": [
            {"resource": {"attributes": attrs(r)}, "scopeLogs": [scope(recs, key="logRecords") for recs in ls]}
            for r, ls in resources
        ]
    }


def marker(signal: str, name: str = MARKER) -> dict[str, Any]:
    """A request the case lets through; its resource says it is the marker. ``name`` is the
    span / metric name or log body, for cases that only let some names through."""
    res = {"test.marker": MARKER}
    if signal == "traces":
        return traces((res, [scope([span(name)])]))
    if signal == "metrics":
        return metrics((res, [[gauge(name, point())]]))
    return logs((res, [[log(name)]]))


def is_marker(request: dict[str, Any]) -> bool:
    return MARKER in json.dumps(request)


class Harness:
    """One collector running every case of a test module."""

    def __init__(self, workdir: Path, cases: dict[str, Case]) -> None:
        self.cases = cases
        self.ports = {name: free_port() for name in cases}
        self.metrics_port = free_port()
        self.out = {name: workdir / f"{name}.jsonl" for name in cases}
        config: dict[str, Any] = {"receivers": {}, "processors": {}, "exporters": {}}
        pipelines: dict[str, Any] = {}
        for name, (signal, filter_cfg, _) in cases.items():
            config["receivers"][f"otlp/{name}"] = {"protocols": {"http": {"endpoint": f"127.0.0.1:{self.ports[name]}"}}}
            config["processors"][f"filter/{name}"] = filter_cfg
            config["exporters"][f"file/{name}"] = {"path": str(self.out[name]), "flush_interval": "20ms"}
            pipelines[f"{signal}/{name}"] = {
                "receivers": [f"otlp/{name}"],
                "processors": [f"filter/{name}"],
                "exporters": [f"file/{name}"],
            }
        config["service"] = {
            "pipelines": pipelines,
            "telemetry": {
                "metrics": {
                    "readers": [
                        {"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": self.metrics_port}}}}
                    ]
                }
            },
        }
        path = workdir / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        self.collector = Collector(path)
        for port in self.ports.values():
            wait_for_port(port, self.collector.proc)
        self.seen = {name: 0 for name in cases}

    def post(self, case: str, body: dict[str, Any]) -> int:
        signal = self.cases[case][0]
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.ports[case]}{PATHS[signal]}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    def run(self, case: str, *bodies: dict[str, Any]) -> list[dict[str, Any]]:
        """Send ``bodies`` then the marker; return what came out for them (marker excluded)."""
        for body in bodies:
            assert self.post(case, body) == 200
        return self.flush(case)

    def flush(self, case: str) -> list[dict[str, Any]]:
        signal, _, mark = self.cases[case]
        assert self.post(case, mark if isinstance(mark, dict) else marker(signal, mark)) == 200
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            lines = self._lines(case)
            fresh = lines[self.seen[case] :]
            if any(is_marker(x) for x in fresh):
                self.seen[case] = len(lines)
                return [x for x in fresh if not is_marker(x)]
            time.sleep(0.02)
        raise AssertionError(f"the marker of {case} never reached the file")

    def _lines(self, case: str) -> list[dict[str, Any]]:
        path = self.out[case]
        if not path.exists():
            return []
        text = path.read_text()
        complete = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line]

    def self_metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10) as resp:
            return str(resp.read().decode())

    def stop(self) -> tuple[int, str]:
        code, _, err = self.collector.stop()
        return code, err


def start_harness(tmp: Path, cases: dict[str, Case]) -> Iterator[Harness]:
    harness = Harness(tmp, cases)
    try:
        yield harness
    finally:
        if harness.collector.proc.poll() is None:
            harness.collector.proc.kill()
            harness.collector.proc.communicate()


# --- reading the output --------------------------------------------------------------------------


def span_names(requests: list[dict[str, Any]]) -> list[str]:
    return [s["name"] for r in requests for rs in r["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]


def event_names(requests: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {
        s["name"]: [e["name"] for e in s.get("events", [])]
        for r in requests
        for rs in r["resourceSpans"]
        for ss in rs["scopeSpans"]
        for s in ss["spans"]
    }


def metric_points(requests: list[dict[str, Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in requests:
        for rm in r["resourceMetrics"]:
            for sm in rm["scopeMetrics"]:
                for m in sm["metrics"]:
                    data = next(v for k, v in m.items() if isinstance(v, dict) and "dataPoints" in v)
                    out[m["name"]] = out.get(m["name"], 0) + len(data["dataPoints"])
    return out


def log_bodies(requests: list[dict[str, Any]]) -> list[Any]:
    return [
        next(iter(lr["body"].values())) if lr.get("body") else None
        for r in requests
        for rl in r["resourceLogs"]
        for sl in rl["scopeLogs"]
        for lr in sl["logRecords"]
    ]
