"""A real Prometheus server for the exporter tests (the ``prometheus`` binary from the distribution's
package). Both exporters' test folders load it by path (their conftest.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from support import free_port, wait_for_port

PROMETHEUS = shutil.which("prometheus")


class PrometheusServer:
    """``prometheus`` on a free loopback port with its own TSDB directory. ``scrape`` targets are
    scraped every second with ``honor_labels`` (the exporter's ``job``/``instance`` win);
    ``remote_write_receiver`` turns on ``/api/v1/write`` (and native histograms);
    ``native_histograms`` alone makes Prometheus scrape the protobuf format."""

    def __init__(
        self,
        workdir: Path,
        scrape: tuple[str, ...] = (),
        remote_write_receiver: bool = False,
        port: int = 0,
        native_histograms: bool = False,
    ) -> None:
        assert PROMETHEUS is not None
        workdir.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"}}
        if scrape:
            config["scrape_configs"] = [
                {"job_name": "pyotelcol", "honor_labels": True, "static_configs": [{"targets": list(scrape)}]}
            ]
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.port = port or free_port()
        args = [
            PROMETHEUS,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
        ]
        if remote_write_receiver:
            args.append("--web.enable-remote-write-receiver")
        if remote_write_receiver or native_histograms:
            args.append("--enable-feature=native-histograms")
        self.log = (workdir / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=30)
        self._wait_ready()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("prometheus did not become ready")

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}{path}?{query}", timeout=10) as resp:
            body = json.loads(resp.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant-vector result of ``expr``: ``[{"metric": {...}, "value": [t, "v"]}, ...]``."""
        result: list[dict[str, Any]] = self.api("/api/v1/query", query=expr)["result"]
        return result

    def wait_for(self, expr: str, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
        """Poll until ``expr`` returns at least ``count`` series."""
        deadline = time.monotonic() + timeout
        result: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            result = self.query(expr)
            if len(result) >= count:
                return result
            time.sleep(0.25)
        raise AssertionError(f"{expr!r} returned {result} within {timeout}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
