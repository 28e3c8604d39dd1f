"""Run the pyotelcol benchmark suite: ``python bench/run.py [--quick] [--scenario NAME ...]``.

Prints a table and writes a JSON file (``--out``, default ``bench/results.json``). See
bench/README.md for the method. Not a test: nothing here runs in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import payload  # noqa: E402
import promtarget  # noqa: E402
from scenarios import (  # noqa: E402
    MEMORY_LIMIT_MIB,
    METRICS_PORT,
    PROM_TARGET,
    RECV_GRPC,
    RECV_HTTP,
    SCENARIOS,
    SCRAPE_SECONDS,
    SINK_GRPC,
    SINK_HTTP,
    Scenario,
)

PY = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
TMP = Path(tempfile.mkdtemp(prefix="pyotelcol-bench-"))


# -- /proc -----------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def mem_mb(pid: int) -> dict[str, float]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0]) / 1024
    return out


class RssSampler(threading.Thread):
    def __init__(self, pid: int, period: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.period = period
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.samples.append((time.monotonic(), mem_mb(self.pid)["VmRSS"]))
            except (OSError, KeyError):
                return
            self._halt.wait(self.period)

    def stop(self) -> None:
        self._halt.set()
        self.join()


# -- processes -------------------------------------------------------------------------------------


def wait_port(port: int, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def wait_free(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(0.1)
        except OSError:
            return


class Servers:
    """sinks.py (or ceiling.py) in its own process, with its status file."""

    def __init__(self, mode: str, grpc_port: int, http_port: int, max_rate: float = 0.0) -> None:
        self.status_path = TMP / f"{mode}-{time.monotonic_ns()}.json"
        script = "sinks.py" if mode == "sink" else "ceiling.py"
        cmd = [
            PY,
            script,
            "--grpc-port",
            str(grpc_port),
            "--http-port",
            str(http_port),
            "--status",
            str(self.status_path),
        ]
        if mode == "sink":
            cmd[2:2] = ["--mode", "sink"]
        if max_rate:
            cmd += ["--max-rate", str(max_rate)]
        for port in (grpc_port, http_port):
            wait_free(port)
        self.proc = subprocess.Popen(cmd, cwd=HERE)
        wait_port(grpc_port, proc=self.proc)
        wait_port(http_port, proc=self.proc)
        self.cpu0 = cpu_seconds(self.proc.pid)

    def status(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.status_path.read_text()))
        except (OSError, ValueError):
            return {}

    def wait_for(self, key: str, at_least: int, timeout: float) -> dict[str, Any]:
        """The status once ``key`` has reached ``at_least`` (or the last one after ``timeout``)."""
        deadline = time.monotonic() + timeout
        st = self.status()
        while st.get(key, 0) < at_least and time.monotonic() < deadline:
            time.sleep(0.02)
            st = self.status()
        return st

    def wait_spans(self, expected: int, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        st = self.status()
        while time.monotonic() < deadline:
            st = self.status()
            if st.get("spans", 0) >= expected:
                break
            time.sleep(0.05)
        return st

    def stop(self) -> dict[str, Any]:
        cpu = cpu_seconds(self.proc.pid) - self.cpu0
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        st = self.status()
        st["cpu_s"] = cpu
        return st


class Collector:
    def __init__(
        self, name: str, config: str, listens: tuple[int, ...] = (RECV_GRPC, RECV_HTTP), args: list[str] | None = None
    ) -> None:
        self.config_path = TMP / f"{name}.yaml"
        self.config_path.write_text(config)
        for port in (RECV_GRPC, RECV_HTTP, METRICS_PORT):
            wait_free(port)
        self.log = open(TMP / f"{name}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [PY, "-m", "pyotelcol", "--config", str(self.config_path), *(args or [])],
            cwd=HERE,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for port in listens:
            wait_port(port, proc=self.proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc


class RotelAgent:
    """rotel-agent (a Rust OTLP agent) in place of the collector, for comparison: OTLP in on the
    receiver ports, OTLP/gRPC out to the gRPC sink, no compression (as the pyotelcol scenarios)."""

    def __init__(self, name: str, binary: str, args: list[str]) -> None:
        for port in (RECV_GRPC, RECV_HTTP):
            wait_free(port)
        self.log = open(TMP / f"{name}.log", "wb")  # noqa: SIM115
        cmd = [
            binary,
            "start",
            "--otlp-grpc-endpoint",
            f"127.0.0.1:{RECV_GRPC}",
            "--otlp-http-endpoint",
            f"127.0.0.1:{RECV_HTTP}",
            "--otlp-grpc-max-recv-msg-size-mib",
            "64",
            "--exporter",
            "otlp",
            "--otlp-exporter-endpoint",
            f"http://127.0.0.1:{SINK_GRPC}",
            "--otlp-exporter-protocol",
            "grpc",
            "--otlp-exporter-compression",
            "none",
            "--pid-file",
            str(TMP / f"{name}.pid"),
            "--log-file",
            str(TMP / f"{name}.agent.log"),
            *args,
        ]
        self.proc = subprocess.Popen(cmd, cwd=HERE, stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(RECV_GRPC, proc=self.proc)
        wait_port(RECV_HTTP, proc=self.proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return 0 if rc in (0, -signal.SIGTERM) else rc


def find_rotel(option: str) -> str | None:
    """rotel-agent: ``--rotel PATH``, else ``$ROTEL_AGENT``, else the binary inside an importable
    ``rotel`` package (PyPI wheel ``rotel``), else ``rotel-agent`` on PATH."""
    for candidate in (option, os.environ.get("ROTEL_AGENT", "")):
        if candidate:
            return candidate if os.access(candidate, os.X_OK) else None
    try:
        import rotel  # type: ignore[import-not-found]

        bundled = Path(rotel.__file__).resolve().parent / "rotel-agent"
        if os.access(bundled, os.X_OK):
            return str(bundled)
    except ImportError:
        pass
    return shutil.which("rotel-agent")


ROTEL: str | None = None


def loadgen(
    proto: str,
    port: int,
    requests: int,
    *,
    concurrency: int = 4,
    gzip: bool = False,
    json_body: bool = False,
    duration: float = 0.0,
    rate: float = 0.0,
    timeout: float = 300.0,
) -> dict[str, Any]:
    out = TMP / f"loadgen-{time.monotonic_ns()}.json"
    cmd = [
        PY,
        "loadgen.py",
        "--proto",
        proto,
        "--port",
        str(port),
        "--requests",
        str(requests),
        "--concurrency",
        str(concurrency),
        "--out",
        str(out),
    ]
    if gzip:
        cmd.append("--gzip")
    if json_body:
        cmd.append("--json")
    if duration:
        cmd += ["--duration", str(duration)]
    if rate:
        cmd += ["--rate", str(rate)]
    subprocess.run(cmd, cwd=HERE, check=True, timeout=timeout)
    return dict(json.loads(out.read_text()))


# -- measurements ----------------------------------------------------------------------------------


def latencies(sent: dict[str, float], recv: dict[str, float]) -> dict[str, float | None]:
    values = sorted(recv[k] - t for k, t in sent.items() if k in recv)
    if not values:
        return {"p50_ms": None, "p99_ms": None}

    def pct(p: float) -> float:
        return values[min(len(values) - 1, int(p * len(values)))] * 1000

    return {"p50_ms": round(pct(0.50), 2), "p99_ms": round(pct(0.99), 2)}


_CEILINGS: dict[str, dict[str, Any]] = {}


def ceiling(sc: Scenario, requests: int) -> dict[str, Any]:
    key = sc.ceiling_key
    if key in _CEILINGS:
        return _CEILINGS[key]
    servers = Servers("ceiling", RECV_GRPC, RECV_HTTP)
    port = RECV_GRPC if sc.proto == "grpc" else RECV_HTTP
    try:
        # The bare server is fast: give it enough requests for a stable rate.
        lg = loadgen(sc.proto, port, max(requests, 300), concurrency=sc.concurrency, gzip=sc.gzip, json_body=sc.json)
        st = servers.wait_spans(lg["spans_accepted"], 30)
    finally:
        final = servers.stop()
    spans = st.get("spans", 0)
    elapsed = max(st.get("t_last", 0) - lg["t_first"], 1e-9)
    result = {
        "spans": spans,
        "spans_per_s": spans / elapsed,
        "server_cpu_s": final["cpu_s"],
        "ok": lg["failures"] == 0 and spans == lg["spans_accepted"],
    }
    _CEILINGS[key] = result
    return result


def throughput(sc: Scenario, requests: int, measured: dict[str, dict[str, Any]]) -> dict[str, Any]:
    max_rate = 0.0
    duration = 0.0
    rate = 0.0
    concurrency = sc.concurrency
    base = measured.get("grpc_batch_grpc", {}).get("spans_per_s") or 60000.0
    if sc.kind == "limiter":
        max_rate = base / 2  # the sink takes half of what the collector sustains: offered load = 2x
    if sc.kind == "soak":
        duration = 60.0
        rate = 0.6 * base / payload.SPANS_PER_REQUEST
        requests = 10**7
    sinks = Servers("sink", SINK_GRPC, SINK_HTTP, max_rate=max_rate)
    taps: list[subprocess.Popen[bytes]] = []
    col: Collector | RotelAgent | None = None
    sampler: RssSampler | None = None
    try:
        if sc.agent == "rotel":
            assert ROTEL is not None
            col = RotelAgent(sc.name, ROTEL, sc.rotel_args)
        else:
            col = Collector(sc.name, sc.config, sc.listens, sc.args)
        time.sleep(1.0)
        if sc.tap:  # a watcher on the admin endpoint for the whole run (its CPU is its own)
            admin = next(a.split("=", 1)[1] for a in sc.args if a.startswith("--admin-endpoint="))
            tap = subprocess.Popen(
                [PY, "-m", "pyotelcol", "tap", f"--admin-endpoint={admin}", f"--component={sc.tap}"],
                cwd=HERE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            taps.append(tap)
            time.sleep(0.5)
        idle = mem_mb(col.pid)["VmRSS"]
        profiler = None
        if os.environ.get("BENCH_PYSPY"):  # py-spy record of the collector, collapsed stacks
            profiler = subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "-p",
                    str(col.pid),
                    "-f",
                    "raw",
                    "-r",
                    "250",
                    "-o",
                    f"{os.environ['BENCH_PYSPY']}.{sc.name}.txt",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
        sampler = RssSampler(col.pid)
        sampler.start()
        cpu0 = cpu_seconds(col.pid)
        port = RECV_GRPC if sc.proto == "grpc" else RECV_HTTP
        lg = loadgen(
            sc.proto,
            port,
            requests,
            concurrency=concurrency,
            gzip=sc.gzip,
            json_body=sc.json,
            duration=duration,
            rate=rate,
        )
        expected = lg["spans_accepted"] * sc.sinks
        st = sinks.wait_spans(expected, 120 if sc.kind == "limiter" else 60)
        cpu = cpu_seconds(col.pid) - cpu0
        mem = mem_mb(col.pid)
        sampler.stop()
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(30)
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        for tap in taps:
            tap.terminate()
            tap.wait(10)
        rc = col.stop() if col is not None else None
        final = sinks.stop()
    spans_in = lg["spans_accepted"]
    got = final.get("spans", 0)
    elapsed = st.get("t_last", 0) - lg["t_first"]
    if elapsed <= 0:
        elapsed = float("inf")
    problems = []
    if lg["failures"]:
        problems.append(
            f"{lg['failures']} requests failed: {lg['errors']}"
            + (" (load generator gave up: time bound)" if lg.get("timed_out") else "")
        )
    if got != expected:
        problems.append(f"sink got {got} spans, expected {expected}")
    if final.get("dupes", 0) != (sc.sinks * sc.splits - 1) * lg["accepted"]:
        problems.append(f"duplicate sequence numbers at the sink: {final.get('dupes')}")
    if rc not in (0, None):
        problems.append(f"collector exited with {rc}")
    rss = [v for _, v in sampler.samples] if sampler else []
    result: dict[str, Any] = {
        "description": sc.description,
        "spans": spans_in,
        "requests": lg["accepted"],
        "spans_per_s": spans_in / elapsed,
        "collector_cpu_s": cpu,
        "cpu_s_per_million": cpu / spans_in * 1e6 if spans_in else None,
        "spans_per_cpu_s": spans_in / cpu if cpu else None,
        "idle_rss_mb": round(idle, 1),
        "peak_rss_mb": round(max(mem["VmHWM"], max(rss, default=0)), 1),
        "sink_cpu_s": round(final["cpu_s"], 2),
        "retries": lg["retries"],
        "refusals": lg["refusals"],
        **latencies(lg["sent_at"], final.get("recv_at", {})),
    }
    if sc.kind == "limiter":
        result["limit_mib"] = MEMORY_LIMIT_MIB
        result["sink_max_rate"] = max_rate
        peak_during = max(rss, default=0.0)
        result["peak_rss_during_load_mb"] = round(peak_during, 1)
        if peak_during > MEMORY_LIMIT_MIB:
            problems.append(f"RSS {peak_during:.0f} MB went over the {MEMORY_LIMIT_MIB} MiB limit")
    if sc.kind == "soak" and sampler is not None:
        t0 = sampler.samples[0][0] if sampler.samples else 0.0

        def window(a: float, b: float) -> float:
            vals = [v for t, v in sampler.samples if a <= t - t0 < b]
            return statistics.mean(vals) if vals else 0.0

        result["rss_10_20s_mb"] = round(window(10, 20), 1)
        result["rss_50_60s_mb"] = round(window(50, 60), 1)
        result["rss_growth_mb"] = round(window(50, 60) - window(10, 20), 1)
    result["ok"] = not problems
    result["problems"] = problems
    return result


def self_metric(name: str) -> float | None:
    """The sum of a counter's series on the collector's own Prometheus endpoint."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=5) as resp:
            text = resp.read().decode()
    except OSError:
        return None
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith((name + "{", name + " "))]
    return sum(values) if values else None


def scrape(sc: Scenario, seconds: float) -> dict[str, Any]:
    """The prometheus receiver scraping promtarget.py every second, into the gRPC sink.

    The first scrape (every series new) is warm-up. CPU is read when a scrape's request has
    reached the sink, once after the first and once after ``seconds`` more: between the two, the
    collector did exactly the scrapes the sink counted (and nothing else but its idle timers).
    """
    body = promtarget.exposition()
    series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    # and the five series of every scrape: up, scrape_duration_seconds, scrape_samples_scraped,
    # scrape_samples_post_metric_relabeling, scrape_series_added
    per_scrape = series + 5
    target = promtarget.Target(PROM_TARGET, body)
    target.start()
    sinks = Servers("sink", SINK_GRPC, SINK_HTTP)
    col: Collector | None = None
    sampler: RssSampler | None = None
    accepted_metric: float | None = None
    try:
        col = Collector(sc.name, sc.config, sc.listens)
        idle_rss = mem_mb(col.pid)["VmRSS"]
        sampler = RssSampler(col.pid)
        sampler.start()
        first = sinks.wait_for("metric_requests", 1, 30)
        cpu0, t0 = cpu_seconds(col.pid), time.monotonic()
        req0, pts0 = first.get("metric_requests", 0), first.get("points", 0)
        time.sleep(seconds)
        last = sinks.wait_for("metric_requests", sinks.status().get("metric_requests", 0) + 1, 30)
        cpu1, t1 = cpu_seconds(col.pid), time.monotonic()
        mem = mem_mb(col.pid)
        accepted_metric = self_metric("otelcol_receiver_accepted_metric_points")
        sampler.stop()
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        rc = col.stop() if col is not None else None
        final = sinks.stop()
        target.stop()
    scrapes = last.get("metric_requests", 0) - req0
    points = last.get("points", 0) - pts0
    cpu = cpu1 - cpu0
    problems = []
    if req0 < 1 or scrapes < 1:
        problems.append(f"the sink got {final.get('metric_requests', 0)} scrapes' metrics")
    if final.get("points", 0) != final.get("metric_requests", 0) * per_scrape:
        problems.append(
            f"sink got {final.get('points', 0)} points in {final.get('metric_requests', 0)} requests,"
            f" expected {per_scrape} per scrape"
        )
    # a scrape answered while the collector was stopping may not have been pushed yet
    if not 0 <= target.scrapes - final.get("metric_requests", 0) <= 1:
        problems.append(f"target answered {target.scrapes} scrapes, sink got {final.get('metric_requests', 0)}")
    if rc not in (0, None):
        problems.append(f"collector exited with {rc}")
    rss = [v for _, v in sampler.samples] if sampler else []
    return {
        "description": sc.description,
        "series": series,
        "points_per_scrape": per_scrape,
        "scrapes": scrapes,
        "points": points,
        "window_s": round(t1 - t0, 2),
        "scrapes_per_s": scrapes / (t1 - t0),
        "points_per_s": points / (t1 - t0),
        "collector_cpu_s": cpu,
        "cpu_s_per_million": cpu / points * 1e6 if points else None,
        "points_per_cpu_s": points / cpu if cpu else None,
        "cpu_ms_per_scrape": cpu / scrapes * 1e3 if scrapes else None,
        "self_metric_accepted_points": accepted_metric,
        "idle_rss_mb": round(idle_rss, 1),
        "peak_rss_mb": round(max(mem["VmHWM"], max(rss, default=0)), 1),
        "ok": not problems,
        "problems": problems,
    }


def idle(sc: Scenario, idle_wait: float) -> dict[str, Any]:
    col = Collector(sc.name, sc.config)
    try:
        time.sleep(idle_wait)
        mem = mem_mb(col.pid)
        cpu = cpu_seconds(col.pid)
    finally:
        rc = col.stop()
    return {
        "description": sc.description,
        "idle_rss_mb": round(mem["VmRSS"], 1),
        "peak_rss_mb": round(mem["VmHWM"], 1),
        "startup_cpu_s": round(cpu, 2),
        "ok": rc == 0,
        "problems": [] if rc == 0 else [f"collector exited with {rc}"],
    }


# -- report ----------------------------------------------------------------------------------------


def fmt(value: Any, spec: str = ",.0f") -> str:
    if value is None:
        return "-"
    if isinstance(value, float | int):
        return format(value, spec)
    return str(value)


def table(results: dict[str, dict[str, Any]]) -> str:
    head = (
        "scenario",
        "items/s",
        "x ceiling",
        "items/CPU-s",
        "CPU-s/M",
        "x pass",
        "x pass range",
        "idle MB",
        "peak MB",
        "p50 ms",
        "p99 ms",
        "ok",
    )
    rows = [head]
    for name, r in results.items():
        rows.append(
            (
                name,
                fmt(r.get("spans_per_s", r.get("points_per_s"))),
                fmt(r.get("ratio_to_ceiling"), ".2f"),
                fmt(r.get("spans_per_cpu_s", r.get("points_per_cpu_s"))),
                fmt(r.get("cpu_s_per_million"), ".2f"),
                fmt(r.get("cpu_vs_passthrough"), ".2f"),
                "-" if "cpu_vs_passthrough_range" not in r else "{:.2f}-{:.2f}".format(*r["cpu_vs_passthrough_range"]),
                fmt(r.get("idle_rss_mb"), ".1f"),
                fmt(r.get("peak_rss_mb"), ".1f"),
                fmt(r.get("p50_ms"), ".1f"),
                fmt(r.get("p99_ms"), ".1f"),
                "yes" if r.get("ok") else "NO",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def merge_passes(passes: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """One result per scenario: the pass with the median CPU per item (the lower one of the two
    middle passes for an even count), with every pass's CPU per item beside it. ``x pass`` is then
    the median CPU per item over grpc_passthrough's median (on a shared machine the pass-through,
    ~1 CPU-second a pass, is the noisiest of all, so a ratio within one pass is no steadier), and
    the range is that of the per-pass ratios. A scenario is ok only if it was ok in every pass."""
    if len(passes) == 1:
        return passes[0]
    merged: dict[str, dict[str, Any]] = {}
    for name in passes[0]:
        runs = [p[name] for p in passes if name in p]
        timed = sorted((r for r in runs if r.get("cpu_s_per_million")), key=lambda r: r["cpu_s_per_million"])
        pick = dict(timed[(len(timed) - 1) // 2] if timed else runs[0])
        ratios = sorted(r["cpu_vs_passthrough"] for r in runs if r.get("cpu_vs_passthrough"))
        if ratios:
            pick["cpu_vs_passthrough_range"] = [ratios[0], ratios[-1]]
        pick["cpu_s_per_million_passes"] = [r.get("cpu_s_per_million") for r in runs]
        pick["ok"] = all(r.get("ok") for r in runs)
        pick["problems"] = [prob for r in runs for prob in r.get("problems", [])]
        merged[name] = pick
    base = merged.get("grpc_passthrough", {}).get("cpu_s_per_million")
    for r in merged.values():
        r.pop("cpu_vs_passthrough", None)
        if base and r.get("cpu_s_per_million"):
            r["cpu_vs_passthrough"] = r["cpu_s_per_million"] / base
    return merged


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="small counts, no 60 s soak (under a minute)")
    p.add_argument("--scenario", action="append", default=[], help="run only these (repeatable)")
    p.add_argument("--requests", type=int, default=0, help="requests of 512 spans per scenario")
    p.add_argument(
        "--scrape-seconds", type=float, default=0.0, help=f"prometheus scrape window (default {SCRAPE_SECONDS:g} s)"
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the chosen scenarios N times in turn and report each one's median pass (noisy machines)",
    )
    p.add_argument("--out", default=str(HERE / "results.json"))
    p.add_argument("--keep", action="store_true", help="keep the temp dir (configs, collector logs)")
    p.add_argument(
        "--rotel",
        default="",
        help="rotel-agent binary for the rotel_* scenarios (default: $ROTEL_AGENT, the 'rotel' package, PATH)",
    )
    args = p.parse_args()
    global ROTEL
    ROTEL = find_rotel(args.rotel)
    requests = args.requests or (60 if args.quick else 400)
    chosen = [
        s
        for s in SCENARIOS
        if (not args.scenario or s.name in args.scenario)
        and not (args.quick and s.full_only and s.name not in args.scenario)
    ]
    unknown = set(args.scenario) - {s.name for s in SCENARIOS}
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(s.name for s in SCENARIOS)}")
    ceilings: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    if ROTEL is None and any(s.agent == "rotel" for s in chosen):
        print(
            "rotel-agent not found (--rotel PATH, $ROTEL_AGENT, pip install rotel): skipping "
            + ", ".join(s.name for s in chosen if s.agent == "rotel"),
            flush=True,
        )
        chosen = [s for s in chosen if s.agent != "rotel"]
    passes: list[dict[str, dict[str, Any]]] = []
    measured: dict[str, dict[str, Any]] = {}  # the latest result of each scenario (limiter/soak rates)
    for n in range(args.repeat):
        if args.repeat > 1:
            print(f"-- pass {n + 1} of {args.repeat}", flush=True)
        current: dict[str, dict[str, Any]] = {}
        for sc in chosen:
            print(f"== {sc.name}: {sc.description}", flush=True)
            try:
                if sc.kind == "idle":
                    r = idle(sc, 3.0 if args.quick else 5.0)
                elif sc.kind == "scrape":
                    r = scrape(sc, args.scrape_seconds or (5.0 if args.quick else SCRAPE_SECONDS))
                else:
                    r = throughput(sc, requests, measured)
                    if sc.kind == "throughput":
                        c = ceiling(sc, requests)
                        ceilings[sc.ceiling_key] = c
                        r["ceiling_spans_per_s"] = c["spans_per_s"]
                        r["ratio_to_ceiling"] = r["spans_per_s"] / c["spans_per_s"] if c["spans_per_s"] else None
            except Exception as exc:  # a failed scenario is reported, the others still run
                r = {"description": sc.description, "ok": False, "problems": [f"{type(exc).__name__}: {exc}"]}
            current[sc.name] = measured[sc.name] = r
            for prob in r.get("problems", []):
                print(f"   FAILED: {prob}", flush=True)
        # CPU per item against grpc_passthrough of the same pass: a slow patch of a shared
        # machine then weighs on both sides of the ratio
        base = current.get("grpc_passthrough", {}).get("cpu_s_per_million")
        for r in current.values():
            if base and r.get("cpu_s_per_million"):
                r["cpu_vs_passthrough"] = r["cpu_s_per_million"] / base
        passes.append(current)
    results = merge_passes(passes)
    for key, c in ceilings.items():
        results[f"ceiling[{key}]"] = {
            "description": "bare server, receive and discard",
            "spans_per_s": c["spans_per_s"],
            "ratio_to_ceiling": 1.0,
            "ok": c["ok"],
        }
    print()
    print(table(results))
    for name, r in results.items():
        if r.get("cpu_ms_per_scrape") is not None:
            print(
                f"{name}: {r['scrapes']} scrapes of {r['points_per_scrape']:,} points in {r['window_s']} s,"
                f" {r['cpu_ms_per_scrape']:.0f} ms collector CPU per scrape"
                f" (self-metric accepted_metric_points: {fmt(r.get('self_metric_accepted_points'))})"
            )
    report = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "quick": args.quick,
        "requests_per_scenario": requests,
        "passes": args.repeat,
        "spans_per_request": payload.SPANS_PER_REQUEST,
        "wall_s": round(time.monotonic() - started, 1),
        "results": results,
    }
    Path(args.out).write_text(json.dumps(report, indent=2, default=str))
    print(f"\nJSON: {args.out}  (wall {report['wall_s']} s)")
    if args.keep:
        print(f"configs, collector logs, raw loadgen/sink reports: {TMP}")
    else:
        shutil.rmtree(TMP, ignore_errors=True)
    return 0 if all(r.get("ok") for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
