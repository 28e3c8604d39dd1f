"""Throughput of ``--workers``: 1 process vs 2 workers (not a test; run by hand).

    python bench/workers.py [--requests N] [--concurrency C]

OTLP/HTTP protobuf (512 spans per request, bench/payload.py) -> batch -> nop, load from
bench/loadgen.py (HTTP: one connection per concurrent sender, so SO_REUSEPORT can spread them;
one gRPC channel is one connection and would stay on one worker). Prints spans/s per mode.
Ports 30400-30409.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
HTTP_PORT = 30401
CONFIG = f"""
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:{HTTP_PORT}
processors:
  batch:
exporters:
  nop:
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [nop]
"""


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"port {port} did not open")


def run(workers: int, requests: int, concurrency: int, tmp: Path) -> float:
    cfg = tmp / "c.yaml"
    cfg.write_text(CONFIG)
    args = ["--workers", str(workers)] if workers else []
    col = subprocess.Popen([sys.executable, "-m", "pyotelcol", "--config", str(cfg), *args], stderr=subprocess.DEVNULL)
    try:
        wait_port(HTTP_PORT)
        time.sleep(1.0 if workers else 0.2)  # every worker listening
        out = tmp / f"load{workers}.json"
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "loadgen.py"),
                "--proto",
                "http",
                "--port",
                str(HTTP_PORT),
                "--requests",
                str(requests),
                "--concurrency",
                str(concurrency),
                "--out",
                str(out),
            ],
            check=True,
            cwd=BENCH,
            env={**os.environ, "PYTHONPATH": str(BENCH)},
        )
        report = json.loads(out.read_text())
        seconds = float(report["t_last"]) - float(report["t_first"])
        return requests * 512 / seconds
    finally:
        col.send_signal(signal.SIGTERM)
        col.wait(60)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--concurrency", type=int, default=8)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        base = run(0, a.requests, a.concurrency, Path(d))
        print(f"1 process : {base:,.0f} spans/s")
        for n in (1, 2):
            rate = run(n, a.requests, a.concurrency, Path(d))
            print(f"{n} worker(s): {rate:,.0f} spans/s ({rate / base:.2f}x)")
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
