"""End to end: StatsD lines in real UDP datagrams (and a TCP stream) -> a running ``pyotelcol``
(statsd receivers) -> file exporter.

The aggregation interval is an hour, so every line sent lands in one interval, which the receiver
hands on at shutdown. Before stopping, the test waits until the receiver's own counter of lines
has seen them all (UDP gives no other acknowledgment).
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from support import Collector, free_port, run_cli, series, wait_for_port

CONFIG = """
receivers:
  statsd:
    endpoint: 127.0.0.1:{udp}
    aggregation_interval: 1h
  statsd/observers:
    endpoint: 127.0.0.1:{udp2}
    aggregation_interval: 1h
    enable_simple_tags: true
    is_monotonic_counter: true
    counter_type: float
    timer_histogram_mapping:
      - statsd_type: timing
        observer_type: summary
        summary: {{percentiles: [0, 50, 100]}}
      - statsd_type: histogram
        observer_type: histogram
        histogram:
          explicit_buckets:
            - {{matcher_pattern: "^obs\\\\.explicit", buckets: [1, 10, 100]}}
  statsd/tcp:
    endpoint: 127.0.0.1:{tcp}
    transport: tcp
    aggregation_interval: 1h
    enable_metric_type: true
exporters:
  file:
    path: {out}
service:
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus: {{host: 127.0.0.1, port: {metrics}}}
  pipelines:
    metrics: {{receivers: [statsd, statsd/observers, statsd/tcp], exporters: [file]}}
"""

DEFAULT_LINES = [
    "req.count:2|c|#route:/a,code:200",
    "req.count:3|c|@0.5|#code:200,route:/a",  # same series (tag order does not matter): 3 / 0.5 = 6
    "req.count:1.9|c|#route:/b",  # int counters take each line's whole part: 1
    "temp:20|g",
    "temp:+5|g",
    "temp:-2|g",  # deltas add up: 23
    "late:7|c|T1700000000",  # a DogStatsD timestamp (Go reads it for counters only)
    "latency:12|ms",  # timings become one gauge point each by default
    "latency:30|ms",
    "not a statsd line",
    "bad.type:1|x",
    "bad.value:abc|c",
    "bad.tag:1|c|#novalue",
    "nan.value:NaN|g",
]
OBSERVER_LINES = [
    "obs.timing:10|ms",
    "obs.timing:20|ms|@0.5",  # weight 2
    "obs.timing:30|ms",
    "obs.explicit:0.5|h",
    "obs.explicit:5|h",
    "obs.explicit:500|h",
    "obs.expo:4|h",
    "obs.expo:4|h",
    "obs.counter:0.25|c|#simple",
    "obs.counter:0.5|c|#simple",
]
TCP_LINES = ["tcp.count:4|c", "tcp.count:1|c", "tcp.gauge:9|g"]


def wait_lines(metrics_port: int, receiver: str, expected: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as resp:
            text = resp.read().decode()
        seen = sum(series(text, "otelcol_receiver_received_statsd_metrics", receiver=receiver))
        if seen >= expected or time.monotonic() > deadline:
            assert seen == expected, f"{receiver}: {seen} of {expected} lines arrived"
            return
        time.sleep(0.05)


@pytest.fixture(scope="module")
def flushed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Send every line, stop the collector, and return the metrics written, by name, plus the
    receiver's line counts."""
    tmp = tmp_path_factory.mktemp("statsd")
    ports = {"udp": free_port(), "udp2": free_port(), "tcp": free_port(), "metrics": free_port()}
    out = tmp / "out.jsonl"
    config = tmp / "config.yaml"
    config.write_text(CONFIG.format(out=out, **ports))
    col = Collector(config)
    try:
        wait_for_port(ports["tcp"], col.proc)
        wait_for_port(ports["metrics"], col.proc)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            # several lines in one datagram, as clients batch them
            udp.sendto("\n".join(DEFAULT_LINES[:7]).encode(), ("127.0.0.1", ports["udp"]))
            for line in DEFAULT_LINES[7:]:
                udp.sendto(line.encode(), ("127.0.0.1", ports["udp"]))
            for line in OBSERVER_LINES:
                udp.sendto(line.encode(), ("127.0.0.1", ports["udp2"]))
        with socket.create_connection(("127.0.0.1", ports["tcp"]), timeout=10) as tcp:
            tcp.sendall("\n".join(TCP_LINES).encode())  # the last line has no newline (Go would drop it)
        wait_lines(ports["metrics"], "statsd", len(DEFAULT_LINES))
        wait_lines(ports["metrics"], "statsd/observers", len(OBSERVER_LINES))
        wait_lines(ports["metrics"], "statsd/tcp", len(TCP_LINES))
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['metrics']}/metrics", timeout=10) as resp:
            scrape = resp.read().decode()
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    by_name: dict[str, list[dict[str, Any]]] = {}
    for line in out.read_text().splitlines():
        for rm in json.loads(line)["resourceMetrics"]:
            assert rm["resource"] == {}  # Go leaves the resource empty
            for sm in rm["scopeMetrics"]:
                assert sm["scope"]["name"].endswith("/receiver/statsdreceiver")
                for metric in sm["metrics"]:
                    by_name.setdefault(metric["name"], []).append(metric)
    return {"metrics": by_name, "scrape": scrape}


def attrs(point: dict[str, Any]) -> dict[str, str]:
    return {a["key"]: a["value"]["stringValue"] for a in point.get("attributes", [])}


def test_counters_gauges_and_timer_gauges(flushed: dict[str, Any]) -> None:
    metrics = flushed["metrics"]
    counts = metrics["req.count"]  # Go gives every series a metric (and scope) of its own
    assert len(counts) == 2
    assert {c["sum"]["aggregationTemporality"] for c in counts} == {1}  # delta (OTLP JSON writes enums as numbers)
    assert not any(c["sum"].get("isMonotonic", False) for c in counts)  # Go's default
    points = {tuple(sorted(attrs(p).items())): p for c in counts for p in c["sum"]["dataPoints"]}
    assert points[(("code", "200"), ("route", "/a"))]["asInt"] == "8"
    assert points[(("route", "/b"),)]["asInt"] == "1"
    assert [a["key"] for a in points[(("code", "200"), ("route", "/a"))]["attributes"]] == ["code", "route"]
    assert all(p["startTimeUnixNano"] != "0" for p in points.values())
    [temp] = metrics["temp"]
    assert temp["gauge"]["dataPoints"][0]["asDouble"] == 23
    [late] = metrics["late"]
    assert late["sum"]["dataPoints"][0]["timeUnixNano"] == str(1_700_000_000 * 10**9)
    assert sorted(p["gauge"]["dataPoints"][0]["asDouble"] for p in metrics["latency"]) == [12, 30]
    for refused in ("bad.type", "bad.value", "bad.tag", "nan.value"):
        assert refused not in metrics


def test_summary_and_histograms(flushed: dict[str, Any]) -> None:
    metrics = flushed["metrics"]
    [summary] = metrics["obs.timing"]
    [point] = summary["summary"]["dataPoints"]
    assert point["count"] == "4"  # 1 + 2 + 1 (the 0.5 sample rate weighs 2)
    assert point["sum"] == 10 + 40 + 30
    assert [(q.get("quantile", 0), q["value"]) for q in point["quantileValues"]] == [(0, 10), (0.5, 20), (1, 30)]
    [explicit] = metrics["obs.explicit"]
    [hp] = explicit["histogram"]["dataPoints"]
    assert hp["explicitBounds"] == [1, 10, 100]
    assert hp["bucketCounts"] == ["1", "1", "0", "1"]
    assert (hp["count"], hp["min"], hp["max"]) == ("3", 0.5, 500)
    [expo] = metrics["obs.expo"]
    [ep] = expo["exponentialHistogram"]["dataPoints"]
    assert (ep["count"], ep["sum"], ep["min"], ep["max"]) == ("2", 8, 4, 4)
    assert sum(int(c) for c in ep["positive"]["bucketCounts"]) == 2
    [counter] = metrics["obs.counter"]
    assert counter["sum"]["isMonotonic"] is True
    [cp] = counter["sum"]["dataPoints"]
    assert cp["asDouble"] == 0.75 and attrs(cp) == {"simple": ""}


def test_tcp_and_metric_type(flushed: dict[str, Any]) -> None:
    metrics = flushed["metrics"]
    [count] = metrics["tcp.count"]
    [point] = count["sum"]["dataPoints"]
    assert point["asInt"] == "5" and attrs(point) == {"metric_type": "counter"}
    [gauge] = metrics["tcp.gauge"]
    assert attrs(gauge["gauge"]["dataPoints"][0]) == {"metric_type": "gauge"}


def test_malformed_lines_are_counted(flushed: dict[str, Any]) -> None:
    scrape = flushed["scrape"]
    bad = series(scrape, "otelcol_receiver_received_statsd_metrics", receiver="statsd", parse_success="false")
    assert bad == [5]
    accepted = series(scrape, "otelcol_receiver_accepted_metric_points", receiver="statsd")
    assert accepted == []  # nothing flushed before shutdown: the interval is an hour


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("aggregation_interval: 0s", "aggregation_interval must be a positive duration"),
        ("counter_type: big", "invalid counter_type: big, must be one of: int, float, stochastic_int"),
        (
            "timer_histogram_mapping: [{statsd_type: counter, observer_type: gauge}]",
            "statsd_type is not a supported mapping for histogram and timing metrics: counter",
        ),
        (
            "timer_histogram_mapping: [{statsd_type: timer, observer_type: gauge, summary: {percentiles: [101]}}]",
            "summary percentiles out of [0, 100] range: 101; summary configuration requires observer_type: summary",
        ),
        ("timer_histogram_mapping: [{statsd_type: timer}]", "must specify object id for all TimerHistogramMappings"),
        (
            "timer_histogram_mapping: [{statsd_type: histogram, observer_type: histogram, "
            "histogram: {explicit_buckets: [{matcher_pattern: '(', buckets: [2, 1]}]}}]",
            "explicit bucket [0] matcher_pattern is not a valid regular expression",
        ),
        ("unknown_key: 1", "unknown_key"),
    ],
)
def test_config_errors_at_validate(tmp_path: Path, extra: str, message: str) -> None:
    config = tmp_path / "statsd.yaml"
    config.write_text(
        "receivers:\n  statsd:\n    " + extra + "\nexporters:\n  debug: {}\n"
        "service:\n  pipelines:\n    metrics: {receivers: [statsd], exporters: [debug]}\n"
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
