"""pprof extension: a real collector serving Go's /debug/pprof paths; profiles read back by our
descriptor and, when a Go toolchain is on PATH, by ``go tool pprof`` itself."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.extensions.pprof.profile import Profile
from support import Collector, free_port, run_cli, wait_for_port

TRACE = (
    b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",'
    b'"spanId":"eee19b7ec3c1b174","name":"x","kind":1}]}]}]}'
)


def _config(tmp_path: Path, pprof: dict[str, Any]) -> tuple[Path, int, int]:
    pprof_port, otlp_port = free_port(), free_port()
    settings = "".join(f"\n    {k}: {v}" for k, v in pprof.items())
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
extensions:
  pprof:
    endpoint: 127.0.0.1:{pprof_port}{settings}
receivers:
  otlp:
    protocols: {{http: {{endpoint: "127.0.0.1:{otlp_port}"}}}}
exporters:
  nop:
service:
  extensions: [pprof]
  pipelines:
    traces: {{receivers: [otlp], exporters: [nop]}}
"""
    )
    return path, pprof_port, otlp_port


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[tuple[Collector, int, int]]:
    path, pprof_port, otlp_port = _config(tmp_path, {})
    col = Collector(path)
    try:
        wait_for_port(pprof_port, col.proc)
        wait_for_port(otlp_port, col.proc)
        yield col, pprof_port, otlp_port
    finally:
        col.stop()


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _decode(body: bytes) -> Any:
    profile = Profile()
    profile.ParseFromString(gzip.decompress(body))
    return profile


def _function_names(profile: Any) -> set[str]:
    return {profile.string_table[f.name] for f in profile.function}


def _send_load(otlp_port: int, stop: threading.Event) -> None:
    url = f"http://127.0.0.1:{otlp_port}/v1/traces"
    while not stop.is_set():
        req = urllib.request.Request(url, data=TRACE, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()


def test_cpu_profile_samples_the_collector_while_it_works(collector: tuple[Collector, int, int]) -> None:
    _, pprof_port, otlp_port = collector
    stop = threading.Event()
    load = threading.Thread(target=_send_load, args=(otlp_port, stop))
    load.start()
    try:
        status, headers, body = _get(f"http://127.0.0.1:{pprof_port}/debug/pprof/profile?seconds=2")
    finally:
        stop.set()
        load.join()
    assert status == 200, body
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"] == 'attachment; filename="profile"'
    profile = _decode(body)
    strings = profile.string_table
    assert [(strings[t.type], strings[t.unit]) for t in profile.sample_type] == [
        ("samples", "count"),
        ("cpu", "nanoseconds"),
    ]
    assert (strings[profile.period_type.type], strings[profile.period_type.unit]) == ("cpu", "nanoseconds")
    assert profile.period == 10_000_000 and profile.duration_nanos >= 1_000_000_000
    assert profile.sample, "no CPU samples while the collector was serving requests"
    assert all(s.value[0] >= 1 and s.value[1] > 0 for s in profile.sample)
    files = {strings[f.filename] for f in profile.function}
    # The OTLP receiver's request handling ran on the event loop thread while it was sampled.
    assert any("/receivers/otlp/" in f for f in files), sorted(files)
    ids = {loc.id for loc in profile.location}
    assert all(set(s.location_id) <= ids for s in profile.sample)


def test_goroutine_cmdline_index_and_unknown(collector: tuple[Collector, int, int]) -> None:
    col, pprof_port, _ = collector
    base = f"http://127.0.0.1:{pprof_port}/debug/pprof/"
    status, headers, body = _get(base + "goroutine?debug=1")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    text = body.decode()
    assert text.startswith("goroutine profile: total ")
    assert "thread MainThread:" in text and "\ntask " in text
    # The request being answered is itself an asyncio task in the aiohttp server.
    assert "_goroutine" in text

    status, _, body = _get(base + "goroutine")
    profile = _decode(body)
    assert [profile.string_table[t.type] for t in profile.sample_type] == ["goroutine"]
    # two snapshots a moment apart: a short-lived task (the previous request's) may come or go
    assert abs(sum(s.value[0] for s in profile.sample) - int(text.split()[3])) <= 2

    status, _, body = _get(base + "cmdline")
    assert status == 200 and str(col.config_path).encode() in body.split(b"\x00")

    status, _, body = _get(base)
    assert status == 200 and b'href="profile?debug=1"' in body
    assert _get(base + "block")[0:3:2] == (404, b"Unknown profile\n")
    assert _get(f"http://127.0.0.1:{pprof_port}/elsewhere")[0] == 404
    assert _get(base + "profile?seconds=abc")[0:3:2] == (400, b'invalid value for "seconds"\n')
    status, _, body = _get(base + "heap")
    assert status == 404 and b"PYTHONTRACEMALLOC" in body


def test_one_cpu_profile_at_a_time(collector: tuple[Collector, int, int]) -> None:
    _, pprof_port, _ = collector
    base = f"http://127.0.0.1:{pprof_port}/debug/pprof/"
    first: list[int] = []
    runner = threading.Thread(target=lambda: first.append(_get(base + "profile?seconds=3")[0]))
    runner.start()
    try:
        # The first profile is running once its handler shows up among the tasks' stacks.
        deadline = time.monotonic() + 30
        while "PprofExtension._profile" not in _get(base + "goroutine?debug=1")[2].decode():
            assert time.monotonic() < deadline, "the first profile request never started"
            time.sleep(0.05)
        status, _, body = _get(base + "profile?seconds=1")
    finally:
        runner.join()
    assert (status, body) == (500, b"Could not enable CPU profiling: cpu profiling already in use\n")
    assert first == [200]


def test_heap_profile_with_tracemalloc(tmp_path: Path) -> None:
    path, pprof_port, _ = _config(tmp_path, {})
    col = Collector(path, env={"PYTHONTRACEMALLOC": "5"})
    try:
        wait_for_port(pprof_port, col.proc)
        status, _, body = _get(f"http://127.0.0.1:{pprof_port}/debug/pprof/heap")
    finally:
        col.stop()
    assert status == 200
    profile = _decode(body)
    assert [profile.string_table[t.type] for t in profile.sample_type] == ["inuse_objects", "inuse_space"]
    assert sum(s.value[1] for s in profile.sample) > 100_000  # the collector's modules alone


def test_save_to_file_writes_a_profile_go_tool_pprof_reads(tmp_path: Path) -> None:
    out = tmp_path / "cpu.pprof"
    path, pprof_port, otlp_port = _config(tmp_path, {"save_to_file": str(out)})
    col = Collector(path)
    stop = threading.Event()
    try:
        wait_for_port(otlp_port, col.proc)
        load = threading.Thread(target=_send_load, args=(otlp_port, stop))
        load.start()
        time.sleep(1.5)
        stop.set()
        load.join()
        # While save_to_file records, an HTTP profile is refused as in Go.
        status, _, _ = _get(f"http://127.0.0.1:{pprof_port}/debug/pprof/profile?seconds=1")
        assert status == 500
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    profile = _decode(out.read_bytes())
    assert profile.sample and any("/receivers/otlp/" in profile.string_table[f.filename] for f in profile.function)
    go = shutil.which("go")
    if go is None:
        pytest.skip("no Go toolchain on PATH: the profile was checked with our own descriptor only")
    result = subprocess.run([go, "tool", "pprof", "-top", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Type: cpu" in result.stdout and "Showing nodes" in result.stdout


def test_only_one_instance_per_process(tmp_path: Path) -> None:
    path, _, _ = _config(tmp_path, {})
    second = free_port()
    text = path.read_text()
    text = text.replace(
        "extensions:\n  pprof:\n", f"extensions:\n  pprof/2:\n    endpoint: 127.0.0.1:{second}\n  pprof:\n"
    )
    text = text.replace("extensions: [pprof]", "extensions: [pprof, pprof/2]")
    path.write_text(text)
    result = run_cli("--config", str(path))
    assert result.returncode != 0
    assert "only a single pprof extension instance can be running per process" in result.stderr
