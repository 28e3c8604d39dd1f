"""Test support: run a real ``pyotelcol`` process on loopback and talk to it."""

from __future__ import annotations

import importlib.util
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: our own OTLP/JSON requests: trace.json, metrics.json (every metric type), logs.json, events.json
EXAMPLES = REPO / "tests" / "fixtures" / "otlp"
#: component types the real-world configs need that pyotelcol does not ship (filled by test_real_configs)
MISSING_COMPONENT_TYPES: Counter[str] = Counter()
#: real configs checked, and whether each validated (tests/test_real_configs.py)
REAL_CONFIGS_VALID: dict[str, bool] = {}


#: ports free_port handed out in this process: never the same one twice
_HANDED_OUT: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


#: test ports come from below the kernel's ephemeral range. A port from inside it (what binding
#: port 0 gives) can be taken, once closed, as the local port of any outgoing connection, and a
#: client connecting to it from that same port is connected to itself (TCP self-connect).
_PORT_RANGE = range(max(1024, _ephemeral_low() - 12000), _ephemeral_low())


def free_port() -> int:
    """A loopback port (TCP and UDP) that was free a moment ago, never the same twice per process."""
    rng = random.SystemRandom()
    while True:
        port = rng.choice(_PORT_RANGE)
        if port in _HANDED_OUT:
            continue
        try:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        _HANDED_OUT.add(port)
        return port


def wait_for_log(log: Path, text: str, count: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Wait until a collector logging into ``log`` has written ``text`` ``count`` times; fail at
    once on a failed reload or when the collector exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = log.read_text()
        if "Config reload failed" in content:
            raise AssertionError(content)
        if content.count(text) >= count:
            return
        if proc.poll() is not None:
            raise AssertionError(f"collector exited:\n{content}")
        time.sleep(0.05)
    raise AssertionError(f"{text!r} x{count} not logged:\n{log.read_text()}")


def stop_logged(proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> str:
    """SIGTERM a collector logging into ``log``; check it exits cleanly; return its log."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=timeout)
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text, text
    return text


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"collector exited early ({proc.returncode}): {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"port {port} did not open within {timeout}s")


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pyotelcol <args>`` to completion."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "pyotelcol", *args], capture_output=True, text=True, env=full_env, timeout=timeout
    )


class Collector:
    """A running ``pyotelcol --config <file>`` process."""

    def __init__(self, config_path: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.config_path = config_path
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pyotelcol", "--config", str(config_path), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), err.decode()


def otlp_sinks() -> ModuleType:
    """``tests/exporters/otlp/otlp_sinks.py`` (OTLP gRPC/HTTP sinks) as a module: test
    directories are not packages, so it is loaded by path, once."""
    name = "pyotelcol_test_otlp_sinks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "exporters" / "otlp" / "otlp_sinks.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """The samples of a Prometheus exposition: (name, labels, value)."""
    out = []
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is not None and not line.startswith("#"):
            out.append((match.group(1), dict(_LABEL.findall(match.group(2) or "")), float(match.group(3))))
    return out


def series(text: str, name: str, **labels: str) -> list[float]:
    """Values of the samples called ``name`` whose labels include ``labels``."""
    return [v for n, found, v in samples(text) if n == name and all(found.get(k) == x for k, x in labels.items())]


def odd_metrics() -> Any:
    """``tests/fixtures/otlp/metrics-odd.json`` (empty metrics and scopes, duplicate keys, NaN and
    Infinity, extreme bucket offsets, summaries) as Metrics: the odd-data input of processor tests."""
    from pyotelcol.component import Signal
    from pyotelcol.pdata import Metrics
    from pyotelcol.pdata.otlpjson import decode_request

    data = decode_request(Signal.METRICS, (EXAMPLES / "metrics-odd.json").read_bytes())
    assert isinstance(data, Metrics)
    return data


def metric_names(data: Any) -> list[str]:
    """Every metric's name, in order."""
    return [m.name for rm in data.message.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
