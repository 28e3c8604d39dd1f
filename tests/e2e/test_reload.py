"""SIGHUP with a broken config keeps the running pipelines; a fixed config then takes effect.

A real ``pyotelcol`` with an OTLP/HTTP receiver and a ``file`` exporter; spans are posted as
OTLP/JSON and looked for in the exporter's file. The collector's log goes to a file so the test
can wait for the reload's outcome.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from support import free_port, run_cli, wait_for_port

CONFIG = """
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{port}
exporters:
  file:
    path: {out}
    {extra}
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [file]}}
  telemetry:
    metrics: {{level: none}}
"""


def post_span(port: int, name: str) -> None:
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": name, "kind": 1}
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/traces",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def wait_for_text(path: Path, text: str, count: int = 1, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count(text) >= count:
            return
        time.sleep(0.05)
    content = path.read_text() if path.exists() else "<missing>"
    raise AssertionError(f"{text!r} (x{count}) not in {path} within {timeout}s:\n{content}")


def test_sighup_with_a_typo_keeps_running_then_a_fix_takes_effect(tmp_path: Path) -> None:
    port = free_port()
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(port=port, out=first, extra=""))
    log = tmp_path / "collector.log"
    with log.open("w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyotelcol", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            env=dict(os.environ),
        )
    try:
        wait_for_port(port, proc)
        post_span(port, "before-reload")
        wait_for_text(first, "before-reload")

        typo = CONFIG.format(port=port, out=first, extra="formt: json")
        config.write_text(typo)
        proc.send_signal(signal.SIGHUP)
        wait_for_text(log, "Config reload failed")
        assert proc.poll() is None, log.read_text()
        post_span(port, "after-bad-reload")
        wait_for_text(first, "after-bad-reload")

        config.write_text(CONFIG.format(port=port, out=second, extra=""))
        proc.send_signal(signal.SIGHUP)
        wait_for_text(log, "Everything is ready", count=2)
        post_span(port, "after-good-reload")
        wait_for_text(second, "after-good-reload")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text

    # The error is logged on one line, with the text `validate` prints for that config.
    failure = [line for line in text.splitlines() if "Config reload failed" in line]
    assert len(failure) == 1, text
    bad = tmp_path / "bad.yaml"
    bad.write_text(typo)
    validate = run_cli("validate", "--config", str(bad))
    assert validate.returncode == 1
    expected = validate.stderr.strip().removeprefix("Error: ")
    assert "formt" in expected
    fields = json.loads(failure[0].split("\t")[-1])
    assert fields["error"] == expected.replace(str(bad), str(config))


def test_sighup_to_a_config_that_cannot_start_restores_the_previous_one(tmp_path: Path) -> None:
    port, out = free_port(), tmp_path / "out.json"
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(port=port, out=out, extra=""))
    log = tmp_path / "collector.log"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = int(taken.getsockname()[1])
        with log.open("w") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pyotelcol", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=log_file
            )
        try:
            wait_for_port(port, proc)
            config.write_text(CONFIG.format(port=taken_port, out=out, extra=""))
            proc.send_signal(signal.SIGHUP)
            wait_for_text(log, "Everything is ready", count=2)  # the previous config, started again
            assert proc.poll() is None, log.read_text()
            post_span(port, "after-failed-start")
            wait_for_text(out, "after-failed-start")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
    text = log.read_text()
    assert code == 0, text
    assert "Config reload failed, restoring the previous configuration" in text
    assert f"listen tcp 127.0.0.1:{taken_port}: bind: address already in use" in text
