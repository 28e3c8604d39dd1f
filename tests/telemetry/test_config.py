"""service.telemetry decoding and validation (Go: service/telemetry)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pyotelcol.config import DecodeError, decode, validate
from pyotelcol.telemetry.config import (
    MetricsLevel,
    PrometheusOptions,
    TelemetryConfig,
    parse_resource,
)


def _cfg(raw: dict[str, Any]) -> TelemetryConfig:
    return decode(TelemetryConfig, raw)


def _errors(raw: dict[str, Any]) -> list[str]:
    return validate(_cfg(raw), "service::telemetry")


def _prom(cfg: TelemetryConfig) -> list[PrometheusOptions | None]:
    return [r.prometheus_options() for r in cfg.effective_readers()]


def test_defaults_match_go() -> None:
    cfg = _cfg({})
    assert _errors({}) == []
    assert cfg.logs.level == "info" and cfg.logs.encoding == "console"
    assert cfg.logs.sampling.enabled and cfg.logs.sampling.tick == timedelta(seconds=10)
    assert (cfg.logs.sampling.initial, cfg.logs.sampling.thereafter) == (10, 100)
    assert cfg.logs.output_paths == ["stderr"] and cfg.logs.error_output_paths == ["stderr"]
    assert cfg.metrics_level() is MetricsLevel.NORMAL
    assert cfg.traces.level == "basic"
    assert _prom(cfg) == [PrometheusOptions(host="localhost", port=8888)]
    assert cfg.deprecation_warnings() == []


def test_helm_chart_telemetry_section() -> None:
    raw = {
        "metrics": {"readers": [{"pull": {"exporter": {"prometheus": {"host": "10.1.2.3", "port": 8888}}}}]},
        "resource": {"k8s.namespace.name": "obs", "k8s.pod.ip": "10.1.2.3", "host.name": "node-1"},
    }
    cfg = _cfg(raw)
    assert _errors(raw) == []
    assert _prom(cfg) == [PrometheusOptions(host="10.1.2.3", port=8888)]
    spec = cfg.resource_spec()
    assert spec.attributes == {"k8s.namespace.name": "obs", "k8s.pod.ip": "10.1.2.3", "host.name": "node-1"}


def test_full_logs_section() -> None:
    raw = {
        "logs": {
            "level": "DEBUG",
            "development": True,
            "encoding": "json",
            "disable_caller": True,
            "disable_stacktrace": True,
            "sampling": {"enabled": False, "tick": "1s", "initial": 234, "thereafter": 567},
            "output_paths": ["stdout"],
            "error_output_paths": ["stdout"],
            "initial_fields": {"fieldKey": "fieldValue"},
            "processors": [{"batch": {"exporter": {"console": {}}}}],
            "disable_zap_resource": True,
        }
    }
    cfg = _cfg(raw)
    assert _errors(raw) == []
    assert cfg.logs.sampling.tick == timedelta(seconds=1) and cfg.logs.sampling.initial == 234
    assert cfg.logs.initial_fields == {"fieldKey": "fieldValue"}
    (processor,) = cfg.logs.processors
    assert processor.batch is not None and processor.batch.exporter.console == {}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"metrics": {"readers": []}},
            "service::telemetry: collector telemetry metrics reader should exist when metric level is not none",
        ),
        (
            {"metrics": {"level": "basic", "views": [{"selector": {"instrument_name": "x"}, "stream": {}}]}},
            "service::telemetry: service::telemetry::metrics::views can only be set when "
            "service::telemetry::metrics::level is detailed",
        ),
        ({"metrics": {"level": "verbose"}}, 'service::telemetry::metrics: unknown metrics level "verbose"'),
        ({"traces": {"level": "chatty"}}, 'service::telemetry::traces: unknown metrics level "chatty"'),
        ({"logs": {"level": "loud"}}, 'service::telemetry::logs: unrecognized level: "loud"'),
        ({"logs": {"encoding": "xml"}}, 'service::telemetry::logs: no encoder registered for name "xml"'),
        (
            {"resource": {"attributes": [{"name": "a", "value": "b"}], "legacy": "x"}},
            "service::telemetry: resource::attributes cannot be used together with legacy inline resource attributes",
        ),
        ({"resource": {"answer": 42}}, 'service::telemetry: legacy resource attribute "answer" must be string or null'),
        (
            {"resource": {"attributes_list": "a=b"}},
            "service::telemetry: resource::attributes_list is not currently supported, please use resource::attributes",
        ),
        (
            {"metrics": {"readers": [{"pull": {"exporter": {"prometheus": {"host": "localhost"}}}}]}},
            "service::telemetry::metrics::readers::0::pull::exporter::prometheus: port must be specified",
        ),
        ({"metrics": {"readers": [{}]}}, "service::telemetry::metrics::readers::0: no valid metric reader"),
        (
            {"metrics": {"readers": [{"pull": {"exporter": {}}}]}},
            "service::telemetry::metrics::readers::0::pull::exporter: no valid metric exporter",
        ),
        (
            {"metrics": {"address": "nohostport"}},
            "service::telemetry::metrics: address nohostport: missing port in address",
        ),
    ],
)
def test_validation_messages(raw: dict[str, Any], message: str) -> None:
    assert message in _errors(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"metrics": {"unknown": 1}}, "'metrics' has invalid keys: unknown"),
        ({"logs": {"sampling": {"rate": 1}}}, "'logs.sampling' has invalid keys: rate"),
        (
            {"metrics": {"readers": [{"pull": {"exporter": {"prometheus": {"port": "8888"}}}}]}},
            "'metrics.readers[0].pull.exporter.prometheus.port' expected type 'int', got unconvertible type 'string'",
        ),
        ({"bogus": {}}, "has invalid keys: bogus"),
    ],
)
def test_strict_decoding(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(DecodeError) as err:
        _cfg(raw)
    assert any(message in line for line in err.value.errors), err.value.errors


@pytest.mark.parametrize("level", ["none", "NONE", "Basic", "normal", "DETAILED"])
def test_metrics_level_is_case_insensitive(level: str) -> None:
    raw = {"metrics": {"level": level}}
    assert _errors(raw) == []
    assert _cfg(raw).metrics_level() is MetricsLevel[level.upper()]


def test_level_none_allows_empty_readers_and_runs_none() -> None:
    raw = {"metrics": {"level": "none", "readers": []}}
    assert _errors(raw) == []
    assert _cfg(raw).effective_readers() == []
    # even with the default readers, level none serves nothing
    assert _cfg({"metrics": {"level": "none"}}).effective_readers() == []


def test_views_allowed_at_detailed() -> None:
    raw = {
        "metrics": {
            "level": "detailed",
            "views": [{"selector": {"instrument_name": "otelcol_x"}, "stream": {"aggregation": {"drop": {}}}}],
        }
    }
    assert _errors(raw) == []


def test_prometheus_options_defaults_and_explicit_false() -> None:
    raw = {
        "metrics": {
            "readers": [
                {"pull": {"exporter": {"prometheus": {"host": "[::0]", "port": 9999}}}},
                {
                    "pull": {
                        "exporter": {
                            "prometheus": {
                                "host": "0.0.0.0",
                                "port": 9998,
                                "without_units": False,
                                "without_type_suffix": False,
                                "without_scope_info": False,
                                "with_resource_constant_labels": {"included": ["service.name"]},
                            }
                        }
                    }
                },
                {
                    "pull": {
                        "exporter": {
                            "prometheus/development": {
                                "host": "",
                                "port": 9997,
                                "translation_strategy": "UnderscoreEscapingWithSuffixes",
                            }
                        }
                    }
                },
            ]
        }
    }
    assert _errors(raw) == []
    first, second, third = _prom(_cfg(raw))
    assert first == PrometheusOptions(host="::0", port=9999)
    assert second == PrometheusOptions(
        host="0.0.0.0",
        port=9998,
        without_units=False,
        without_type_suffix=False,
        without_scope_info=False,
        resource_labels_included=("service.name",),
    )
    assert third == PrometheusOptions(host="", port=9997, without_units=False, without_type_suffix=False)


def test_periodic_reader_is_accepted() -> None:
    raw = {
        "metrics": {
            "readers": [
                {
                    "periodic": {
                        "interval": 10000,
                        "exporter": {"otlp": {"protocol": "http/protobuf", "endpoint": "http://x:4318"}},
                    }
                }
            ]
        }
    }
    assert _errors(raw) == []
    assert _prom(_cfg(raw)) == [None]


def test_removed_address_key_is_a_compatibility_shim() -> None:
    raw = {"metrics": {"address": "0.0.0.0:8888"}}
    cfg = _cfg(raw)
    assert _errors(raw) == []
    # replaces the default reader
    assert _prom(cfg) == [PrometheusOptions(host="0.0.0.0", port=8888)]
    (warning,) = cfg.deprecation_warnings()
    assert "service::telemetry::metrics::address is deprecated" in warning
    assert "host: 0.0.0.0, port: 8888" in warning


def test_address_shim_adds_to_explicit_readers_and_satisfies_empty_readers() -> None:
    raw = {
        "metrics": {
            "address": "[::1]:9000",
            "readers": [{"pull": {"exporter": {"prometheus": {"host": "localhost", "port": 8888}}}}],
        }
    }
    assert _prom(_cfg(raw)) == [
        PrometheusOptions(host="localhost", port=8888),
        PrometheusOptions(host="::1", port=9000),
    ]
    raw = {"metrics": {"address": "127.0.0.1:9000", "readers": []}}
    assert _errors(raw) == []
    assert _prom(_cfg(raw)) == [PrometheusOptions(host="127.0.0.1", port=9000)]


def test_resource_forms() -> None:
    legacy = parse_resource({"service.name": "gw", "service.version": None, "k8s.pod.name": "p"})
    assert legacy.attributes == {"service.name": "gw", "k8s.pod.name": "p"}
    assert legacy.removed == frozenset({"service.version"})
    new = parse_resource(
        {
            "attributes": [
                {"name": "deployment.environment", "value": "prod"},
                {"name": "service.instance.id", "value": None},
            ],
            "schema_url": "https://opentelemetry.io/schemas/1.26.0",
        }
    )
    assert new.attributes == {"deployment.environment": "prod"}
    assert new.removed == frozenset({"service.instance.id"})
    assert new.schema_url == "https://opentelemetry.io/schemas/1.26.0"
    assert parse_resource({}).attributes == {}
