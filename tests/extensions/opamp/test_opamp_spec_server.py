"""opamp extension against an OpAMP server written from the spec (opamp_spec_server.py), over
both transports: what a collector reports, full-state requests, and remote configs applied
through the collector's reload path or refused."""

from __future__ import annotations

import importlib.util
import signal
import socket
import ssl
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from config.srvsupport import write_cert
from pyotelcol.extensions.opamp import opamp_pb2 as pb
from support import Collector, free_port, wait_for_port


def _load_spec_server() -> Any:
    """opamp_spec_server.py beside this file (test directories are not packages)."""
    name = "pyotelcol_test_opamp_spec_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("opamp_spec_server.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


SpecServer = _load_spec_server().SpecServer


@pytest.fixture
def server() -> Iterator[Any]:
    srv = SpecServer(free_port())
    srv.start()
    yield srv
    srv.stop()


def collector_yaml(opamp: dict[str, Any], otlp_port: int, extra: dict[str, Any] | None = None) -> str:
    conf: dict[str, Any] = {
        "extensions": {"opamp": opamp},
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{otlp_port}"}}}},
        "exporters": {
            "otlp_http": {"endpoint": "http://127.0.0.1:9", "headers": {"api-key": "s3cret-exporter"}},
        },
        "service": {
            "extensions": ["opamp"],
            "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp_http"]}},
        },
    }
    conf.update(extra or {})
    return yaml.safe_dump(conf)


def attrs(kvs: Any) -> dict[str, str]:
    return {kv.key: kv.value.string_value for kv in kvs}


def effective(msg: pb.AgentToServer) -> dict[str, Any]:
    body = msg.effective_config.config_map.config_map[""].body
    doc = yaml.safe_load(body)
    assert isinstance(doc, dict)
    return doc


def test_websocket_reports_the_agent(server: Any, collector_factory: Callable[..., Collector]) -> None:
    port = free_port()
    opamp = {
        "server": {
            "ws": {"endpoint": f"ws://127.0.0.1:{server.port}/v1/opamp", "headers": {"X-Fleet-Token": "s3cret"}}
        },
        "agent_description": {
            "non_identifying_attributes": {"env": "test", "host.name": "renamed"},
            "include_resource_attributes": True,
        },
    }
    telemetry = {"telemetry": {"resource": {"deployment.environment": "qa"}}}
    text = collector_yaml(opamp, port)
    conf = yaml.safe_load(text)
    conf["service"].update(telemetry)
    col = collector_factory(yaml.safe_dump(conf), wait_ports=(port,))

    first = server.wait_for(lambda m: m.HasField("agent_description"))
    assert first.sequence_num == 0
    ident = attrs(first.agent_description.identifying_attributes)
    assert ident["service.name"] == "pyotelcol" and ident["service.version"]
    assert uuid.UUID(bytes=first.instance_uid) == uuid.UUID(ident["service.instance.id"])
    non_ident = attrs(first.agent_description.non_identifying_attributes)
    assert non_ident["env"] == "test" and non_ident["host.name"] == "renamed"
    assert non_ident["deployment.environment"] == "qa" and non_ident["os.type"] == "linux"
    assert "service.name" not in non_ident  # identifying resource attributes stay out
    assert list(non_ident) == sorted(non_ident)
    assert first.capabilities == 0x1 | 0x4 | 0x800 | 0x4000
    assert first.available_components.hash and not first.available_components.components

    doc = effective(first)
    assert doc["exporters"]["otlp_http"]["headers"]["api-key"] == "[REDACTED]"
    assert doc["extensions"]["opamp"]["server"]["ws"]["headers"]["X-Fleet-Token"] == "[REDACTED]"
    assert b"s3cret" not in first.effective_config.config_map.config_map[""].body
    assert all(h.get("x-fleet-token") == "s3cret" for h in server.headers_seen())

    healthy = server.wait_for(lambda m: m.health.healthy and "pipeline:traces" in m.health.component_health_map)
    receivers = healthy.health.component_health_map["pipeline:traces"].component_health_map
    assert receivers["receiver:otlp"].status == "StatusOK"

    server.request_full_state()
    full = server.wait_for(lambda m: m.sequence_num > 0 and m.HasField("agent_description"))
    assert full.HasField("effective_config") and full.health.healthy
    assert "extensions" in full.available_components.components
    assert "opamp" in full.available_components.components["extensions"].sub_component_map

    code, _, err = col.stop()
    assert code == 0, err
    assert server.messages()[-1].HasField("agent_disconnect")
    assert server.transports() == {"ws"}
    seqs = [m.sequence_num for m in server.messages()]
    assert seqs == list(range(len(seqs)))


def test_http_polls_and_honours_full_state(server: Any, collector_factory: Callable[..., Collector]) -> None:
    port = free_port()
    opamp = {
        "server": {"http": {"endpoint": f"http://127.0.0.1:{server.port}/v1/opamp", "polling_interval": "100ms"}},
        "capabilities": {"reports_available_components": False},
    }
    col = collector_factory(collector_yaml(opamp, port), wait_ports=(port,))
    first = server.wait_for(lambda m: m.HasField("agent_description"))
    assert first.capabilities == 0x1 | 0x4 | 0x800
    assert not first.HasField("available_components")
    server.wait_for(lambda m: m.sequence_num >= 3)  # idle polls keep coming
    server.request_full_state()  # carried by the next HTTP answer
    again = server.wait_for(lambda m: m.sequence_num > 0 and m.HasField("agent_description"))
    assert again.HasField("effective_config")
    code, _, err = col.stop()
    assert code == 0, err
    assert server.transports() == {"http"}
    seqs = [m.sequence_num for m in server.messages()]
    assert seqs == list(range(len(seqs)))


def _status(server: Any, digest: bytes, status: int) -> pb.AgentToServer:
    found: pb.AgentToServer = server.wait_for(
        lambda m: m.remote_config_status.last_remote_config_hash == digest and m.remote_config_status.status == status
    )
    return found


def test_remote_config_applied_refused_and_failing(server: Any, collector_factory: Callable[..., Collector]) -> None:
    port, new_port = free_port(), free_port()
    opamp = {
        "server": {"ws": {"endpoint": f"ws://127.0.0.1:{server.port}/v1/opamp"}},
        "capabilities": {"accepts_remote_config": True},
    }
    col = collector_factory(collector_yaml(opamp, port), wait_ports=(port,))
    first = server.wait_for(lambda m: m.HasField("agent_description"))
    assert first.capabilities & 0x2 and first.capabilities & 0x1000

    digest = server.offer(collector_yaml(opamp, new_port).encode())
    _status(server, digest, pb.RemoteConfigStatuses_APPLYING)
    _status(server, digest, pb.RemoteConfigStatuses_APPLIED)
    wait_for_port(new_port, col.proc)
    updated = server.wait_for(
        lambda m: (
            m.HasField("effective_config")
            and str(new_port) in effective(m)["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
        )
    )
    assert updated.sequence_num > 0

    bad = server.offer(b"receivers:\n  nope: {}\n")
    failed = _status(server, bad, pb.RemoteConfigStatuses_FAILED)
    assert 'unknown type: "nope"' in failed.remote_config_status.error_message

    with socket.socket() as taken:  # a config that validates but cannot start
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy_port = taken.getsockname()[1]
        busy_conf = yaml.safe_load(collector_yaml(opamp, new_port))
        busy_conf["extensions"]["health_check"] = {"endpoint": f"127.0.0.1:{busy_port}"}
        busy_conf["service"]["extensions"] = ["opamp", "health_check"]
        busy = server.offer(yaml.safe_dump(busy_conf).encode())
        failed = _status(server, busy, pb.RemoteConfigStatuses_FAILED)
        assert "address already in use" in failed.remote_config_status.error_message

        # The extension that failed to start shows in the health report.
        def check_of(m: pb.AgentToServer) -> pb.ComponentHealth:
            return m.health.component_health_map["extensions"].component_health_map["extension:health_check"]

        unhealthy = server.wait_for(lambda m: check_of(m).status == "StatusPermanentError")
        assert "address already in use" in check_of(unhealthy).last_error
        assert not unhealthy.health.healthy and unhealthy.health.status == "StatusPermanentError"
    wait_for_port(new_port, col.proc)  # the applied config still runs
    code, _, err = col.stop()
    assert code == 0, err


def test_reconnects_and_resends_everything(collector_factory: Callable[..., Collector]) -> None:
    """No server at first: the client keeps trying; each new connection gets the full state."""
    port, server_port = free_port(), free_port()
    opamp = {"server": {"ws": {"endpoint": f"ws://127.0.0.1:{server_port}/v1/opamp"}}}
    col = collector_factory(collector_yaml(opamp, port), wait_ports=(port,))
    for _ in range(2):  # a server appears, goes away, and another one takes its place
        srv = SpecServer(server_port)
        srv.start()
        try:
            first = srv.wait_for(lambda m: m.HasField("agent_description"))
            assert first.HasField("effective_config") and first.health.healthy
        finally:
            srv.stop()
    code, _, err = col.stop()
    assert code == 0, err


def test_auth_extension_headers_and_redaction(server: Any, collector_factory: Callable[..., Collector]) -> None:
    port = free_port()
    opamp = {"server": {"http": {"endpoint": f"http://127.0.0.1:{server.port}/v1/opamp", "auth": "bearertokenauth"}}}
    conf = yaml.safe_load(collector_yaml(opamp, port))
    conf["extensions"]["bearertokenauth"] = {"token": "fleet-t0ken"}
    conf["service"]["extensions"] = ["opamp", "bearertokenauth"]  # the authenticator may start later
    col = collector_factory(yaml.safe_dump(conf), wait_ports=(port,))
    first = server.wait_for(lambda m: m.HasField("agent_description"))
    assert server.headers_seen()[0]["authorization"] == "Bearer fleet-t0ken"
    assert effective(first)["extensions"]["bearertokenauth"]["token"] == "[REDACTED]"
    code, _, err = col.stop()
    assert code == 0, err


def test_secure_websocket_with_a_private_ca(collector_factory: Callable[..., Collector], tmp_path: Path) -> None:
    cert = write_cert(tmp_path, "opamp.test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, tmp_path / "server.key")
    srv = SpecServer(free_port(), context)
    srv.start()
    try:
        port = free_port()
        opamp = {"server": {"ws": {"endpoint": f"wss://127.0.0.1:{srv.port}/v1/opamp", "tls": {"ca_file": str(cert)}}}}
        col = collector_factory(collector_yaml(opamp, port), wait_ports=(port,))
        first = srv.wait_for(lambda m: m.HasField("agent_description"))
        assert first.capabilities & 0x1
        code, _, err = col.stop()
        assert code == 0, err
    finally:
        srv.stop()


def test_effective_config_follows_a_sighup_reload(server: Any, collector_factory: Callable[..., Collector]) -> None:
    port, new_port = free_port(), free_port()
    opamp = {"server": {"ws": {"endpoint": f"ws://127.0.0.1:{server.port}/v1/opamp"}}}
    col = collector_factory(collector_yaml(opamp, port), wait_ports=(port,))
    server.wait_for(lambda m: m.HasField("effective_config"))
    col.config_path.write_text(collector_yaml(opamp, new_port))
    col.proc.send_signal(signal.SIGHUP)
    wait_for_port(new_port, col.proc)
    server.wait_for(
        lambda m: (
            m.sequence_num > 0
            and m.HasField("effective_config")
            and effective(m)["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == f"127.0.0.1:{new_port}"
        )
    )
    code, _, err = col.stop()
    assert code == 0, err


def test_own_telemetry_goes_where_the_server_offers(server: Any, collector_factory: Callable[..., Collector]) -> None:
    """``capabilities.reports_own_metrics/traces/logs`` (pyotelcol additions): the server's
    ConnectionSettingsOffers make the collector push its own metrics (at once, then every
    minute), spans (each OTLP request it receives) and log records over OTLP/HTTP to the offered
    endpoints, with the offered headers; an empty endpoint stops the logs."""
    import asyncio
    import json
    import threading
    import time
    import urllib.request

    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from support import otlp_sinks

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    sink = otlp_sinks().HttpSink(free_port())
    asyncio.run_coroutine_threadsafe(sink.start(), loop).result(10)

    def received(path: str) -> list[Any]:
        assert all(r.headers.get("x-fleet-key") == "k1" for r in sink.accepted if r.path == path)
        kinds: dict[str, Any] = {
            "/v1/metrics": ExportMetricsServiceRequest,
            "/v1/traces": ExportTraceServiceRequest,
            "/v1/logs": ExportLogsServiceRequest,
        }
        return [kinds[path].FromString(r.body) for r in list(sink.accepted) if r.path == path]

    def metric_names() -> set[str]:
        return {
            m.name
            for q in received("/v1/metrics")
            for rm in q.resource_metrics
            for sm in rm.scope_metrics
            for m in sm.metrics
        }

    def span_names() -> set[str]:
        return {
            s.name for q in received("/v1/traces") for rs in q.resource_spans for ss in rs.scope_spans for s in ss.spans
        }

    def log_bodies() -> list[str]:
        return [
            r.body.string_value
            for q in received("/v1/logs")
            for rl in q.resource_logs
            for sl in rl.scope_logs
            for r in sl.log_records
        ]

    def wait(predicate: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 20
        while not predicate():
            assert time.monotonic() < deadline, what
            time.sleep(0.05)

    try:
        opamp = {
            "server": {"ws": {"endpoint": f"ws://127.0.0.1:{server.port}/v1/opamp"}},
            "capabilities": {"reports_own_metrics": True, "reports_own_traces": True, "reports_own_logs": True},
        }
        port, prom = free_port(), free_port()
        conf = yaml.safe_load(collector_yaml(opamp, port))
        reader = {"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": prom}}}}
        conf["service"]["telemetry"] = {"metrics": {"readers": [reader]}}
        collector = collector_factory(yaml.safe_dump(conf), wait_ports=(port,))
        first = server.wait_for(lambda m: m.HasField("agent_description"))
        own = pb.AgentCapabilities_ReportsOwnMetrics | pb.AgentCapabilities_ReportsOwnTraces
        assert first.capabilities & own == own and first.capabilities & pb.AgentCapabilities_ReportsOwnLogs

        base = f"http://127.0.0.1:{sink.port}"
        destinations = {"metrics": f"{base}/v1/metrics", "traces": f"{base}/v1/traces", "logs": f"{base}/v1/logs"}
        server.offer_own_telemetry(destinations, {"x-fleet-key": "k1"})
        wait(lambda: "otelcol_process_uptime" in metric_names(), "own metrics")
        wait(lambda: any("own logs" in b for b in log_bodies()), "own logs")
        span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "x", "kind": 1}
        body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/traces", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        wait(lambda: "receiver/otlp/TraceDataReceived" in span_names(), "own spans")

        # an empty endpoint stops the logs: a reload's lines after it are not sent
        server.offer_own_telemetry({"logs": ""}, {})
        time.sleep(1)
        collector.proc.send_signal(signal.SIGHUP)
        time.sleep(3)  # past the log processor's 1 s export delay
        code, _, stderr = collector.stop(signal.SIGTERM)
        assert code == 0, stderr
        assert "Config updated" in stderr
        assert not any("Config updated" in b for b in log_bodies())
    finally:
        asyncio.run_coroutine_threadsafe(sink.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
