"""Config decoding and validation with Go's messages; ``pyotelcol validate`` on real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyotelcol.exporters.load_balancing import create_factory
from support import run_cli

from pyotelcol.config import decode, validate


def errors(raw: dict[str, Any]) -> list[str]:
    factory = create_factory()
    default = factory.create_default_config()
    return validate(decode(type(default), raw, default), "exporters::loadbalancing")


STATIC = {"static": {"hostnames": ["backend-1:4317"]}}


def test_defaults_as_go() -> None:
    cfg = create_factory().create_default_config()
    assert cfg.protocol.otlp.endpoint == "placeholder:4317"
    assert cfg.timeout.total_seconds() == 0
    assert not cfg.retry_on_failure.enabled and not cfg.sending_queue.enabled
    assert cfg.routing_key_for("traces") == "traceID" and cfg.routing_key_for("metrics") == "service"
    cfg = decode(type(cfg), {"resolver": {"dns": {"hostname": "collectors"}}}, cfg)
    dns = cfg.resolver.dns.get()
    assert dns is not None and (dns.interval.total_seconds(), dns.timeout.total_seconds()) == (5, 1)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "exporters::loadbalancing::resolver: no resolvers specified for the exporter"),
        (
            {"resolver": {**STATIC, "dns": {"hostname": "x"}}},
            "exporters::loadbalancing::resolver: only one resolver should be specified",
        ),
        (
            {"resolver": {"static": {"hostnames": []}}},
            "exporters::loadbalancing::resolver::static: no endpoint specified for the static resolver",
        ),
        (
            {"resolver": {"dns": {}}},
            "exporters::loadbalancing::resolver::dns: no hostname specified to resolve the backends",
        ),
        (
            {"resolver": {"k8s": {}}},
            "exporters::loadbalancing::resolver::k8s: no service specified to resolve the backends",
        ),
        (
            {"resolver": STATIC, "routing_key": "attributes"},
            'exporters::loadbalancing: routing_attributes must be specified when routing_key is "attributes"',
        ),
        (
            {"resolver": STATIC, "routing_attributes": ["x"]},
            'exporters::loadbalancing: routing_attributes can only be used when routing_key is "attributes"; got "". '
            'Remove routing_attributes or set routing_key to "attributes"',
        ),
        ({"resolver": STATIC, "routing_key": "spanID"}, "exporters::loadbalancing: unsupported routing_key: spanID"),
    ],
)
def test_validation_errors(raw: dict[str, Any], message: str) -> None:
    assert message in errors(raw)


def test_aws_cloud_map_is_refused_clearly() -> None:
    (msg,) = errors({"resolver": {"aws_cloud_map": {"namespace": "ns", "service_name": "otel"}}})
    assert "aws_cloud_map resolver is not supported" in msg


def test_validate_cli(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    base = """
receivers: {{otlp: {{protocols: {{grpc: {{endpoint: "127.0.0.1:0"}}}}}}}}
exporters:
  loadbalancing:
    {extra}
    protocol: {{otlp: {{tls: {{insecure: true}}, timeout: 2s}}}}
    resolver: {{static: {{hostnames: [a, "b:4317"]}}}}
service: {{pipelines: {{{signal}: {{receivers: [otlp], exporters: [loadbalancing]}}}}}}
"""
    config.write_text(base.format(extra="routing_key: streamID", signal="metrics"))
    assert run_cli("validate", "--config", str(config)).returncode == 0
    config.write_text(base.format(extra="routing_key: streamID", signal="traces"))
    out = run_cli("validate", "--config", str(config))
    assert out.returncode == 1
    assert (
        'failed to create "loadbalancing" exporter for data type "traces": unsupported routing_key: streamID'
        in out.stderr
    )
    config.write_text(base.format(extra="protocol_x: 1", signal="traces"))
    out = run_cli("validate", "--config", str(config))
    assert out.returncode == 1 and "has invalid keys: protocol_x" in out.stderr
