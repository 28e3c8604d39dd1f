"""Tail one big log file with pyotelcol and with the Go collector, one after the other.

    python bench/filelog_vs_go.py [--lines 1000000] [--json-parser] [--only py|go] [--out FILE]

Writes a log file of ``--lines`` JSON application log lines (~150-230 bytes each, every one
carrying a unique ``"seq":N``), then runs each collector on it with the same config:
``file_log`` (``start_at: beginning``) → ``batch`` → ``otlp_http`` (no compression) to an
OTLP/HTTP sink in this process that decodes every request and marks each line's sequence number.

Per collector: lines per collector CPU-second (user + system CPU of the collector process from
its start until the sink has every line, startup included), wall time over the same span, peak
RSS (the larger of ``VmHWM`` and the RSS sampled every 50 ms), and whether every line arrived
exactly once (the sink keeps listening ``--settle`` seconds after the last line to catch late
duplicates). Prints a table with the pyotelcol/Go ratios and writes the numbers as JSON.

The Go collector is ``tools/otelcol-ref/otelcol-ref`` (built with ``go build`` if absent; it
includes ``filelog``, ``batch`` and ``otlphttp``), or ``--go PATH``. Not a test: nothing in CI
runs this. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from aiohttp import web
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GO_DIR = ROOT / "tools" / "otelcol-ref"
SAMPLE_PERIOD = 0.05

_LEVELS = ("info", "info", "info", "info", "debug", "warn", "error")
_LOGGERS = ("api.orders", "api.users", "worker.billing", "db.pool", "cache.redis", "auth.session")
_PATHS = ("/api/v1/orders", "/api/v1/users", "/api/v1/cart/items", "/healthz", "/api/v2/search")
_METHODS = ("GET", "GET", "GET", "POST", "PUT", "DELETE")


# -- the log file ------------------------------------------------------------------------------


def log_line(seq: int, rng: random.Random, t0: float) -> str:
    """One JSON application log line; ``seq`` identifies it at the sink."""
    ts = t0 + seq * 0.0005
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1e6) % 1_000_000:06d}Z"
    status = rng.choice((200, 200, 200, 201, 204, 400, 404, 500))
    msg = f"{rng.choice(_METHODS)} {rng.choice(_PATHS)}/{rng.randrange(100_000)} completed"
    if rng.random() < 0.2:
        msg += f" after {rng.randrange(1, 4)} retries"
    return (
        f'{{"time":"{stamp}","level":"{rng.choice(_LEVELS)}","logger":"{rng.choice(_LOGGERS)}",'
        f'"seq":{seq},"msg":"{msg}","status":{status},"ms":{rng.uniform(0.2, 900):.1f},'
        f'"trace_id":"{rng.getrandbits(128):032x}"}}\n'
    )


def write_log(path: Path, lines: int) -> int:
    """Write ``lines`` log lines to ``path``; returns the file size in bytes."""
    rng = random.Random(16)
    t0 = 1_796_400_000.0
    with open(path, "w", buffering=1 << 20) as f:
        chunk: list[str] = []
        for seq in range(lines):
            chunk.append(log_line(seq, rng, t0))
            if len(chunk) == 10_000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    return path.stat().st_size


# -- the sink ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the sink has seen: one flag per line, plus everything that should not happen."""

    lines: int
    seen: bytearray = field(init=False)
    distinct: int = 0
    duplicates: int = 0
    unknown: int = 0
    requests: int = 0
    t_first: float = 0.0
    t_last: float = 0.0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.seen = bytearray(self.lines)

    def take(self, body: bytes) -> None:
        msg = ExportLogsServiceRequest()
        msg.ParseFromString(body)
        self.requests += 1
        for rl in msg.resource_logs:
            for sl in rl.scope_logs:
                for record in sl.log_records:
                    self._mark(record.body.string_value)
        now = time.monotonic()
        self.t_first = self.t_first or now
        self.t_last = now
        if self.distinct == self.lines:
            self.done.set()

    def _mark(self, text: str) -> None:
        start = text.find('"seq":')
        end = text.find(",", start)
        try:
            seq = int(text[start + 6 : end]) if start >= 0 else -1
        except ValueError:
            seq = -1
        if not 0 <= seq < self.lines:
            self.unknown += 1
        elif self.seen[seq]:
            self.duplicates += 1
        else:
            self.seen[seq] = 1
            self.distinct += 1


async def start_sink(tally: Tally, port: int) -> web.AppRunner:
    async def export(request: web.Request) -> web.Response:
        body = await request.read()
        if body[:2] == b"\x1f\x8b":  # aiohttp inflates Content-Encoding itself; this is belt and braces
            body = gzip.decompress(body)
        tally.take(body)
        # an empty ExportLogsServiceResponse
        return web.Response(body=b"", content_type="application/x-protobuf")

    app = web.Application(client_max_size=512 << 20)
    app.router.add_post("/v1/logs", export)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


# -- the collectors ----------------------------------------------------------------------------


def collector_config(log_path: Path, sink_port: int, json_parser: bool) -> str:
    operators = "\n    operators:\n      - type: json_parser" if json_parser else ""
    return f"""receivers:
  file_log:
    include: [{log_path}]
    start_at: beginning{operators}
processors:
  batch: {{}}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:{sink_port}
    compression: none
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [file_log]
      processors: [batch]
      exporters: [otlp_http]
"""


def go_binary(option: str | None) -> str:
    if option:
        return option
    binary = GO_DIR / "otelcol-ref"
    if not binary.exists():
        print(f"building {binary} ...", file=sys.stderr)
        subprocess.run(["go", "build", "-o", "otelcol-ref", "."], cwd=GO_DIR, check=True)
    return str(binary)


def peak_hwm_mb(pid: int) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Result:
    collector: str
    lines: int
    received: int = 0
    duplicates: int = 0
    unknown: int = 0
    complete: bool = False
    exit_code: int | None = None
    cpu_s: float = 0.0
    startup_cpu_s: float = 0.0
    wall_s: float = 0.0
    first_record_s: float = 0.0
    peak_rss_mb: float = 0.0
    lines_per_cpu_s: float = 0.0
    lines_per_s: float = 0.0
    steady_lines_per_cpu_s: float = 0.0
    sink_cpu_s: float = 0.0

    @property
    def exactly_once(self) -> bool:
        return self.complete and self.duplicates == 0 and self.unknown == 0


async def run_one(
    name: str, cmd: list[str], lines: int, port: int, timeout: float, settle: float, workdir: Path
) -> Result:
    """Start the collector, wait until the sink has every line, measure, stop it."""
    tally = Tally(lines)
    runner = await start_sink(tally, port)
    result = Result(name, lines)
    log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115
    me = psutil.Process()
    sink_cpu0 = sum(me.cpu_times()[:2])
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=HERE)
    ps = psutil.Process(proc.pid)
    rss_peak = 0.0
    startup_lines = 0

    def cpu() -> float:
        times = ps.cpu_times()
        return round(float(times.user + times.system), 2)

    try:
        deadline = t0 + timeout
        while not tally.done.is_set() and proc.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(psutil.Error):
                rss_peak = max(rss_peak, ps.memory_info().rss / (1 << 20))
                if not result.startup_cpu_s and tally.requests:
                    # CPU up to (about) the first delivered batch: startup, imports, first reads
                    result.startup_cpu_s = cpu()
                    startup_lines = tally.distinct
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tally.done.wait(), SAMPLE_PERIOD)
        if tally.done.is_set():
            result.cpu_s = cpu()  # before anything else: the sink just got the last line
            result.sink_cpu_s = round(sum(me.cpu_times()[:2]) - sink_cpu0, 2)
            result.complete = True
            result.wall_s = tally.t_last - t0
            result.first_record_s = tally.t_first - t0
            result.peak_rss_mb = round(max(rss_peak, peak_hwm_mb(proc.pid)), 1)
            await asyncio.sleep(settle)  # late duplicates still count
        else:
            with contextlib.suppress(psutil.Error):
                result.cpu_s = cpu()
            result.peak_rss_mb = round(max(rss_peak, peak_hwm_mb(proc.pid)), 1)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        result.exit_code = proc.returncode
        log.close()
        await runner.cleanup()
    result.received = tally.distinct
    result.duplicates = tally.duplicates
    result.unknown = tally.unknown
    if result.complete and result.cpu_s:
        result.lines_per_cpu_s = round(lines / result.cpu_s)
        result.lines_per_s = round(lines / result.wall_s)
        if result.cpu_s > result.startup_cpu_s:
            result.steady_lines_per_cpu_s = round((lines - startup_lines) / (result.cpu_s - result.startup_cpu_s))
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- output ------------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    rows = [
        "| collector | lines/CPU-s | CPU-s | startup CPU-s | after startup: lines/CPU-s | wall s | lines/s "
        "| peak RSS MB | sink CPU-s | exactly once |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        verdict = (
            "yes"
            if r.exactly_once
            else f"**no**: {r.received:,}/{r.lines:,} lines, {r.duplicates} duplicates, {r.unknown} unknown"
        )
        if not r.complete and r.exit_code not in (None, 0, -15):
            verdict += f" (the collector exited with {r.exit_code})"
        rows.append(
            f"| {r.collector} | {r.lines_per_cpu_s:,.0f} | {r.cpu_s:.2f} | {r.startup_cpu_s:.2f} "
            f"| {r.steady_lines_per_cpu_s:,.0f} | {r.wall_s:.2f} "
            f"| {r.lines_per_s:,.0f} | {r.peak_rss_mb:.1f} | {r.sink_cpu_s:.2f} | {verdict} |"
        )
    by_name = {r.collector: r for r in results}
    py, go = by_name.get("pyotelcol"), by_name.get("go")
    if py and go and py.exactly_once and go.exactly_once:
        steady = f"{py.steady_lines_per_cpu_s / go.steady_lines_per_cpu_s:.3f}" if go.steady_lines_per_cpu_s else "n/a"
        rows.append(
            f"\npyotelcol/Go: lines per CPU-s {py.lines_per_cpu_s / go.lines_per_cpu_s:.3f} "
            f"(CPU {py.cpu_s / go.cpu_s:.1f}x), after startup {steady}, wall {py.wall_s / go.wall_s:.2f}x, "
            f"peak RSS {py.peak_rss_mb / go.peak_rss_mb:.2f}x"
        )
    return "\n".join(rows)


async def bench(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="filelog-bench-"))
    log_path = workdir / "app.log"
    started = time.monotonic()
    size = write_log(log_path, args.lines)
    print(
        f"wrote {args.lines:,} lines, {size / 1e6:.1f} MB ({size / args.lines:.0f} B/line) "
        f"to {log_path} in {time.monotonic() - started:.1f} s"
    )
    port = free_port()
    config = workdir / "config.yaml"
    config.write_text(collector_config(log_path, port, args.json_parser))
    commands = {
        "pyotelcol": [sys.executable, "-m", "pyotelcol", "--config", str(config)],
        "go": [go_binary(args.go), "--config", str(config)],
    }
    results = []
    for name in ("pyotelcol", "go"):
        if args.only and args.only != name:
            continue
        result = await run_one(name, commands[name], args.lines, port, args.timeout, args.settle, workdir)
        print(f"{name}: {json.dumps(asdict(result))}", flush=True)
        results.append(result)
    print(table(results))
    if args.out:
        Path(args.out).write_text(
            json.dumps(
                {
                    "lines": args.lines,
                    "bytes": size,
                    "json_parser": args.json_parser,
                    "results": [asdict(r) | {"exactly_once": r.exactly_once} for r in results],
                },
                indent=2,
            )
        )
    ok = all(r.exactly_once for r in results)
    if args.keep or not ok:
        print(f"kept {workdir} (the log file, the config, each collector's output)")
    else:
        shutil.rmtree(workdir)
    return 0 if ok else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lines", type=int, default=1_000_000, help="log lines to write and read (1,000,000)")
    p.add_argument("--json-parser", action="store_true", help="add a json_parser operator (both collectors)")
    p.add_argument("--only", choices=("pyotelcol", "go"), help="run one collector only")
    p.add_argument("--go", help="the Go collector binary (default: tools/otelcol-ref/otelcol-ref)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for every line (900)")
    p.add_argument("--settle", type=float, default=1.0, help="seconds to keep counting after the last line (1)")
    p.add_argument("--out", help="write the results as JSON here")
    p.add_argument("--keep", action="store_true", help="keep the work directory (kept anyway when a run fails)")
    args = p.parse_args()
    if args.lines < 1:
        p.error("--lines must be at least 1")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
