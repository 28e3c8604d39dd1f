"""opamp extension: config rules with Go's messages, instance UIDs, health aggregation, the
message pieces (capabilities, available components, remote config files)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.extensions.opamp import opamp_pb2 as pb
from pyotelcol.extensions.opamp.client import ClientCallbacks, OpAMPClient, decode_ws, encode_ws
from pyotelcol.extensions.opamp.config import Config
from pyotelcol.extensions.opamp.description import available_components
from pyotelcol.extensions.opamp.extension import capability_bits, merge_config_files
from pyotelcol.extensions.opamp.health import HealthAggregator
from pyotelcol.extensions.opamp.uid import new_uuid7, parse_go_uuid, parse_instance_uid
from support import Collector, run_cli

from pyotelcol.component import ID, ConfigRejected, InstanceID, Kind, PipelineID, Status, StatusEvent
from pyotelcol.config import decode, validate


def _config(raw: dict[str, Any]) -> Config:
    return decode(Config, raw, Config())


def _errors(raw: dict[str, Any]) -> list[str]:
    return validate(_config(raw), "extensions::opamp")


WS = {"ws": {"endpoint": "ws://127.0.0.1:4320/v1/opamp"}}


def test_validation_messages_are_gos() -> None:
    assert _errors({}) == ["extensions::opamp: opamp server must have at least ws or http set"]
    both = {"server": {**WS, "http": {"endpoint": "http://127.0.0.1:4320/v1/opamp"}}}
    assert _errors(both) == ["extensions::opamp: opamp server must have only ws or http set"]
    assert "opamp server endpoint must be provided" in _errors({"server": {"ws": {}}})[0]
    negative = {"server": {"http": {"endpoint": "http://x/v1/opamp", "polling_interval": "-1s"}}}
    assert _errors(negative)[0].endswith("polling interval must be 0 or greater")
    bad_uid = {"server": WS, "instance_uid": "not-a-uid"}
    assert _errors(bad_uid) == ["extensions::opamp: opamp instance_uid is invalid"]
    assert _errors({"server": WS, "instance_uid": "018fdd3c-b5b4-7c4e-9d4b-8b9a9f3e0a11"}) == []
    assert _errors({"server": WS, "instance_uid": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}) == []


def test_defaults_match_go() -> None:
    cfg = _config({"server": WS})
    caps = cfg.capabilities
    assert (caps.reports_effective_config, caps.reports_health, caps.reports_available_components) == (True, True, True)
    assert caps.accepts_remote_config is False
    assert cfg.ppid_poll_interval.total_seconds() == 5
    assert cfg.server.polling_interval.total_seconds() == 30  # http default, as Go's


def test_validate_command_reports_the_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "extensions:\n  opamp:\n    server:\n      ws:\n        endpoint: ws://h/v1/opamp\n"
        "    instance_uid: nope\n    capabilities: {reports_nothing: true}\n"
        "receivers: {nop: {}}\nexporters: {nop: {}}\n"
        "service:\n  extensions: [opamp]\n  pipelines:\n    traces: {receivers: [nop], exporters: [nop]}\n"
    )
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 1
    assert "'capabilities' has invalid keys: reports_nothing" in result.stderr


def test_instance_uid_forms() -> None:
    canonical = "018fdd3c-b5b4-7c4e-9d4b-8b9a9f3e0a11"
    expected = uuid.UUID(canonical)
    for text in (
        canonical,
        canonical.upper(),
        "{" + canonical + "}",
        "urn:uuid:" + canonical,
        canonical.replace("-", ""),
    ):
        assert parse_instance_uid(text) == expected
    # a ULID is 128 bits in Crockford base32, taken as the UUID's bytes
    assert parse_instance_uid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ") == uuid.UUID(int=(1 << 128) - 1)
    assert parse_instance_uid("00000000000000000000000001") == uuid.UUID(int=1)
    for bad in ("8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "0000000000000000000000000U", "", "018fdd3c"):
        with pytest.raises(ValueError):
            parse_instance_uid(bad)
    with pytest.raises(ValueError, match=r"^invalid UUID length: 7$"):
        parse_go_uuid("my-host")
    with pytest.raises(ValueError, match=r"^invalid UUID format$"):
        parse_go_uuid("x" * 36)


def test_generated_uid_is_uuid7() -> None:
    first, second = new_uuid7(), new_uuid7()
    assert first.version == 7 and first.variant == uuid.RFC_4122
    assert first != second


def test_capability_bits() -> None:
    cfg = _config({"server": WS})
    assert capability_bits(cfg) == 0x1 | 0x4 | 0x800 | 0x4000
    cfg = _config({"server": WS, "capabilities": {"reports_health": False, "accepts_remote_config": True}})
    assert capability_bits(cfg) == 0x1 | 0x2 | 0x4 | 0x1000 | 0x4000


def _event(status: Status, at: float, err: str | None = None) -> StatusEvent:
    return StatusEvent(status, RuntimeError(err) if err else None, at)


def test_health_follows_component_status() -> None:
    agg = HealthAggregator()
    traces = frozenset({PipelineID.parse("traces")})
    otlp = InstanceID(ID.parse("otlp"), Kind.RECEIVER, traces)
    debug = InstanceID(ID.parse("debug"), Kind.EXPORTER, traces)
    ext = InstanceID(ID.parse("opamp"), Kind.EXTENSION)
    agg.record(ext, _event(Status.STARTING, 1))
    assert agg.record(ext, _event(Status.OK, 2)) is False  # held until the pipelines are ready
    agg.record(debug, _event(Status.STARTING, 3))
    agg.record(otlp, _event(Status.STARTING, 4))
    agg.record(debug, _event(Status.OK, 5))
    agg.record(otlp, _event(Status.OK, 6))
    health = agg.component_health()
    assert health is not None and health.status == "StatusStarting" and not health.healthy
    agg.ready()
    health = agg.component_health()
    assert health is not None and health.healthy and health.status == "StatusOK"
    assert set(health.component_health_map) == {"extensions", "pipeline:traces"}
    assert set(health.component_health_map["pipeline:traces"].component_health_map) == {
        "receiver:otlp",
        "exporter:debug",
    }

    agg.record(debug, _event(Status.RECOVERABLE_ERROR, 7, "queue is full"))
    agg.record(otlp, _event(Status.PERMANENT_ERROR, 8, "listener died"))
    health = agg.component_health()
    assert health is not None and not health.healthy
    assert health.status == "StatusPermanentError"  # permanent errors take priority
    assert health.last_error == "listener died"
    pipeline = health.component_health_map["pipeline:traces"]
    assert pipeline.component_health_map["exporter:debug"].last_error == "queue is full"
    assert pipeline.component_health_map["exporter:debug"].status_time_unix_nano == 7_000_000_000

    agg.record(otlp, _event(Status.OK, 9))
    agg.record(debug, _event(Status.OK, 10))
    health = agg.component_health()
    assert health is not None and health.healthy and health.last_error == ""

    # A reload retires the exporter while the collector runs: it leaves the report.
    logs = frozenset({PipelineID.parse("logs")})
    agg.record(InstanceID(ID.parse("debug"), Kind.EXPORTER, logs), _event(Status.STOPPING, 11))
    agg.record(InstanceID(ID.parse("debug"), Kind.EXPORTER), _event(Status.STOPPED, 12))
    health = agg.component_health()
    assert health is not None and health.healthy
    assert set(health.component_health_map["pipeline:traces"].component_health_map) == {"receiver:otlp"}
    assert "pipeline:logs" not in health.component_health_map

    # Shutting down: the stopped components are reported as such.
    agg.not_ready()
    agg.record(otlp, _event(Status.STOPPING, 13))
    agg.record(otlp, _event(Status.STOPPED, 14))
    health = agg.component_health()
    assert health is not None and not health.healthy and health.status == "StatusStopping"


def test_available_components_layout_and_hash() -> None:
    comps = {Kind.RECEIVER: {"otlp": "pyotelcol 0.1.0"}, Kind.EXTENSION: {"opamp": "pyotelcol 0.1.0"}}
    out = available_components(comps)
    text = "receiver:otlp=pyotelcol 0.1.0;processor:exporter:extension:opamp=pyotelcol 0.1.0;connector:"
    assert out.hash == hashlib.sha256(text.encode()).digest()
    assert set(out.components) == {"receivers", "processors", "exporters", "extensions", "connectors"}
    meta = out.components["receivers"].sub_component_map["otlp"].metadata[0]
    assert (meta.key, meta.value.string_value) == ("code.namespace", "pyotelcol 0.1.0")


def test_remote_config_files() -> None:
    one = {"a.yaml": pb.AgentConfigFile(body=b"receivers: {nop: {}}\n")}
    assert merge_config_files(one) == b"receivers: {nop: {}}\n"
    two = {
        "b.yaml": pb.AgentConfigFile(body=b"exporters:\n  nop: {}\nreceivers:\n  nop: {}\n"),
        "a.yaml": pb.AgentConfigFile(body=b"receivers:\n  otlp: {}\n"),
    }
    merged = merge_config_files(two)
    assert b"otlp" in merged and b"nop" in merged and b"exporters" in merged
    with pytest.raises(ConfigRejected, match="is not a map"):
        merge_config_files({"a": pb.AgentConfigFile(body=b"- 1\n"), "b": pb.AgentConfigFile(body=b"x: 1\n")})


def test_parent_process_gone_stops_the_collector(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    path = tmp_path / "c.yaml"
    path.write_text(
        "extensions:\n  opamp:\n    server:\n      ws:\n        endpoint: ws://127.0.0.1:9/v1/opamp\n"
        f"    ppid: {parent.pid}\n    ppid_poll_interval: 50ms\n"
        "receivers: {nop: {}}\nexporters: {nop: {}}\n"
        "service:\n  extensions: [opamp]\n  pipelines:\n    traces: {receivers: [nop], exporters: [nop]}\n"
    )
    col = Collector(path)
    try:
        time.sleep(0.5)
        assert col.proc.poll() is None  # the parent still runs
    finally:
        parent.kill()
        parent.wait()
    _, _, err = col.stop(sig=signal.SIGCONT, timeout=30)  # SIGCONT: no stop request, it exits itself
    assert f"collector was orphaned, process with pid {parent.pid} does not exist" in err


def test_service_instance_id_must_be_a_uuid(tmp_path: Path) -> None:
    """Go takes the instance UID from service.instance.id and fails when that is no UUID."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "extensions:\n  opamp:\n    server:\n      ws:\n        endpoint: ws://127.0.0.1:9/v1/opamp\n"
        "receivers: {nop: {}}\nexporters: {nop: {}}\n"
        "service:\n  telemetry: {resource: {service.instance.id: my-host}}\n  extensions: [opamp]\n"
        "  pipelines:\n    traces: {receivers: [nop], exporters: [nop]}\n"
    )
    col = Collector(path)
    code, _, err = col.stop(sig=signal.SIGCONT, timeout=30)
    assert code == 1
    assert 'failed to start "opamp" extension: invalid UUID length: 7' in err


def test_client_follows_the_server() -> None:
    """What the client does with a ServerToAgent: full state, component list, new instance UID,
    remote config only with the capability, retry delay from an Unavailable error."""
    offers: list[pb.AgentRemoteConfig] = []

    async def no_headers() -> dict[str, str]:
        return {}

    async def scenario() -> None:
        available = pb.AvailableComponents(hash=b"h")
        available.components["receivers"].sub_component_map["otlp"].SetInParent()
        client = OpAMPClient(
            b"\x01" * 16,
            0x1 | 0x4000,
            pb.AgentDescription(identifying_attributes=[pb.KeyValue(key="service.name")]),
            available,
            ClientCallbacks(lambda: None, offers.append, lambda _signal, _offer: None, no_headers),
            logging.getLogger("test"),
        )
        client.prepare_first_message()
        first = client.pop()
        assert first is not None and first.sequence_num == 0 and first.HasField("agent_description")
        assert first.available_components.hash == b"h" and not first.available_components.components
        assert client.pop() is None
        bare = client.pop(force=True)
        assert bare is not None and bare.sequence_num == 1 and not bare.HasField("agent_description")

        client.process(pb.ServerToAgent(flags=pb.ServerToAgentFlags_ReportFullState))
        full = client.pop()
        assert (
            full is not None
            and full.HasField("agent_description")
            and "receivers" in full.available_components.components
        )

        new_uid = uuid.uuid4().bytes
        client.process(pb.ServerToAgent(agent_identification=pb.AgentIdentification(new_instance_uid=new_uid)))
        client.process(pb.ServerToAgent(agent_identification=pb.AgentIdentification(new_instance_uid=b"short")))
        client.process(pb.ServerToAgent(remote_config=pb.AgentRemoteConfig(config_hash=b"x")))
        assert offers == []  # no AcceptsRemoteConfig capability
        client.capabilities |= pb.AgentCapabilities_AcceptsRemoteConfig
        client.process(pb.ServerToAgent(remote_config=pb.AgentRemoteConfig(config_hash=b"x")))
        assert [o.config_hash for o in offers] == [b"x"]
        after = client.pop(force=True)
        assert after is not None and after.instance_uid == new_uid

        err = pb.ServerErrorResponse(type=pb.ServerErrorResponseType_Unavailable, error_message="busy")
        err.retry_info.retry_after_nanoseconds = 2_500_000_000
        assert client.process(pb.ServerToAgent(error_response=err)) == 2.5

        frame = encode_ws(after)
        assert frame[0] == 0 and pb.AgentToServer.FromString(frame[1:]) == after
        assert decode_ws(b"\x00" + pb.ServerToAgent(flags=1).SerializeToString()).flags == 1

    asyncio.run(scenario())
