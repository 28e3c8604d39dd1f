"""Config of the otlp receiver: defaults, protocol enablement, validation, README coverage."""

from __future__ import annotations

import dataclasses
import typing
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyotelcol.receivers.otlp import create_factory
from pyotelcol.receivers.otlp.config import Config

from pyotelcol.config import DecodeError, OptionalSection, decode, validate

README = Path(__file__).parents[3] / "receivers" / "otlp" / "README.md"
TESTDATA = Path(__file__).parents[3] / "receivers" / "otlp" / "testdata" / "config.yaml"


def load(raw: Any) -> Config:
    factory = create_factory()
    default: Config = factory.create_default_config()
    return decode(Config, raw, default)


def errors(cfg: Config) -> list[str]:
    return validate(cfg, "receivers::otlp")


def test_default_config() -> None:
    cfg = create_factory().create_default_config()
    assert isinstance(cfg, Config)
    grpc, http = cfg.protocols.grpc, cfg.protocols.http
    assert not grpc.enabled and not http.enabled
    assert grpc.value.endpoint == "localhost:4317" and http.value.endpoint == "localhost:4318"
    assert grpc.value.transport == "tcp" and grpc.value.read_buffer_size == 512 * 1024
    assert grpc.value.max_recv_msg_size() == 4 << 20
    assert grpc.value.keepalive.enabled and grpc.value.keepalive.value.server_parameters.enabled
    assert (http.value.traces_url_path, http.value.metrics_url_path, http.value.logs_url_path) == (
        "/v1/traces",
        "/v1/metrics",
        "/v1/logs",
    )
    assert http.value.write_timeout == http.value.read_header_timeout == http.value.idle_timeout == timedelta(0)
    assert http.value.keep_alives_enabled and http.value.compression_algorithms is None
    assert http.value.effective_max_request_body_size() == 20 << 20
    assert not http.value.cors.enabled and not http.value.tls.enabled and not http.value.auth.enabled
    assert errors(cfg) == ["receivers::otlp: must specify at least one protocol when using the OTLP receiver"]


@pytest.mark.parametrize(
    ("raw", "grpc_on", "http_on"),
    [
        ({"protocols": {"grpc": None}}, True, False),
        ({"protocols": {"http": None}}, False, True),
        ({"protocols": {"http": {}}}, False, True),
        ({"protocols": {"grpc": None, "http": None}}, True, True),
        ({"protocols": {"grpc": {"enabled": False}, "http": None}}, False, True),
        ({"protocols": {"grpc": {"enabled": True, "endpoint": "0.0.0.0:1"}}}, True, False),
    ],
)
def test_protocol_presence_enables(raw: Any, grpc_on: bool, http_on: bool) -> None:
    cfg = load(raw)
    assert (cfg.protocols.grpc.enabled, cfg.protocols.http.enabled) == (grpc_on, http_on)
    assert errors(cfg) == []


@pytest.mark.parametrize(
    "raw", [{}, {"protocols": {}}, {"protocols": None}, {"protocols": {"grpc": {"enabled": False}}}]
)
def test_no_protocol_is_invalid(raw: Any) -> None:
    assert errors(load(raw)) == ["receivers::otlp: must specify at least one protocol when using the OTLP receiver"]


def test_typo_is_a_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        load({"protocols": {"grpc": None, "htttp": None}})
    assert info.value.errors == ["'protocols' has invalid keys: htttp"]


def test_every_key_of_testdata_decodes() -> None:
    cfg = load(yaml.safe_load(TESTDATA.read_text()))
    assert errors(cfg) == []
    grpc = cfg.protocols.grpc.value
    assert grpc.endpoint == "0.0.0.0:5317" and grpc.max_recv_msg_size() == 16 << 20
    options = dict(grpc.grpc_options())
    assert "grpc.so_reuseport" not in options  # set by the server builder (listen.grpc_server_options)
    assert options["grpc.max_concurrent_streams"] == 8
    assert options["grpc.keepalive_time_ms"] == 3_600_000
    assert options["grpc.http2.min_ping_interval_without_data_ms"] == 20_000
    assert options["grpc.keepalive_permit_without_calls"] == 1
    http = cfg.protocols.http.value
    assert http.traces_url_path == "ingest/traces"
    assert http.compression_algorithms == ["gzip", "zstd"]
    cors = http.cors_config()
    assert cors is not None and cors.max_age == 7200
    assert http.keep_alives_enabled is False and http.read_timeout == timedelta(seconds=10)


def test_url_paths_are_sanitized() -> None:
    from pyotelcol.receivers.otlp.config import sanitize_url_path

    assert sanitize_url_path("v2/t") == "/v2/t"
    assert sanitize_url_path("/v1/traces") == "/v1/traces"
    assert sanitize_url_path("http://host/x?y=1") == "/x"
    cfg = load({"protocols": {"http": {"traces_url_path": "bad%zzpath"}}})
    assert errors(cfg) == [
        'receivers::otlp::protocols::http: invalid HTTP URL path set for signal: parse "bad%zzpath": '
        'invalid URL escape "%zz"'
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"grpc": {"transport": "carrier-pigeon"}}, 'invalid transport type "carrier-pigeon"'),
        (
            {"grpc": {"max_recv_msg_size_mib": -1}},
            "invalid max_recv_msg_size_mib value, must be between 1 and 8796093022207: -1",
        ),
        ({"grpc": {"read_buffer_size": -1}}, "invalid read_buffer_size value: -1"),
        (
            {"grpc": {"tls": {"cert_file": "c.pem"}}},
            "TLS configuration must include both certificate and key (CertFile/CertPem and KeyFile/KeyPem)",
        ),
        ({"http": {"tls": {}}}, "TLS configuration must include both certificate and key for server connections"),
        (
            {"http": {"tls": {"cert_file": "c", "key_file": "k", "min_version": "1.5"}}},
            'invalid TLS min_version: unsupported TLS version: "1.5"',
        ),
        (
            {"http": {"tls": {"cert_file": "c", "key_file": "k", "min_version": "1.3", "max_version": "1.2"}}},
            "invalid TLS configuration: min_version cannot be greater than max_version",
        ),
        (
            {"http": {"response_headers": [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]}},
            "duplicate keys in map-style list: [a]",
        ),
    ],
)
def test_validation_messages(raw: Any, message: str) -> None:
    found = errors(load({"protocols": raw}))
    assert len(found) == 1 and found[0].endswith(": " + message), found


def test_tls_section_is_optional() -> None:
    assert not load({"protocols": {"http": {"tls": None}}}).protocols.http.value.tls.enabled
    tls = load({"protocols": {"http": {"tls": {"cert_file": "c", "key_file": "k"}}}}).protocols.http.value.tls
    assert tls.enabled and tls.value.cert_file == "c"


def test_entry_point_resolves_to_the_factory() -> None:
    (ep,) = [e for e in entry_points(group="pyotelcol.receivers") if e.name == "otlp"]
    factory = ep.load()()
    assert factory.type == "otlp"
    assert {s.value for s in factory.stability} == {"traces", "metrics", "logs"}


def _keys(tp: Any, prefix: str = "") -> list[str]:
    out: list[str] = []
    hints = typing.get_type_hints(tp)
    for f in dataclasses.fields(tp):
        key = str(f.metadata.get("key", f.name))
        inner = hints[f.name]
        if typing.get_origin(inner) is OptionalSection:
            inner = typing.get_args(inner)[0]
        if dataclasses.is_dataclass(inner) and isinstance(inner, type):
            out.extend(_keys(inner, f"{prefix}{key}."))
        else:
            out.append(prefix + key)
    return out


def test_readme_documents_every_config_key() -> None:
    text = README.read_text()
    from pyotelcol.receivers.otlp.config import GRPCConfig, HTTPConfig

    missing = []
    for cls in (GRPCConfig, HTTPConfig):
        for key in _keys(cls):
            # keys are documented with their full dotted path, or for tls.* / tpm.* in the TLS table
            leaf = key.removeprefix("tls.")
            if f"`{key}`" not in text and f"`{leaf}`" not in text:
                missing.append(key)
    assert missing == []
