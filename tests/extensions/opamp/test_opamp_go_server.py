"""opamp extension against a real OpAMP server: opamp-go v0.23.0's ``server`` package
(goserver/main.go), built with ``go build`` when Go is installed and the module downloads. The
server logs every AgentToServer it decodes as a JSON line (protojson) and offers a remote config
from a file or from its control endpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import Collector, free_port, wait_for_port

GOSERVER = Path(__file__).with_name("goserver")


@pytest.fixture(scope="module")
def goserver_binary() -> Path:
    """The server binary, cached under /tmp by a digest of its sources."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not on PATH: the opamp-go server cannot be built")
    digest = hashlib.sha256()
    for name in ("main.go", "go.mod", "go.sum"):
        digest.update((GOSERVER / name).read_bytes())
    out_dir = Path(tempfile.gettempdir()) / f"pyotelcol-opamp-goserver-{digest.hexdigest()[:16]}"
    binary = out_dir / "goserver"
    if binary.exists():
        return binary
    build_dir = Path(tempfile.mkdtemp(prefix="pyotelcol-opamp-build-"))
    for name in ("main.go", "go.mod", "go.sum"):
        shutil.copy(GOSERVER / name, build_dir / name)
    result = subprocess.run(
        [go, "build", "-o", str(build_dir / "goserver"), "."],
        cwd=build_dir,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    if result.returncode != 0:
        pytest.skip(f"cannot build the opamp-go server (module download or build failed): {result.stderr[-500:]}")
    out_dir.mkdir(parents=True, exist_ok=True)
    os.replace(build_dir / "goserver", binary)
    shutil.rmtree(build_dir, ignore_errors=True)
    return binary


class GoServer:
    def __init__(self, binary: Path, workdir: Path, port: int, remote_config: Path | None = None) -> None:
        self.port, self.control_port = port, free_port()
        self.log = workdir / "agent-messages.jsonl"
        args = [str(binary), "-listen", f"127.0.0.1:{self.port}", "-control", f"127.0.0.1:{self.control_port}"]
        args += ["-log", str(self.log)]
        if remote_config is not None:
            args += ["-remote-config", str(remote_config)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(self.port)

    def records(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in self.records():
                if predicate(record["message"]):
                    return record
            time.sleep(0.05)
        raise AssertionError(f"no matching message within {timeout}s: {self.records()[-3:]}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def go_server_factory(goserver_binary: Path, tmp_path: Path) -> Iterator[Callable[..., GoServer]]:
    started: list[GoServer] = []

    def start(port: int = 0, remote_config: Path | None = None) -> GoServer:
        srv = GoServer(goserver_binary, tmp_path, port or free_port(), remote_config)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


def config_text(opamp: dict[str, Any], port: int) -> str:
    return yaml.safe_dump(
        {
            "extensions": {"opamp": opamp},
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{port}"}}}},
            "exporters": {"nop": {}},
            "service": {"extensions": ["opamp"], "pipelines": {"logs": {"receivers": ["otlp"], "exporters": ["nop"]}}},
        }
    )


def kv(items: list[dict[str, Any]]) -> dict[str, str]:
    return {item["key"]: item["value"]["stringValue"] for item in items}


def test_go_server_decodes_what_the_agent_sends(
    go_server_factory: Callable[..., GoServer], collector_factory: Callable[..., Collector], tmp_path: Path
) -> None:
    """WebSocket: description, capabilities, health, effective config, then a remote config
    POSTed to the server is applied (and a broken one refused) through the collector's reload."""
    srv = go_server_factory()
    port, new_port = free_port(), free_port()
    opamp = {
        "server": {"ws": {"endpoint": f"ws://127.0.0.1:{srv.port}/v1/opamp", "headers": {"X-Agent": "py"}}},
        "instance_uid": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "capabilities": {"accepts_remote_config": True},
    }
    col = collector_factory(config_text(opamp, port), wait_ports=(port,))

    first = srv.wait_for(lambda m: "agentDescription" in m)
    assert first["transport"] == "ws" and first["headers"]["x-agent"] == "py"
    msg = first["message"]
    uid = uuid.UUID(bytes=base64.b64decode(msg["instanceUid"]))
    assert uid == uuid.UUID(int=int.from_bytes(bytes.fromhex("01563e3ab5d3d6764c61efb99302bd5b"), "big"))
    ident = kv(msg["agentDescription"]["identifyingAttributes"])
    assert ident["service.instance.id"] == str(uid) and ident["service.name"] == "pyotelcol"
    assert int(msg["capabilities"]) == 0x1 | 0x2 | 0x4 | 0x800 | 0x1000 | 0x4000
    body = base64.b64decode(msg["effectiveConfig"]["configMap"]["configMap"][""]["body"])
    assert yaml.safe_load(body)["extensions"]["opamp"]["server"]["ws"]["headers"]["X-Agent"] == "[REDACTED]"

    srv.wait_for(
        lambda m: (
            m.get("health", {}).get("healthy") is True and "pipeline:logs" in m["health"].get("componentHealthMap", {})
        )
    )

    def offer(text: str) -> str:
        post(f"http://127.0.0.1:{srv.control_port}/control/remote-config", text.encode())
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    applied_hash = offer(config_text(opamp, new_port))
    srv.wait_for(
        lambda m: (
            m.get("remoteConfigStatus", {}).get("lastRemoteConfigHash") == applied_hash
            and m["remoteConfigStatus"].get("status") == "RemoteConfigStatuses_APPLIED"
        )
    )
    wait_for_port(new_port, col.proc)

    refused_hash = offer("exporters:\n  nop:\n    bogus: 1\n")
    refused = srv.wait_for(
        lambda m: (
            m.get("remoteConfigStatus", {}).get("lastRemoteConfigHash") == refused_hash
            and m["remoteConfigStatus"].get("status") == "RemoteConfigStatuses_FAILED"
        )
    )
    assert "bogus" in refused["message"]["remoteConfigStatus"]["errorMessage"]
    code, _, err = col.stop()
    assert code == 0, err
    assert "agentDisconnect" in srv.records()[-1]["message"]


def test_go_server_over_http_with_a_remote_config_file(
    go_server_factory: Callable[..., GoServer], collector_factory: Callable[..., Collector], tmp_path: Path
) -> None:
    """HTTP polling; the server offers the config of its -remote-config file from the start."""
    server_port, port, new_port = free_port(), free_port(), free_port()
    opamp = {
        "server": {"http": {"endpoint": f"http://127.0.0.1:{server_port}/v1/opamp", "polling_interval": "100ms"}},
        "capabilities": {"accepts_remote_config": True},
    }
    remote = tmp_path / "remote.yaml"
    remote.write_text(config_text(opamp, new_port))
    srv = go_server_factory(server_port, remote)
    col = collector_factory(config_text(opamp, port))  # its first port may close at once: the offer waits
    first = srv.wait_for(lambda m: "agentDescription" in m)
    assert first["transport"] == "http"
    assert "hash" in first["message"]["availableComponents"]
    digest = base64.b64encode(hashlib.sha256(remote.read_bytes()).digest()).decode()
    srv.wait_for(lambda m: m.get("remoteConfigStatus", {}).get("status") == "RemoteConfigStatuses_APPLIED")
    wait_for_port(new_port, col.proc)
    applied = [r for r in srv.records() if r["message"].get("remoteConfigStatus", {}).get("lastRemoteConfigHash")]
    assert {r["message"]["remoteConfigStatus"]["lastRemoteConfigHash"] for r in applied} == {digest}
    srv.wait_for(lambda m: int(m.get("sequenceNum", "0")) >= 3)  # idle polls
    post(f"http://127.0.0.1:{srv.control_port}/control/full-state")
    again = srv.wait_for(lambda m: int(m.get("sequenceNum", "0")) > 0 and "agentDescription" in m)
    assert "receivers" in again["message"]["availableComponents"]["components"]
    assert again["message"]["remoteConfigStatus"]["status"] == "RemoteConfigStatuses_APPLIED"
    code, _, err = col.stop()
    assert code == 0, err
    seqs = [int(r["message"].get("sequenceNum", "0")) for r in srv.records()]
    assert seqs == list(range(len(seqs)))


def post(url: str, body: bytes = b"") -> None:
    urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=5).close()


def test_go_server_offers_own_telemetry(
    go_server_factory: Callable[..., GoServer], collector_factory: Callable[..., Collector]
) -> None:
    """opamp-go's server offers ConnectionSettingsOffers (own metrics, traces, logs) over
    WebSocket: the collector, with ``capabilities.reports_own_*``, sends its own metrics and log
    records to the offered OTLP/HTTP endpoints with the offered header."""
    import asyncio
    import threading

    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
    from support import otlp_sinks

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    sink = otlp_sinks().HttpSink(free_port())
    asyncio.run_coroutine_threadsafe(sink.start(), loop).result(10)
    try:
        srv = go_server_factory()
        port, prom = free_port(), free_port()
        opamp = {
            "server": {"ws": {"endpoint": f"ws://127.0.0.1:{srv.port}/v1/opamp"}},
            "capabilities": {"reports_own_metrics": True, "reports_own_traces": True, "reports_own_logs": True},
        }
        conf = yaml.safe_load(config_text(opamp, port))
        conf["service"]["telemetry"] = {
            "metrics": {"readers": [{"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": prom}}}}]}
        }
        col = collector_factory(yaml.safe_dump(conf), wait_ports=(port,))
        first = srv.wait_for(lambda m: "agentDescription" in m)
        assert int(first["message"]["capabilities"]) & (0x20 | 0x40 | 0x80) == 0x20 | 0x40 | 0x80

        post(f"http://127.0.0.1:{srv.control_port}/control/own-telemetry", f"http://127.0.0.1:{sink.port}".encode())

        def arrived(path: str) -> list[Any]:
            return [r for r in list(sink.accepted) if r.path == path]

        deadline = time.monotonic() + 20
        while not (arrived("/v1/metrics") and arrived("/v1/logs")):
            assert time.monotonic() < deadline, [r.path for r in sink.accepted]
            time.sleep(0.05)
        assert all(r.headers.get("x-fleet-key") == "go" for r in sink.accepted)
        metrics = ExportMetricsServiceRequest.FromString(arrived("/v1/metrics")[0].body)
        names = {m.name for rm in metrics.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
        assert "otelcol_process_uptime" in names
        code, _, err = col.stop()
        assert code == 0, err
    finally:
        asyncio.run_coroutine_threadsafe(sink.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
