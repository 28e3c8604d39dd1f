"""The Helm chart's ``hostMetrics`` preset (tests/fixtures/helm/hostmetrics-preset.yaml) validates
and runs: the ``hostmetrics`` alias, the filesystem filters and ``root_path: /hostfs``.

The chart mounts the host's / at /hostfs; here /hostfs does not exist, and the only change is
``--set receivers.hostmetrics.root_path=<a symlink to />``. The chart binds its other receivers
to ``${env:MY_POD_IP}`` on fixed ports: the test gives it a loopback address of its own.
"""

from __future__ import annotations

import os
import socket
import time
import urllib.request
from pathlib import Path

import pytest
from support import REPO, Collector, run_cli, series

CONFIG = REPO / "tests" / "fixtures" / "helm" / "hostmetrics-preset.yaml"
ENV = {"OTEL_K8S_NODE_NAME": "node-1", "OTEL_K8S_NAMESPACE": "observability", "OTEL_K8S_NODE_IP": "10.0.0.7"}


def _counter(text: str, name: str, **labels: str) -> list[float]:
    """A counter's samples, with or without the ``_total`` suffix the exposition may add."""
    return series(text, name, **labels) + series(text, name + "_total", **labels)


def _pod_ip() -> str:
    for last in range(140, 180):
        ip = f"127.0.0.{last}"
        try:
            for port in (4317, 4318, 8888, 9411, 13133, 14250, 14268):
                with socket.socket() as sock:
                    sock.bind((ip, port))
        except OSError:
            continue
        return ip
    pytest.skip("no loopback address with the chart's ports free")


@pytest.fixture()
def hostfs(tmp_path: Path) -> Path:
    link = tmp_path / "hostfs"
    link.symlink_to("/")
    return link


def test_preset_validates_as_go_does(hostfs: Path) -> None:
    env = {**ENV, "MY_POD_IP": "127.0.0.1"}
    result = run_cli("validate", "--config", str(CONFIG), env=env)
    if not os.path.exists("/hostfs"):
        assert result.returncode == 1
        assert "receivers::hostmetrics: invalid root_path: stat /hostfs: no such file or directory" in result.stderr
    result = run_cli("validate", "--config", str(CONFIG), f"--set=receivers.hostmetrics.root_path={hostfs}", env=env)
    assert result.returncode == 0, result.stderr


def test_preset_runs_and_scrapes_the_host(hostfs: Path) -> None:
    ip = _pod_ip()
    collector = Collector(
        CONFIG, env={**ENV, "MY_POD_IP": ip}, args=(f"--set=receivers.hostmetrics.root_path={hostfs}",)
    )
    scraped: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and len(scraped) < 6:
            assert collector.proc.poll() is None, collector.stop()[2]
            try:
                with urllib.request.urlopen(f"http://{ip}:8888/metrics", timeout=2) as resp:
                    text = resp.read().decode()
            except OSError:
                time.sleep(0.3)
                continue
            for scraper in ("cpu", "load", "memory", "disk", "filesystem", "network"):
                values = _counter(
                    text, "otelcol_scraper_scraped_metric_points", receiver="hostmetrics", scraper=scraper
                )
                if values and values[0] > 0:
                    scraped[scraper] = values[0]
            accepted = _counter(text, "otelcol_receiver_accepted_metric_points", receiver="hostmetrics")
            time.sleep(0.3)
        assert set(scraped) == {"cpu", "load", "memory", "disk", "filesystem", "network"}, scraped
        assert accepted and accepted[0] > 0
        errored = _counter(text, "otelcol_scraper_errored_metric_points", receiver="hostmetrics")
        assert sum(errored) == 0
    finally:
        code, _, err = collector.stop()
    assert code == 0, err
    assert "Error scraping metrics" not in err
