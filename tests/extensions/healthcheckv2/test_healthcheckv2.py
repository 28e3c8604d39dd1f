"""healthcheckv2 extension: config errors, the status aggregation rules, and a real collector
answering /status, /config and grpc.health.v1 Check/Watch while a memory_limiter (configured
below the process's memory) reports a RecoverableError that turns unhealthy after
``recovery_duration``."""

from __future__ import annotations

import importlib.util
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from pyotelcol.extensions.healthcheckv2.aggregator import Aggregator, ErrorPriority, Event
from pyotelcol.extensions.healthcheckv2.factory import create_factory
from support import Collector, free_port, run_cli, wait_for_port

from pyotelcol.component import ID, InstanceID, Kind, PipelineID, Status
from pyotelcol.config import decode, validate

# -- config -------------------------------------------------------------------------------------


def _errors(raw: dict[str, Any]) -> list[str]:
    default = create_factory().create_default_config()
    return validate(decode(type(default), raw, default), "extensions::healthcheckv2")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"use_v2": True}, "must specify at least one protocol"),
        ({"use_v2": True, "http": {"endpoint": ""}}, "http endpoint required"),
        ({"use_v2": True, "grpc": {"endpoint": ""}}, "grpc endpoint required"),
        ({"use_v2": True, "http": {"status": {"path": "status"}}}, "path must start with /"),
        ({"use_v2": True, "http": {"config": {"enabled": True, "path": "c"}}}, "path must start with /"),
        ({"endpoint": ""}, "http endpoint required"),
        ({"path": "health"}, "path must start with /"),
    ],
)
def test_validation_messages(raw: dict[str, Any], message: str) -> None:
    assert _errors(raw) == [f"extensions::healthcheckv2: {message}"]


def test_valid_configs_and_defaults() -> None:
    assert _errors({}) == []  # legacy mode
    assert _errors({"use_v2": True, "grpc": None}) == []  # `grpc:` alone turns it on with defaults
    # a disabled config path is not checked, as in Go
    assert _errors({"use_v2": True, "http": {"config": {"path": "x"}}}) == []
    default = create_factory().create_default_config()
    cfg = decode(type(default), {"use_v2": True, "http": None, "grpc": None}, default)
    http, grpc_cfg = cfg.http.get(), cfg.grpc.get()
    assert http is not None and grpc_cfg is not None
    assert (http.endpoint, http.status.enabled, http.status.path) == ("localhost:13133", True, "/status")
    assert (http.config.enabled, http.config.path, grpc_cfg.endpoint) == (False, "/config", "localhost:13132")
    assert cfg.component_health is None


def test_validate_cli_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        """
extensions: {healthcheckv2: {use_v2: true, http: {status: {path: nope}}}}
receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:0"}}}}
exporters: {nop: {}}
service:
  extensions: [healthcheckv2]
  pipelines: {traces: {receivers: [otlp], exporters: [nop]}}
"""
    )
    result = run_cli("validate", "--config", str(path))
    assert result.returncode != 0
    assert "extensions::healthcheckv2: path must start with /" in result.stderr


# -- aggregation ----------------------------------------------------------------------------------

_TRACES = PipelineID.parse("traces")


def _source(name: str, kind: Kind) -> InstanceID:
    return InstanceID(ID.parse(name), kind, frozenset({_TRACES}))


def test_error_priority_and_earliest_error_wins() -> None:
    agg = Aggregator(ErrorPriority.PERMANENT)
    recv, exp = _source("otlp", Kind.RECEIVER), _source("otlp_http", Kind.EXPORTER)
    agg.record_status(recv, Event(Status.OK, None, 10))
    agg.record_status(exp, Event(Status.RECOVERABLE_ERROR, ValueError("late"), 30))
    st = agg.aggregate_status("traces", True)
    assert st is not None and st.event.status is Status.RECOVERABLE_ERROR
    assert sorted(st.components) == ["exporter:otlp_http", "receiver:otlp"]
    agg.record_status(recv, Event(Status.PERMANENT_ERROR, ValueError("perm"), 20))
    st = agg.aggregate_status("traces", False)
    assert st is not None and (st.event.status, str(st.event.error)) == (Status.PERMANENT_ERROR, "perm")
    assert st.components == {}  # concise
    # reversed priority: recoverable errors matter more
    rev = Aggregator(ErrorPriority.RECOVERABLE)
    rev.record_status(recv, Event(Status.PERMANENT_ERROR, None, 20))
    rev.record_status(exp, Event(Status.RECOVERABLE_ERROR, None, 30))
    top = rev.aggregate_status("", False)
    assert top is not None and top.event.status is Status.RECOVERABLE_ERROR
    # two errors of the same status: the earliest marks the start of the failure
    both = Aggregator(ErrorPriority.PERMANENT)
    both.record_status(exp, Event(Status.RECOVERABLE_ERROR, ValueError("second"), 50))
    both.record_status(recv, Event(Status.RECOVERABLE_ERROR, ValueError("first"), 40))
    st = both.aggregate_status("traces", False)
    assert st is not None and (str(st.event.error), st.event.timestamp_ns) == ("first", 40)


def _status(agg: Aggregator, scope: str) -> Status:
    st = agg.aggregate_status(scope, False)
    assert st is not None
    return st.event.status


def test_lifecycle_statuses_dominate_and_stopped_needs_everyone() -> None:
    agg = Aggregator(ErrorPriority.PERMANENT)
    recv, exp = _source("otlp", Kind.RECEIVER), _source("nop", Kind.EXPORTER)
    agg.record_status(exp, Event(Status.RECOVERABLE_ERROR, None, 1))
    agg.record_status(recv, Event(Status.STARTING, None, 2))
    assert _status(agg, "traces") is Status.STARTING
    agg.record_status(recv, Event(Status.STOPPED, None, 3))
    st = agg.aggregate_status("traces", False)
    assert st is not None and (st.event.status, st.event.timestamp_ns) == (Status.STOPPING, 3)
    agg.record_status(exp, Event(Status.STOPPED, None, 4))
    assert _status(agg, "traces") is Status.STOPPED
    assert agg.aggregate_status("logs", False) is None
    ext = InstanceID(ID.parse("healthcheckv2"), Kind.EXTENSION)
    agg.record_status(ext, Event(Status.FATAL_ERROR, RuntimeError("boom"), 5))
    assert _status(agg, "") is Status.FATAL_ERROR
    extensions = agg.aggregate_status("extensions", True)
    assert extensions is not None and list(extensions.components) == ["extension:healthcheckv2"]


# -- a real collector -----------------------------------------------------------------------------

RECOVERY_S = 3


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def _poll(url: str, pred: Any, timeout: float = 30) -> tuple[int, Any]:
    deadline = time.monotonic() + timeout
    while True:
        code, _, body = _get(url)
        payload = json.loads(body) if body else None
        if pred(code, payload):
            return code, payload
        if time.monotonic() > deadline:
            raise AssertionError(f"last answer {code} {payload}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int, int]]:
    http_port, grpc_port, otlp_port, legacy_port = free_port(), free_port(), free_port(), free_port()
    path = tmp_path_factory.mktemp("hc2") / "config.yaml"
    path.write_text(
        f"""
extensions:
  healthcheckv2:
    use_v2: true
    component_health: {{include_recoverable_errors: true, recovery_duration: {RECOVERY_S}s}}
    http: {{endpoint: "127.0.0.1:{http_port}", config: {{enabled: true}}}}
    grpc: {{endpoint: "127.0.0.1:{grpc_port}"}}
  healthcheckv2/legacy:
    endpoint: "127.0.0.1:{legacy_port}"
    path: /health
receivers:
  otlp:
    protocols: {{http: {{endpoint: "127.0.0.1:{otlp_port}"}}}}
processors:
  # far below any Python process: refuses data and reports RecoverableError at its first check
  memory_limiter: {{check_interval: 200ms, limit_mib: 1}}
exporters:
  nop:
service:
  telemetry: {{metrics: {{level: none}}}}
  extensions: [healthcheckv2, healthcheckv2/legacy]
  pipelines:
    traces: {{receivers: [otlp], processors: [memory_limiter], exporters: [nop]}}
    metrics: {{receivers: [otlp], exporters: [nop]}}
"""
    )
    col = Collector(path)
    try:
        for port in (http_port, grpc_port, legacy_port, otlp_port):
            wait_for_port(port, col.proc)
        yield http_port, grpc_port, legacy_port
    finally:
        code, _, err = col.stop()
        assert code == 0, err


def _rfc3339(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_status_per_pipeline_and_verbose(collector: tuple[int, int, int]) -> None:
    base = f"http://127.0.0.1:{collector[0]}/status"
    code, body = _poll(base + "?pipeline=metrics&verbose", lambda c, b: c == 200)
    assert list(body) == ["start_time", "healthy", "status", "status_time", "attributes", "components"]
    assert (body["healthy"], body["status"]) == (True, "StatusOK")
    assert body["components"].keys() == {"exporter:nop", "receiver:otlp"}
    for comp in body["components"].values():
        assert (comp["healthy"], comp["status"], comp["attributes"]) == (True, "StatusOK", {})
        assert "components" not in comp and "start_time" not in comp
    # concise: no subtree
    code, _, raw = _get(base + "?pipeline=metrics")
    assert code == 200 and "components" not in json.loads(raw)
    # verbose=false is concise too; an unknown pipeline is a bare 404
    assert "components" not in json.loads(_get(base + "?pipeline=metrics&verbose=false")[2])
    code, _, raw = _get(base + "?pipeline=logs")
    assert (code, raw) == (404, b"")
    code, body = _poll(base + "?verbose", lambda c, b: b["components"].get("pipeline:traces") is not None)
    assert set(body["components"]) == {"extensions", "pipeline:metrics", "pipeline:traces"}
    assert set(body["components"]["extensions"]["components"]) == {
        "extension:healthcheckv2",
        "extension:healthcheckv2/legacy",
    }


def test_recoverable_error_turns_unhealthy_after_recovery_duration(collector: tuple[int, int, int]) -> None:
    url = f"http://127.0.0.1:{collector[0]}/status?pipeline=traces&verbose"
    code, body = _poll(url, lambda c, b: b is not None and b["status"] == "StatusRecoverableError")
    limiter = body["components"]["processor:memory_limiter"]
    assert limiter["status"] == "StatusRecoverableError"
    assert limiter["error"] == body["error"] and "data refused" in body["error"]
    began = _rfc3339(body["status_time"])
    if time.time() < began + RECOVERY_S - 0.5:  # answered within the recovery window
        assert (code, body["healthy"]) == (200, True)
    code, body = _poll(url, lambda c, b: c == 500)
    assert body["healthy"] is False and body["components"]["processor:memory_limiter"]["healthy"] is False
    assert body["components"]["receiver:otlp"]["healthy"] is True
    # the overall status carries the error too; the metrics pipeline stays healthy
    top = json.loads(_get(f"http://127.0.0.1:{collector[0]}/status")[2])
    assert (top["status"], top["healthy"]) == ("StatusRecoverableError", False)
    assert _get(f"http://127.0.0.1:{collector[0]}/status?pipeline=metrics")[0] == 200


def test_config_endpoint(collector: tuple[int, int, int]) -> None:
    code, ctype, raw = _get(f"http://127.0.0.1:{collector[0]}/config")
    assert (code, ctype) == (200, "application/json")
    conf = json.loads(raw)
    assert list(conf) == sorted(conf)
    assert conf["processors"]["memory_limiter"]["limit_mib"] == 1
    assert _get(f"http://127.0.0.1:{collector[0]}/nothing")[0] == 404


def test_legacy_mode(collector: tuple[int, int, int]) -> None:
    """use_v2 false: Go's v1 JSON on ``path``, 200 while the collector runs (an error status is
    still 200 in legacy mode)."""
    code, ctype, raw = _get(f"http://127.0.0.1:{collector[2]}/health")
    assert (code, ctype) == (200, "application/json")
    body = json.loads(raw)
    assert list(body) == ["status", "upSince", "uptime"] and body["status"] == "Server available"
    assert _get(f"http://127.0.0.1:{collector[2]}/")[0] == 404


def _request(service: str) -> bytes:
    data = service.encode()
    return b"\x0a" + bytes([len(data)]) + data if data else b""


def test_grpc_check_and_watch(collector: tuple[int, int, int]) -> None:
    """grpc.health.v1 over a real channel; messages encoded by hand (field 1 of each)."""
    serving, not_serving = b"\x08\x01", b"\x08\x02"
    with grpc.insecure_channel(f"127.0.0.1:{collector[1]}") as raw_channel:
        channel: Any = raw_channel  # grpc-stubs types need serializers; raw bytes here
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        assert check(_request("metrics"), timeout=10) == serving
        with pytest.raises(grpc.RpcError) as err:
            check(_request("logs"), timeout=10)
        assert (err.value.code(), err.value.details()) == (grpc.StatusCode.NOT_FOUND, "Service not found.")
        # after the recovery duration the recoverable error is NOT_SERVING, for the pipeline
        # and for the collector overall
        deadline = time.monotonic() + 30
        while check(_request("traces"), timeout=10) != not_serving:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert check(_request(""), timeout=10) == not_serving
        watch = channel.unary_stream("/grpc.health.v1.Health/Watch")
        stream = watch(_request("metrics"), timeout=10)
        assert next(stream) == serving
        stream.cancel()
        # a pipeline that never reported: SERVICE_UNKNOWN, and the stream stays open
        stream = watch(_request("logs"), timeout=10)
        assert next(stream) == b"\x08\x03"
        stream.cancel()


def test_grpc_watch_waits_recovery_duration_for_a_recoverable_error(collector: tuple[int, int, int]) -> None:
    """Go's Watch starts its own recovery timer when it first sees a RecoverableError: SERVING
    first, NOT_SERVING once ``recovery_duration`` passes without another status."""
    url = f"http://127.0.0.1:{collector[0]}/status?pipeline=traces"
    _poll(url, lambda c, b: b is not None and b["status"] == "StatusRecoverableError")
    with grpc.insecure_channel(f"127.0.0.1:{collector[1]}") as raw_channel:
        channel: Any = raw_channel  # grpc-stubs types need serializers; raw bytes here
        stream = channel.unary_stream("/grpc.health.v1.Health/Watch")(_request("traces"), timeout=RECOVERY_S + 20)
        assert next(stream) == b"\x08\x01"
        assert next(stream) == b"\x08\x02"
        stream.cancel()


# -- differential: the Go collector's answers, recorded by make_fixtures.py -------------------------


def _difftest() -> Any:
    spec = importlib.util.spec_from_file_location("hc2_difftest_config", Path(__file__).parent / "difftest_config.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_answers_match_the_go_collector(tmp_path: Path) -> None:
    diff = _difftest()
    expected = json.loads((Path(__file__).parent / "testdata" / "go_responses.json").read_text())
    http_port, legacy_port, otlp_port = free_port(), free_port(), free_port()
    path = tmp_path / "config.yaml"
    path.write_text(diff.config(http_port, legacy_port, otlp_port))
    col = Collector(path)
    try:
        for port in (http_port, legacy_port, otlp_port):
            wait_for_port(port, col.proc)
        _poll(f"http://127.0.0.1:{http_port}/status", lambda c, b: c == 200)
        got = {
            "v2": {p: diff.fetch(f"http://127.0.0.1:{http_port}{p}") for p in diff.PATHS},
            "legacy": {p: diff.fetch(f"http://127.0.0.1:{legacy_port}{p}") for p in diff.LEGACY_PATHS},
        }
    finally:
        code, _, err = col.stop()
    assert code == 0, err
    assert got == expected


def test_busy_http_port_fails_start(tmp_path: Path) -> None:
    """Go's bind error text for the HTTP service (started after the gRPC one)."""
    import socket

    grpc_port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        http_port = busy.getsockname()[1]
        path = tmp_path / "config.yaml"
        path.write_text(
            f"""
extensions:
  healthcheckv2:
    use_v2: true
    http: {{endpoint: "127.0.0.1:{http_port}"}}
    grpc: {{endpoint: "127.0.0.1:{grpc_port}"}}
receivers: {{otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{free_port()}"}}}}}}}}
exporters: {{nop: {{}}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  extensions: [healthcheckv2]
  pipelines: {{traces: {{receivers: [otlp], exporters: [nop]}}}}
"""
        )
        result = run_cli("--config", str(path))
    assert result.returncode != 0
    assert (
        f"failed to bind to address 127.0.0.1:{http_port}: listen tcp 127.0.0.1:{http_port}: "
        "bind: address already in use" in result.stderr
    )
