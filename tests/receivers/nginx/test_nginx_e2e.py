"""A real collector scrapes a real nginx (started here on a free port with a ``stub_status``
location; skipped when the binary is absent) and writes the metrics with the ``file`` exporter:
Go's four metrics with their types and the server's values, metrics turned off, configured
headers, and the errors of a 404, of a 403 (a required header missing), of a page that is not
stub_status and of a server that is not there."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.receivers.nginx.stubstatus import parse_stub_status
from support import Collector, free_port, wait_for_port

SCOPE = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/nginxreceiver"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
CLIENT_REQUESTS = 5

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


@dataclass
class Run:
    batches: list[dict[str, Any]]
    stderr: str
    stats_after: str  # the stub_status page fetched once the collector had stopped
    refused_port: int

    def metrics_batches(self) -> list[dict[str, dict[str, Any]]]:
        """Each exported batch's metrics by name."""
        out = []
        for batch in self.batches:
            for rm in batch["resourceMetrics"]:
                assert rm.get("resource", {}).get("attributes", []) == []
                for sm in rm["scopeMetrics"]:
                    assert sm["scope"]["name"] == SCOPE
                    out.append({m["name"]: m for m in sm["metrics"]})
        return out


def _nginx_conf(tmp: Path, port: int) -> Path:
    conf = tmp / "nginx.conf"
    temp_paths = "\n".join(
        f"  {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        f"""
daemon off;
master_process off;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"};
events {{ worker_connections 64; }}
http {{
  access_log off;
{temp_paths}
  server {{
    listen 127.0.0.1:{port};
    location = /status {{ stub_status; }}
    location = /hello {{ return 200 "hello\\n"; }}
    location = /token_status {{
      if ($http_x_token != "s3cret") {{ return 403; }}
      stub_status;
    }}
  }}
}}
"""
    )
    return conf


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("nginx")
    port, refused_port = free_port(), free_port()
    assert NGINX is not None
    server = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(_nginx_conf(tmp, port))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        for _ in range(CLIENT_REQUESTS):
            _get(f"http://127.0.0.1:{port}/hello")
        out = tmp / "metrics.json"
        config = tmp / "config.yaml"
        config.write_text(
            f"""
receivers:
  nginx:
    endpoint: http://127.0.0.1:{port}/status
    collection_interval: 1s
    initial_delay: 0s
  nginx/no_handled:
    endpoint: http://127.0.0.1:{port}/status
    collection_interval: 1s
    initial_delay: 0s
    metrics:
      nginx.connections_handled: {{enabled: false}}
      nginx.connections_accepted: {{enabled: false}}
      nginx.connections_current: {{enabled: false}}
  nginx/with_header:
    endpoint: http://127.0.0.1:{port}/token_status
    headers: {{X-Token: s3cret}}
    collection_interval: 1s
    initial_delay: 0s
    metrics:
      nginx.requests: {{enabled: false}}
      nginx.connections_handled: {{enabled: false}}
      nginx.connections_current: {{enabled: false}}
  nginx/without_header:
    endpoint: http://127.0.0.1:{port}/token_status
    collection_interval: 1s
    initial_delay: 0s
  nginx/not_found:
    endpoint: http://127.0.0.1:{port}/missing
    collection_interval: 1s
    initial_delay: 0s
  nginx/not_stub_status:
    endpoint: http://127.0.0.1:{port}/hello
    collection_interval: 1s
    initial_delay: 0s
  nginx/down:
    endpoint: http://127.0.0.1:{refused_port}/status
    collection_interval: 1s
    initial_delay: 0s
exporters:
  file: {{path: {out}}}
service:
  pipelines:
    metrics:
      receivers:
        - nginx
        - nginx/no_handled
        - nginx/with_header
        - nginx/without_header
        - nginx/not_found
        - nginx/not_stub_status
        - nginx/down
      exporters: [file]
"""
        )
        collector = Collector(config)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and collector.proc.poll() is None:
                if out.exists() and len(out.read_text().splitlines()) >= 7:  # two rounds of the 3 good receivers
                    break
                time.sleep(0.3)
        finally:
            code, _, stderr = collector.stop()
        assert code == 0, stderr
        stats_after = _get(f"http://127.0.0.1:{port}/status")
        batches = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        yield Run(batches, stderr, stats_after, refused_port)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _points(metric: dict[str, Any]) -> list[tuple[dict[str, str], int, dict[str, Any]]]:
    out = []
    for p in metric["sum"]["dataPoints"]:
        attrs = {kv["key"]: kv["value"]["stringValue"] for kv in p.get("attributes", [])}
        out.append((attrs, int(p["asInt"]), p))
    return out


def _full(run: Run) -> list[dict[str, dict[str, Any]]]:
    return [m for m in run.metrics_batches() if len(m) == 4]


def test_go_metrics_with_their_types(run: Run) -> None:
    full = _full(run)
    assert full, run.stderr
    metrics = full[-1]
    assert list(metrics) == [
        "nginx.connections_accepted",
        "nginx.connections_current",
        "nginx.connections_handled",
        "nginx.requests",
    ]
    for name, unit, monotonic in (
        ("nginx.connections_accepted", "connections", True),
        ("nginx.connections_current", "connections", False),
        ("nginx.connections_handled", "connections", True),
        ("nginx.requests", "requests", True),
    ):
        assert metrics[name]["unit"] == unit
        assert metrics[name]["sum"]["aggregationTemporality"] == 2
        assert metrics[name]["sum"].get("isMonotonic", False) is monotonic
    states = [attrs["state"] for attrs, _, _ in _points(metrics["nginx.connections_current"])]
    assert states == ["active", "reading", "writing", "waiting"]


def test_values_follow_the_server(run: Run) -> None:
    full = _full(run)
    requests = [_points(m["nginx.requests"])[0][1] for m in full]
    after = parse_stub_status(run.stats_after)
    # our client requests came first; each scrape is one more request; the page read after the
    # collector stopped counts every one of them
    assert requests[0] > CLIENT_REQUESTS and requests == sorted(requests) and requests[-1] < after.requests
    last = full[-1]
    accepted = _points(last["nginx.connections_accepted"])[0][1]
    handled = _points(last["nginx.connections_handled"])[0][1]
    assert accepted == handled and 1 <= accepted <= after.accepted
    current = {attrs["state"]: value for attrs, value, _ in _points(last["nginx.connections_current"])}
    # the scrape itself is an active connection nginx is writing the page to
    assert current["active"] >= 1 and current["writing"] >= 1
    # cumulative sums start at the receiver's start, the same for every round
    starts = {p["startTimeUnixNano"] for m in full for _, _, p in _points(m["nginx.requests"])}
    assert len(starts) == 1 and int(starts.pop()) <= int(_points(last["nginx.requests"])[0][2]["timeUnixNano"])


def test_disabled_metrics_are_not_emitted(run: Run) -> None:
    only_requests = [m for m in run.metrics_batches() if list(m) == ["nginx.requests"]]
    assert only_requests, run.stderr


def test_configured_headers_are_sent(run: Run) -> None:
    # the location answers 403 unless X-Token is right: only the receiver that sends it gets data
    with_header = [m for m in run.metrics_batches() if list(m) == ["nginx.connections_accepted"]]
    assert with_header and _points(with_header[-1]["nginx.connections_accepted"])[0][1] >= 1


def _scrape_errors(stderr: str) -> dict[str, set[str]]:
    """The ``error`` field of each ``Error scraping metrics`` line, by receiver id."""
    found: dict[str, set[str]] = {}
    for line in stderr.splitlines():
        if "Error scraping metrics" in line:
            fields = json.loads(line.rsplit("\t", 1)[1])
            found.setdefault(fields["otelcol.component.id"], set()).add(fields["error"])
    return found


def test_failures_are_logged_with_go_wording(run: Run) -> None:
    down = f"http://127.0.0.1:{run.refused_port}/status"
    assert _scrape_errors(run.stderr) == {
        "nginx/without_header": {"expected 200 response, got 403"},
        "nginx/not_found": {"expected 200 response, got 404"},
        "nginx/not_stub_status": {'failed to parse response body "hello\\n": invalid input "hello\\n"'},
        "nginx/down": {
            f'failed to get {down}: Get "{down}": dial tcp 127.0.0.1:{run.refused_port}: connect: connection refused'
        },
    }
