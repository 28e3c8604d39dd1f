"""The resource_detection processor in a real collector: OTLP/HTTP in, file exporter out."""

from __future__ import annotations

import importlib.util
import platform
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import Collector, free_port, run_cli, wait_for_port

_HELPERS_SPEC = importlib.util.spec_from_file_location(
    "pyotelcol_test_rd_helpers", Path(__file__).with_name("rd_helpers.py")
)
assert _HELPERS_SPEC is not None and _HELPERS_SPEC.loader is not None
rd = importlib.util.module_from_spec(_HELPERS_SPEC)
_HELPERS_SPEC.loader.exec_module(rd)

# The data's own attributes: host.name clashes with what the detectors find.
OWN = [
    {"key": "service.name", "value": {"stringValue": "checkout"}},
    {"key": "host.name", "value": {"stringValue": "from-the-sdk"}},
]
ENV_ATTRIBUTES = "deployment.environment.name=prod,team=a%20b+c,service.name=from-env"


def expected_arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "x86"}.get(machine, machine)


HOST_CONFIG = """
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{port}"}}
processors:
  resource_detection/override:
    detectors: [env, system]
    system:
      hostname_sources: [os]
      resource_attributes:
        host.arch: {{enabled: true}}
        host.ip: {{enabled: true}}
        os.description: {{enabled: true}}
  resourcedetection/keep:
    detectors: [system, env]
    override: false
    system: {{hostname_sources: [os]}}
  resource_detection/env_only: {{}}  # detectors default to [env]
exporters:
  file/env_only: {{path: {out}/env_only.jsonl}}
  file/override: {{path: {out}/override.jsonl}}
  file/keep: {{path: {out}/keep.jsonl}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [resource_detection/override], exporters: [file/override]}}
    logs: {{receivers: [otlp], processors: [resourcedetection/keep], exporters: [file/keep]}}
    metrics: {{receivers: [otlp], processors: [resource_detection/env_only], exporters: [file/env_only]}}
"""


@pytest.fixture(scope="module")
def host_collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    out = tmp_path_factory.mktemp("rd-host")
    port = free_port()
    config = out / "config.yaml"
    config.write_text(HOST_CONFIG.format(port=port, out=out))
    col = Collector(config, env={"OTEL_RESOURCE_ATTRIBUTES": ENV_ATTRIBUTES})
    try:
        wait_for_port(port, col.proc)
        yield port, out
    finally:
        col.stop()


def test_env_and_system_attributes_override_the_data(host_collector: tuple[int, Path]) -> None:
    port, out = host_collector
    rd.post(
        port, "/v1/traces", {"resourceSpans": [{"resource": {"attributes": OWN}, "scopeSpans": [{"spans": [rd.SPAN]}]}]}
    )
    [entry] = rd.read_resources(out / "override.jsonl", "resourceSpans")
    found = rd.attrs(entry)
    # env comes first: its service.name wins over the system detector and replaces the data's.
    assert found["service.name"] == "from-env"
    assert found["deployment.environment.name"] == "prod"
    assert found["team"] == "a b c"
    assert found["host.name"] == socket.gethostname()
    assert found["os.type"] == "linux"
    assert found["host.arch"] == expected_arch()
    assert platform.release() in found["os.description"]
    assert all(not ip.startswith("127.") and ip != "::1" for ip in found.get("host.ip", []))
    assert "host.id" not in found  # off by default
    assert entry["schemaUrl"] == "https://opentelemetry.io/schemas/1.43.0"


def test_override_false_keeps_the_data_attributes(host_collector: tuple[int, Path]) -> None:
    port, out = host_collector
    logs = {
        "resourceLogs": [
            {
                "resource": {"attributes": OWN},
                "schemaUrl": "https://example.com/own",
                "scopeLogs": [{"logRecords": [{"body": {"stringValue": "hi"}}]}],
            }
        ]
    }
    rd.post(port, "/v1/logs", logs)
    [entry] = rd.read_resources(out / "keep.jsonl", "resourceLogs")
    found = rd.attrs(entry)
    assert found["host.name"] == "from-the-sdk"
    assert found["service.name"] == "checkout"
    assert found["os.type"] == "linux"
    assert found["team"] == "a b c"
    assert entry["schemaUrl"] == "https://example.com/own"


def test_env_only_edits_resources_and_sets_no_schema_url(host_collector: tuple[int, Path]) -> None:
    port, out = host_collector
    gauge = {"name": "g", "gauge": {"dataPoints": [{"asDouble": 1.5, "timeUnixNano": "1"}]}}
    metrics = {
        "resourceMetrics": [
            {"resource": {"attributes": OWN}, "scopeMetrics": [{"metrics": [gauge]}]},
            {"resource": {}, "scopeMetrics": [{"metrics": [gauge]}]},
        ]
    }
    rd.post(port, "/v1/metrics", metrics)
    first, second = rd.read_resources(out / "env_only.jsonl", "resourceMetrics")
    assert rd.attrs(first) == {
        "service.name": "from-env",
        "host.name": "from-the-sdk",
        "deployment.environment.name": "prod",
        "team": "a b c",
    }
    assert rd.attrs(second) == {"deployment.environment.name": "prod", "team": "a b c", "service.name": "from-env"}
    assert "schemaUrl" not in first and "schemaUrl" not in second
    assert first["scopeMetrics"][0]["metrics"][0]["gauge"]["dataPoints"][0]["asDouble"] == 1.5


# -- configuration errors -----------------------------------------------------------------------

BASE = """
receivers: {{otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{port}"}}}}}}}}
processors:
  resource_detection:
{body}
exporters: {{debug: {{}}}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines: {{traces: {{receivers: [otlp], processors: [resource_detection], exporters: [debug]}}}}
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(BASE.format(port=free_port(), body=body))
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "    detectors: [env, nosuch]",
            'processors::resource_detection: detector "nosuch" is not compiled into this binary; compiled detectors: [',
        ),
        (
            "    detectors: [system]\n    system: {hostname_sources: [os, fqdn]}",
            'processors::resource_detection::system: hostname_sources contains invalid value: "fqdn"',
        ),
        ("    system: {hostname: x}", "'system' has invalid keys: hostname"),
        (
            "    ec2: {resource_attributes: {host.nickname: {enabled: true}}}",
            "'ec2.resource_attributes' has invalid keys: host.nickname",
        ),
        ("    env: {attributes: {included: []}}", "attributes.included must contain at least one entry when set"),
        (
            "    timeout: 0s\n    retry: {max_elapsed_time: 0s}",
            "retry.enabled requires either timeout > 0 or retry.max_elapsed_time > 0 to bound detection",
        ),
        ("    nonsense: true", "has invalid keys: nonsense"),
        (
            "    k8s_api: {auth_type: token}",
            "processors::resource_detection::k8s_api: invalid authType for kubernetes: token",
        ),
    ],
)
def test_config_errors_at_validate(tmp_path: Path, body: str, message: str) -> None:
    result = run_cli("validate", "--config", str(write(tmp_path, body)))
    assert result.returncode != 0
    assert message in result.stderr


def test_go_configs_for_other_detectors_validate(tmp_path: Path) -> None:
    body = (
        "    detectors: [env, eks, k8snode, consul]\n"
        "    eks: {node_from_env_var: MY_NODE, resource_attributes: {k8s.cluster.name: {enabled: true}}}\n"
        "    k8snode: {auth_type: serviceAccount}\n"
        "    consul: {address: 'http://127.0.0.1:8500', token: secret, meta: {a: b}}\n"
        "    fail_on_missing_metadata: true\n"
        "    refresh_interval: 10m\n"
        "    retry: {enabled: true, max_elapsed_time: 1m}\n"
        "    headers: {x-a: b}"
    )
    result = run_cli("validate", "--config", str(write(tmp_path, body)))
    assert result.returncode == 0, result.stderr


def start_failure(config: Path, env: dict[str, str] | None = None) -> str:
    """Run a collector whose start must fail; return its standard error."""
    result = run_cli("--config", str(config), env=env, timeout=60)
    assert result.returncode != 0, result.stderr
    return result.stderr


def test_detector_errors_fail_the_start(tmp_path: Path) -> None:
    config = write(tmp_path, "    detectors: [env]\n    retry: {enabled: false}")
    err = start_failure(config, env={"OTEL_RESOURCE_ATTRIBUTES": "a=b,broken"})
    assert 'detector "env": invalid resource format, invalid text: "broken"' in err
    assert 'failed to start "resource_detection" processor' in err


def test_unavailable_detector_fails_the_start_with_a_clear_message(tmp_path: Path) -> None:
    err = start_failure(write(tmp_path, "    detectors: [env, eks]"))
    assert 'detector "eks" is not available in pyotelcol; available detectors: [azure, docker, ec2, env' in err


def test_docker_socket_absent_fails_only_with_fail_on_missing_metadata(tmp_path: Path) -> None:
    socket_path = tmp_path / "absent.sock"
    body = "    detectors: [docker]\n    fail_on_missing_metadata: true\n    retry: {enabled: false}"
    err = start_failure(write(tmp_path, body), env={"DOCKER_HOST": f"unix://{socket_path}"})
    assert 'detector "docker": docker metadata unavailable: failed to fetch Docker OS type' in err
    assert str(socket_path) in err
