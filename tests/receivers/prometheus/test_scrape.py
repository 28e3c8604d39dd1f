"""The prometheus receiver end to end: the real ``pyotelcol`` CLI scrapes real endpoints (its own
telemetry endpoint, node_exporter, a small HTTP server under the test's control) into the
``file`` exporter, and the OTLP/JSON it writes is checked."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from support import Collector, free_port, wait_for_port

Request = dict[str, Any]
NO_RECORDED = 1
SYNTHETIC = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
}


def requests(path: Path) -> list[Request]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:  # a line still being written
            break
    return out


def wait_for(path: Path, ok: Callable[[list[Request]], bool], col: Collector, timeout: float = 30) -> list[Request]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reqs = requests(path)
        if ok(reqs):
            return reqs
        if col.proc.poll() is not None:
            raise AssertionError(f"collector exited: {col.stop()[2]}")
        time.sleep(0.2)
    raise AssertionError(f"condition not met in {timeout}s; got {len(requests(path))} requests")


def resource_metrics(reqs: list[Request]) -> Iterator[Request]:
    for req in reqs:
        yield from req["resourceMetrics"]


def res_attrs(rm: Request) -> dict[str, Any]:
    return {a["key"]: next(iter(a["value"].values())) for a in rm["resource"]["attributes"]}


def metrics(rm: Request) -> dict[str, Request]:
    return {m["name"]: m for sm in rm["scopeMetrics"] for m in sm["metrics"]}


def points(m: Request) -> list[Request]:
    kind = next(k for k in ("sum", "gauge", "histogram", "summary") if k in m)
    return list(m[kind]["dataPoints"])


def attrs(p: Request) -> dict[str, str]:
    return {a["key"]: a["value"]["stringValue"] for a in p.get("attributes", [])}


def job_rms(reqs: list[Request], job: str) -> list[Request]:
    return [rm for rm in resource_metrics(reqs) if res_attrs(rm).get("service.name") == job]


def config(out: Path, jobs: str, extra: str = "", metrics_port: int | None = None) -> str:
    telemetry = (
        f"readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics_port}}}}}}}}}]"
        if metrics_port
        else "level: none"
    )
    return f"""
receivers:
  prometheus:
{extra}
    config:
      scrape_configs:
{jobs}
exporters:
  file: {{path: {out}, flush_interval: 100ms}}
service:
  telemetry:
    metrics: {{{telemetry}}}
  pipelines:
    metrics: {{receivers: [prometheus], exporters: [file]}}
"""


def test_scrapes_the_collectors_own_metrics(collector_factory: Any, tmp_path: Path) -> None:
    """The Helm chart's default: the prometheus receiver scrapes the collector's :8888."""
    port = free_port()
    out = tmp_path / "out.json"
    jobs = f"""        - job_name: opentelemetry-collector
          scrape_interval: 1s
          static_configs: [{{targets: ["127.0.0.1:{port}"], labels: {{tier: self}}}}]"""
    col = collector_factory(config(out, jobs, metrics_port=port), wait_ports=(port,))

    def accepted_points(rm: Request) -> float:
        m = metrics(rm).get("otelcol_receiver_accepted_metric_points_total")
        return 0.0 if m is None else float(points(m)[0].get("asDouble", 0))

    def has_accepted(reqs: list[Request]) -> bool:
        return any(accepted_points(rm) > 0 for rm in resource_metrics(reqs))

    reqs = wait_for(out, has_accepted, col)
    rm = next(rm for rm in resource_metrics(reqs) if accepted_points(rm) > 0)
    assert res_attrs(rm) == {
        "service.name": "opentelemetry-collector",
        "service.instance.id": f"127.0.0.1:{port}",
        "server.port": str(port),  # no server.address: a loopback host is not discernible (as Go)
        "url.scheme": "http",
        "tier": "self",
        # target_info's labels (the collector's own resource) become resource attributes
        **{k: v for k, v in res_attrs(rm).items() if k.startswith("service_")},
    }
    assert res_attrs(rm)["service_name"] == "pyotelcol"
    ms = metrics(rm)
    accepted = ms["otelcol_receiver_accepted_metric_points_total"]
    assert accepted["sum"]["isMonotonic"] is True
    assert accepted["sum"]["aggregationTemporality"] == 2  # cumulative
    (p,) = points(accepted)
    assert attrs(p) == {"receiver": "prometheus", "transport": "http", "format": "prometheus", "tier": "self"}
    assert p["asDouble"] > 0  # the receiver's earlier pushes, counted by the collector itself
    uptime = next(m for name, m in ms.items() if name.startswith("otelcol_process_uptime"))
    assert "sum" in uptime
    assert "gauge" in ms["otelcol_process_memory_rss"]
    assert [pt["asDouble"] for pt in points(ms["up"])] == [1]
    assert attrs(points(ms["up"])[0]) == {"tier": "self"}  # job and instance are on the resource
    assert set(ms) >= SYNTHETIC
    assert "target_info" not in ms
    sm = rm["scopeMetrics"][0]["scope"]
    assert sm["name"] == "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver"
    col.stop()


def test_a_target_that_is_down_gives_up_0_and_a_warning(collector_factory: Any, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    dead = free_port()  # nothing listens there
    jobs = f"""        - job_name: dead
          scrape_interval: 1s
          static_configs: [{{targets: ["127.0.0.1:{dead}"]}}]"""
    col = collector_factory(config(out, jobs))
    reqs = wait_for(out, lambda r: len(job_rms(r, "dead")) >= 2, col)
    for rm in job_rms(reqs, "dead"):
        ms = metrics(rm)
        assert set(ms) == SYNTHETIC
        assert points(ms["up"])[0]["asDouble"] == 0
        assert points(ms["scrape_samples_scraped"])[0]["asDouble"] == 0
    assert col.proc.poll() is None  # still running
    code, _, err = col.stop()
    assert code == 0
    warnings = [line for line in err.splitlines() if "Failed to scrape Prometheus endpoint" in line]
    assert warnings and "warn" in warnings[0]
    assert f'instance=\\"127.0.0.1:{dead}\\"' in warnings[0]


class Exposition:
    """An HTTP endpoint whose body the test changes between scrapes; it records requests."""

    def __init__(self) -> None:
        self.body = ""
        self.content_type = "text/plain; version=0.0.4; charset=utf-8"
        self.seen: list[tuple[str, dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.seen.append((self.path, dict(self.headers)))
                data = owner.body.encode()
                gz = "gzip" in self.headers.get("Accept-Encoding", "")
                if gz:
                    data = gzip.compress(data)
                self.send_response(200)
                self.send_header("Content-Type", owner.content_type)
                if gz:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def exposition() -> Iterator[Exposition]:
    server = Exposition()
    yield server
    server.close()


def test_request_relabeling_honor_labels_and_staleness(
    collector_factory: Any, tmp_path: Path, exposition: Exposition
) -> None:
    exposition.body = (
        "# TYPE jobs_total counter\n"
        'jobs_total{queue="a",job="scraped",env="x"} 3\n'
        'jobs_total{queue="b"} 4\n'
        "# TYPE dropped_metric gauge\n"
        "dropped_metric 1\n"
        "# TYPE temp gauge\n"
        "temp 21.5\n"
    )
    out = tmp_path / "out.json"
    jobs = f"""        - job_name: app
          scrape_interval: 1s
          metrics_path: /custom
          params: {{module: [m1]}}
          basic_auth: {{username: user, password: secret}}
          static_configs: [{{targets: ["127.0.0.1:{exposition.port}"], labels: {{env: prod}}}}]
          relabel_configs:
            - {{source_labels: [__address__], regex: "(.*):(.*)", target_label: port, replacement: "p$$2"}}
          metric_relabel_configs:
            - {{source_labels: [__name__], regex: dropped_.*, action: drop}}
            - {{source_labels: [queue], regex: "(.)", target_label: q, replacement: "Q$${{1}}"}}"""
    col = collector_factory(config(out, jobs))
    first = wait_for(out, lambda r: len(job_rms(r, "app")) >= 1, col)
    rm = job_rms(first, "app")[0]
    ms = metrics(rm)
    assert "dropped_metric" not in ms
    counters = {attrs(p)["queue"]: attrs(p) for p in points(ms["jobs_total"])}
    port_label = f"p{exposition.port}"
    # job is a target label: the scraped one is kept as exported_job; env likewise (honor_labels false)
    assert counters["a"] == {
        "queue": "a",
        "exported_job": "scraped",
        "exported_env": "x",
        "env": "prod",
        "port": port_label,
        "q": "Qa",
    }
    assert counters["b"] == {"queue": "b", "env": "prod", "port": port_label, "q": "Qb"}
    assert points(ms["scrape_samples_scraped"])[0]["asDouble"] == 4
    assert points(ms["scrape_samples_post_metric_relabeling"])[0]["asDouble"] == 3
    assert points(ms["scrape_series_added"])[0]["asDouble"] == 3

    path, headers = exposition.seen[0]
    assert path == "/custom?module=m1"
    assert headers["Authorization"] == "Basic dXNlcjpzZWNyZXQ="
    assert headers["Accept"].startswith("application/openmetrics-text;version=1.0.0;q=0.5,")
    assert headers["Accept"].endswith("*/*;q=0.1")
    assert "gzip" in headers["Accept-Encoding"]
    assert headers["X-Prometheus-Scrape-Timeout-Seconds"] == "1"

    # "temp" disappears: the next scrape reports it stale (no recorded value), as Prometheus does.
    exposition.body = exposition.body.replace("# TYPE temp gauge\ntemp 21.5\n", "")
    seen = len(job_rms(first, "app"))

    def stale_temp(reqs: list[Request]) -> bool:
        return any(
            "temp" in metrics(rm) and points(metrics(rm)["temp"])[0].get("flags") == NO_RECORDED
            for rm in job_rms(reqs, "app")[seen:]
        )

    reqs = wait_for(out, stale_temp, col)
    later = next(rm for rm in job_rms(reqs, "app")[seen:] if "temp" in metrics(rm))
    assert "asDouble" not in points(metrics(later)["temp"])[0]
    col.stop()


def test_honor_labels_openmetrics_and_trim_suffixes(
    collector_factory: Any, tmp_path: Path, exposition: Exposition
) -> None:
    exposition.content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"
    exposition.body = (
        "# TYPE req_seconds histogram\n"
        "# UNIT req_seconds seconds\n"
        'req_seconds_bucket{le="0.5",job="mine"} 1\n'
        'req_seconds_bucket{le="+Inf",job="mine"} 3\n'
        'req_seconds_sum{job="mine"} 2.5\n'
        'req_seconds_count{job="mine"} 3\n'
        'req_seconds_created{job="mine"} 1700000000\n'
        "# EOF\n"
    )
    out = tmp_path / "out.json"
    jobs = f"""        - job_name: om
          scrape_interval: 1s
          honor_labels: true
          static_configs: [{{targets: ["127.0.0.1:{exposition.port}"]}}]"""
    col = collector_factory(config(out, jobs, extra="    trim_metric_suffixes: true"))
    # honor_labels: the exposed job wins, so the resource is named after it
    reqs = wait_for(out, lambda r: len(job_rms(r, "mine")) >= 1, col)
    ms = metrics(job_rms(reqs, "mine")[0])
    hist = ms["req"]  # "_seconds" trimmed as the unit
    assert hist["unit"] == "seconds"
    (p,) = points(hist)
    assert p["bucketCounts"] == ["1", "2"] and p["explicitBounds"] == [0.5]
    assert p["count"] == "3" and p["sum"] == 2.5
    assert p["startTimeUnixNano"] == str(1_700_000_000 * 10**9)
    col.stop()


def test_sample_limit_fails_the_scrape(collector_factory: Any, tmp_path: Path, exposition: Exposition) -> None:
    exposition.body = "a 1\nb 2\nc 3\n"
    out = tmp_path / "out.json"
    jobs = f"""        - job_name: limited
          scrape_interval: 1s
          sample_limit: 2
          static_configs: [{{targets: ["127.0.0.1:{exposition.port}"]}}]"""
    col = collector_factory(config(out, jobs))
    reqs = wait_for(out, lambda r: len(job_rms(r, "limited")) >= 1, col)
    ms = metrics(job_rms(reqs, "limited")[0])
    assert set(ms) == SYNTHETIC  # none of the samples are kept
    assert points(ms["up"])[0]["asDouble"] == 0
    assert points(ms["scrape_samples_scraped"])[0]["asDouble"] == 3
    _, _, err = col.stop()
    assert "sample limit exceeded" in err


def test_scrape_on_shutdown(collector_factory: Any, tmp_path: Path, exposition: Exposition) -> None:
    exposition.body = "last_words 42\n"
    out = tmp_path / "out.json"
    jobs = f"""        - job_name: final
          scrape_interval: 1h
          static_configs: [{{targets: ["127.0.0.1:{exposition.port}"]}}]"""
    # the initial offset keeps the regular loop from ever scraping: only the final scrape can
    extra = "    scrape_on_shutdown: true\n    initial_scrape_offset: 1h"
    health = free_port()
    text = config(out, jobs, extra=extra).replace("service:\n", "service:\n  extensions: [health_check]\n")
    text += f"extensions:\n  health_check: {{endpoint: 127.0.0.1:{health}}}\n"
    col = collector_factory(text, wait_ports=(health,))  # up and handling signals
    wait_for(out, lambda r: True, col, timeout=1)
    assert exposition.seen == []
    code, _, err = col.stop()
    assert code == 0, err
    (rm,) = job_rms(requests(out), "final")
    assert points(metrics(rm)["last_words"])[0]["asDouble"] == 42


NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")


@pytest.mark.skipif(
    NODE_EXPORTER is None, reason="prometheus-node-exporter is not installed (apt-get install prometheus-node-exporter)"
)
def test_scrapes_node_exporter(collector_factory: Any, tmp_path: Path) -> None:
    assert NODE_EXPORTER is not None
    port = free_port()
    exporter = subprocess.Popen(
        [
            NODE_EXPORTER,
            f"--web.listen-address=127.0.0.1:{port}",
            "--collector.disable-defaults",
            "--collector.cpu",
            "--collector.meminfo",
            "--collector.loadavg",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        out = tmp_path / "out.json"
        jobs = f"""        - job_name: node
          scrape_interval: 1s
          static_configs: [{{targets: ["127.0.0.1:{port}"]}}]"""
        col = collector_factory(config(out, jobs))
        reqs = wait_for(out, lambda r: len(job_rms(r, "node")) >= 1, col)
        ms = metrics(job_rms(reqs, "node")[0])
        assert points(ms["up"])[0]["asDouble"] == 1
        cpu = ms["node_cpu_seconds_total"]
        assert cpu["sum"]["isMonotonic"] is True
        assert {"cpu", "mode"} <= set(attrs(points(cpu)[0]))
        assert "gauge" in ms["node_memory_MemTotal_bytes"]
        assert points(ms["node_memory_MemTotal_bytes"])[0]["asDouble"] > 0
        gc = ms["go_gc_duration_seconds"]
        assert [q.get("quantile", 0) for q in points(gc)[0]["quantileValues"]] == [0, 0.25, 0.5, 0.75, 1]
        assert points(ms["scrape_samples_scraped"])[0]["asDouble"] > 50
        col.stop()
    finally:
        exporter.terminate()
        exporter.wait(10)
