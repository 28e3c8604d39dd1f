"""The jaeger receiver's configuration through ``pyotelcol validate`` (Go's keys, defaults and
messages) and a start that cannot bind its UDP port."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml
from pyotelcol.receivers.jaeger.factory import create_factory
from support import REPO, free_port, run_cli

PIPELINE = """
exporters:
  debug: {}
service:
  pipelines:
    traces: {receivers: [jaeger], exporters: [debug]}
"""

HELM_DEFAULT = REPO / "tests" / "fixtures" / "helm" / "default-relay.yaml"


def _validate(tmp_path: Path, receiver_yaml: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    path = tmp_path / "config.yaml"
    path.write_text("receivers:\n" + receiver_yaml + PIPELINE)
    result = run_cli("validate", "--config", str(path), env=env)
    return result.returncode, result.stderr


def test_defaults_are_go_defaults() -> None:
    cfg = create_factory().create_default_config()
    protocols = cfg.protocols
    assert not any(
        section.enabled
        for section in (protocols.grpc, protocols.thrift_http, protocols.thrift_compact, protocols.thrift_binary)
    )
    assert protocols.grpc.value.endpoint == "localhost:14250"
    assert protocols.thrift_http.value.endpoint == "localhost:14268"
    assert protocols.thrift_compact.value.endpoint == "localhost:6831"
    assert protocols.thrift_binary.value.endpoint == "localhost:6832"
    udp = protocols.thrift_compact.value
    assert (udp.queue_size, udp.max_packet_size, udp.workers, udp.socket_buffer_size) == (1000, 65000, 10, 0)


@pytest.mark.parametrize(
    ("receiver", "message"),
    [
        ("  jaeger:\n", "must specify at least one protocol when using the Jaeger receiver"),
        (
            "  jaeger:\n    protocols:\n      grpc: {enabled: false}\n",
            "must specify at least one protocol when using the Jaeger receiver",
        ),
        (
            "  jaeger:\n    protocols:\n      grpc: {endpoint: localhost}\n",
            "invalid port number for the gRPC endpoint: endpoint is not formatted correctly: "
            "address localhost: missing port in address",
        ),
        (
            "  jaeger:\n    protocols:\n      thrift_http: {endpoint: 'localhost:http'}\n",
            "invalid port number for the Thrift HTTP endpoint: endpoint port is not a number: "
            'strconv.ParseInt: parsing "http": invalid syntax',
        ),
        (
            "  jaeger:\n    protocols:\n      thrift_binary: {endpoint: 'localhost:70000'}\n",
            "invalid port number for the Thrift UDP Binary endpoint: port number must be between 1 and 65535",
        ),
        (
            "  jaeger:\n    protocols:\n      thrift_compact: {endpoint: 'a:b:6831'}\n",
            "invalid port number for the Thrift UDP Compact endpoint: endpoint is not formatted correctly: "
            "address a:b:6831: too many colons in address",
        ),
        (
            "  jaeger:\n    protocols:\n      grpc:\n    remote_sampling: {host_endpoint: 'jaeger:14250'}\n",
            "remote sampling config detected in the Jaeger receiver; use the `jaegerremotesampling` extension instead",
        ),
        (
            "  jaeger:\n    protocols:\n      thrift_compact: {queue_size: -1}\n",
            "queue_size must not be negative: -1",
        ),
        (
            "  jaeger:\n    protocols:\n      thrift_compact: {workerz: 2}\n",
            "'protocols.thrift_compact' has invalid keys: workerz",
        ),
    ],
)
def test_invalid_configs_get_go_messages(tmp_path: Path, receiver: str, message: str) -> None:
    code, stderr = _validate(tmp_path, receiver)
    assert code != 0
    assert message in stderr


def test_every_key_decodes(tmp_path: Path) -> None:
    receiver = """  jaeger:
    protocols:
      grpc: {endpoint: "0.0.0.0:14250", max_recv_msg_size_mib: 8}
      thrift_http: {endpoint: "0.0.0.0:14268", max_request_body_size: 1048576}
      thrift_compact: {endpoint: "0.0.0.0:6831", queue_size: 5000, max_packet_size: 65000, workers: 50,
                       socket_buffer_size: 8388608}
      thrift_binary: {endpoint: ":6832"}
"""
    assert _validate(tmp_path, receiver) == (0, "")


def test_helm_chart_default_jaeger_section_validates(tmp_path: Path) -> None:
    jaeger = yaml.safe_load(HELM_DEFAULT.read_text())["receivers"]["jaeger"]
    assert set(jaeger["protocols"]) == {"grpc", "thrift_compact", "thrift_http"}
    receiver = yaml.safe_dump({"jaeger": jaeger}, default_flow_style=False)
    receiver = "".join("  " + line + "\n" for line in receiver.splitlines())
    assert _validate(tmp_path, receiver, env={"MY_POD_IP": "10.1.2.3"}) == (0, "")


def test_udp_port_in_use_fails_the_start(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        path = tmp_path / "config.yaml"
        receiver = f"  jaeger:\n    protocols:\n      thrift_binary: {{endpoint: '127.0.0.1:{port}'}}\n"
        path.write_text("receivers:\n" + receiver + PIPELINE)
        result = run_cli("--config", str(path), timeout=60)
    assert result.returncode != 0
    assert f"listen udp 127.0.0.1:{port}: bind: address already in use" in result.stderr


def test_grpc_port_in_use_fails_the_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        path = tmp_path / "config.yaml"
        receiver = (
            f"  jaeger:\n    protocols:\n      grpc: {{endpoint: '127.0.0.1:{port}'}}\n"
            f"      thrift_http: {{endpoint: '127.0.0.1:{free_port()}'}}\n"
        )
        path.write_text("receivers:\n" + receiver + PIPELINE)
        result = run_cli("--config", str(path), timeout=60)
    assert result.returncode != 0
    assert f"127.0.0.1:{port}" in result.stderr and "address already in use" in result.stderr


def test_no_workers_fails_the_start(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    port = free_port()
    receiver = f"  jaeger:\n    protocols:\n      thrift_compact: {{endpoint: '127.0.0.1:{port}', workers: 0}}\n"
    path.write_text("receivers:\n" + receiver + PIPELINE)
    result = run_cli("--config", str(path), timeout=60)
    assert result.returncode != 0
    assert "number of processors must be greater than 0, called with 0" in result.stderr
