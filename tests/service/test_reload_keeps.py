"""What a reload keeps, through a real ``pyotelcol``: an unchanged receiver's listening socket and
open connections; a bad config changes nothing (and is reported as ``validate`` reports it);
``--watch-config`` reloads on a change of the file.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import free_port, run_cli, stop_logged, wait_for_port

CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
processors:
  attributes/tag:
    actions: [{{key: version, value: "{version}", action: upsert}}]
exporters:
  file: {{path: "{out}", flush_interval: 50ms}}
service:
  telemetry: {{metrics: {{level: none}}, logs: {{sampling: {{enabled: false}}}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [{processors}], exporters: [file]}}
"""


def span_body(name: str) -> bytes:
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": name, "kind": 1}
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()


def post(conn: http.client.HTTPConnection, name: str) -> None:
    conn.request("POST", "/v1/traces", body=span_body(name), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    assert response.status == 200


def listening_inode(pid: int, port: int) -> str:
    """The inode of the socket listening on 127.0.0.1:``port`` in process ``pid``."""
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if local == f"0100007F:{port:04X}" and state == "0A":
            return inode
    raise AssertionError(f"nothing listens on port {port}")


def wait_for_text(path: Path, text: str, count: int = 1, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if content.count(text) >= count:
            return content
        time.sleep(0.05)
    raise AssertionError(f"{text!r} (x{count}) not in {path}:\n{path.read_text() if path.exists() else ''}")


def versions(out: Path) -> list[str]:
    found = []
    for line in out.read_text().splitlines():
        for rs in json.loads(line)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for span in ss["spans"]:
                    tags = {kv["key"]: kv["value"]["stringValue"] for kv in span.get("attributes", [])}
                    found.append(f"{span['name']}:{tags.get('version', '-')}")
    return found


class Running:
    def __init__(self, tmp_path: Path, args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.out = tmp_path / "out.json"
        self.config = tmp_path / "config.yaml"
        self.log = tmp_path / "collector.log"
        self.write(version="v1", processors="")
        with self.log.open("w") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pyotelcol", "--config", str(self.config), *args],
                stdout=subprocess.DEVNULL,
                stderr=log_file,
                env=dict(os.environ),
            )
        wait_for_port(self.port, self.proc)

    def write(self, version: str, processors: str, extra: str = "") -> None:
        text = CONFIG.format(port=self.port, out=self.out, version=version, processors=processors) + extra
        self.config.write_text(text)

    def stop(self) -> str:
        return stop_logged(self.proc, self.log, timeout=30)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    col = Running(tmp_path)
    try:
        yield col
    finally:
        if col.proc.poll() is None:
            col.proc.kill()
            col.proc.wait()


def test_an_unchanged_receiver_keeps_its_socket_and_connections(running: Running) -> None:
    inode = listening_inode(running.proc.pid, running.port)
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
    post(conn, "before")
    client_end = conn.sock.getsockname()

    running.write(version="v2", processors="attributes/tag")  # a processor added
    running.proc.send_signal(signal.SIGHUP)
    wait_for_text(running.log, "Everything is ready", count=2)
    post(conn, "after")  # the same keep-alive connection: the server side was not closed
    assert conn.sock.getsockname() == client_end
    assert listening_inode(running.proc.pid, running.port) == inode

    running.write(version="v3", processors="attributes/tag")  # that processor's config changed
    running.proc.send_signal(signal.SIGHUP)
    wait_for_text(running.log, "Everything is ready", count=3)
    post(conn, "changed")
    assert conn.sock.getsockname() == client_end
    conn.close()
    text = running.stop()
    assert text.count("Starting HTTP server") == 1, text
    assert versions(running.out) == ["before:-", "after:v2", "changed:v3"]


def test_a_bad_config_changes_nothing_and_is_reported_as_validate_does(running: Running, tmp_path: Path) -> None:
    inode = listening_inode(running.proc.pid, running.port)
    # Decodes, but the graph cannot be built: the exporter is a connector nobody receives from.
    bad = CONFIG.format(port=running.port, out=running.out, version="bad", processors="attributes/tag")
    bad = bad.replace("exporters: [file]", "exporters: [file, forward]") + "connectors:\n  forward: {}\n"
    running.config.write_text(bad)
    running.proc.send_signal(signal.SIGHUP)
    wait_for_text(running.log, "Config reload failed")
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
    post(conn, "after-bad")
    conn.close()
    assert listening_inode(running.proc.pid, running.port) == inode
    text = running.stop()
    assert versions(running.out) == ["after-bad:-"]  # the processor of the bad config never ran

    failure = [line for line in text.splitlines() if "Config reload failed" in line]
    assert len(failure) == 1, text
    assert "restart service" not in text  # nothing was touched
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(bad)
    validate = run_cli("validate", "--config", str(bad_file))
    assert validate.returncode == 1
    expected = validate.stderr.strip().removeprefix("Error: ")
    assert "forward" in expected
    assert json.loads(failure[0].split("\t")[-1])["error"] == expected


def test_watch_config_reloads_when_the_file_changes(tmp_path: Path) -> None:
    col = Running(tmp_path, args=("--watch-config",))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", col.port, timeout=10)
        post(conn, "first")
        col.write(version="v2", processors="attributes/tag")
        wait_for_text(col.log, "Everything is ready", count=2)
        post(conn, "second")
        col.config.write_text(col.config.read_text().replace("processors: [attributes/tag]", "processors: [typo]"))
        wait_for_text(col.log, "Config reload failed")
        post(conn, "third")  # still the v2 pipeline
        conn.close()
        text = col.stop()
    finally:
        if col.proc.poll() is None:
            col.proc.kill()
            col.proc.wait()
    assert versions(col.out) == ["first:-", "second:v2", "third:v2"]
    failure = next(line for line in text.splitlines() if "Config reload failed" in line)
    error = json.loads(failure.split("\t")[-1])["error"]
    assert error == 'service::pipelines::traces: references processor "typo" which is not configured'
    assert text.count("Starting HTTP server") == 1, text


def test_watch_config_with_workers_reloads_every_worker(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "config.yaml"
    # the file exporter is single-instance (not allowed with --workers): debug shows the spans
    text = CONFIG.format(port=port, out="", version="v1", processors="").replace(
        'file: {path: "", flush_interval: 50ms}', "debug: {verbosity: detailed}"
    )
    config.write_text(text.replace("exporters: [file]", "exporters: [debug]"))
    log = tmp_path / "collector.log"
    with log.open("w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyotelcol", "--config", str(config), "--workers", "2", "--watch-config"],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    try:
        wait_for_text(log, "Everything is ready", count=2)  # both workers
        config.write_text(config.read_text().replace("processors: []", "processors: [attributes/tag]"))
        wait_for_text(log, "Received SIGHUP, forwarding it to the workers")
        wait_for_text(log, "Everything is ready", count=4)
        for _ in range(4):  # connections spread over the workers: each one tags
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            post(conn, "after")
            conn.close()
        wait_for_text(log, "-> version: Str(v1)")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    content = log.read_text()
    assert code == 0, content
    assert content.count("Config updated, restart service") == 2, content
