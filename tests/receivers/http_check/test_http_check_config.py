"""Config of the http_check receiver: defaults, Go's validation messages, strict keys."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.receivers.http_check import create_factory
from pyotelcol.receivers.http_check.outcome import guess_content_type
from support import run_cli

from pyotelcol.component import Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode
from pyotelcol.config.decode import validate

ERR_FORM = '"endpoint" must be in the form of <scheme>://<hostname>[:<port>]'


def load(raw: dict[str, Any]) -> tuple[Any, list[str]]:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    return cfg, validate(cfg, "receivers::http_check")


def test_factory_and_defaults() -> None:
    factory = create_factory()
    assert (factory.type, factory.deprecated_alias) == ("http_check", "httpcheck")
    assert dict(factory.stability) == {Signal.METRICS: StabilityLevel.ALPHA}
    cfg, errors = load({"targets": [{"endpoint": "http://127.0.0.1:8080/health"}]})
    assert errors == []
    assert (cfg.collection_interval, cfg.initial_delay, cfg.timeout) == (
        timedelta(minutes=1),
        timedelta(seconds=1),
        timedelta(0),
    )
    target = cfg.targets[0]
    assert (target.method, target.body, target.auto_content_type, target.timeout) == ("", "", False, timedelta(0))
    assert cfg.metrics.enabled() == {"httpcheck.status", "httpcheck.duration", "httpcheck.error"}


def test_endpoint_and_endpoints_expand_in_go_order() -> None:
    cfg, errors = load({"targets": [{"endpoint": "http://a/", "endpoints": ["http://b/", "http://c/"]}]})
    assert errors == []
    assert cfg.targets[0].all_endpoints() == ["http://b/", "http://c/", "http://a/"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, ["receivers::http_check: no targets configured"]),
        (
            {"targets": [{"method": "GET"}]},
            ["receivers::http_check::targets::0: at least one of 'endpoint' or 'endpoints' must be specified"],
        ),
        (
            {"targets": [{"endpoint": "127.0.0.1"}]},
            [f'receivers::http_check::targets::0: {ERR_FORM}: parse "127.0.0.1": invalid URI for request'],
        ),
        (
            {"targets": [{"endpoints": ["http://ok/", ":8080"]}]},
            [f'receivers::http_check::targets::0: {ERR_FORM}: parse ":8080": missing protocol scheme'],
        ),
        (
            {"targets": [{"endpoint": "http://ok/"}], "metrics": {"httpcheck.dns.lookup.duration": {"enabled": True}}},
            ["receivers::http_check::metrics: metric httpcheck.dns.lookup.duration is not supported by pyotelcol"],
        ),
        (
            {"targets": [{"endpoint": "http://ok/"}], "collection_interval": "0s"},
            ['receivers::http_check: "collection_interval": requires positive value'],
        ),
    ],
)
def test_validation_messages(raw: dict[str, Any], expected: list[str]) -> None:
    _, errors = load(raw)
    assert errors == expected


def test_go_accepts_what_parse_request_uri_accepts() -> None:
    # Go's url.ParseRequestURI takes any scheme and absolute paths; the check then fails at scrape time
    _, errors = load({"targets": [{"endpoints": ["localhost:8080", "/health", "https://x:1/a?b=c"]}]})
    assert errors == []


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(DecodeError, match=re.escape("'targets[0]' has invalid keys: validations")):
        load({"targets": [{"endpoint": "http://ok/", "validations": [{"contains": "ok"}]}]})
    with pytest.raises(DecodeError, match=re.escape("'metrics' has invalid keys: httpcheck.nope")):
        load({"targets": [{"endpoint": "http://ok/"}], "metrics": {"httpcheck.nope": {"enabled": True}}})


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"a": 1}', "application/json"),
        ("[1, 2]", "application/json"),
        ("{not json", "text/plain"),
        ("a=1&b=2", "application/x-www-form-urlencoded"),
        ("hello world", "text/plain"),
    ],
)
def test_auto_content_type(body: str, content_type: str) -> None:
    assert guess_content_type(body) == content_type


def test_validate_command_reports_the_target(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        """
receivers:
  httpcheck:
    targets: [{endpoint: "nohost"}]
exporters:
  debug:
service:
  pipelines:
    metrics: {receivers: [httpcheck], exporters: [debug]}
"""
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert f'receivers::httpcheck::targets::0: {ERR_FORM}: parse "nohost": invalid URI for request' in result.stderr
