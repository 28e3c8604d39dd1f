"""Config of the nginx receiver (Go's defaults, strict keys) and the stub_status parser (the rules
and messages of Go's client)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pyotelcol.receivers.nginx import create_factory
from pyotelcol.receivers.nginx.stubstatus import StubStats, StubStatusError, parse_stub_status

from pyotelcol.component import Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode
from pyotelcol.config.decode import validate

PAGE = "Active connections: 291 \nserver accepts handled requests\n 16630948 16630946 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n"


def load(raw: dict[str, Any]) -> tuple[Any, list[str]]:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    return cfg, validate(cfg, "receivers::nginx")


def test_factory_and_go_defaults() -> None:
    factory = create_factory()
    assert (factory.type, factory.deprecated_alias) == ("nginx", None)
    assert dict(factory.stability) == {Signal.METRICS: StabilityLevel.BETA}
    cfg, errors = load({})
    assert errors == []
    assert cfg.endpoint == "http://localhost:80/status"
    assert (cfg.collection_interval, cfg.initial_delay, cfg.timeout) == (
        timedelta(seconds=10),
        timedelta(seconds=1),
        timedelta(seconds=10),
    )
    assert cfg.metrics.enabled() == {
        "nginx.requests",
        "nginx.connections_accepted",
        "nginx.connections_handled",
        "nginx.connections_current",
    }


def test_http_client_keys_and_metric_switches() -> None:
    cfg, errors = load(
        {
            "endpoint": "https://nginx:8443/status",
            "headers": {"X-Token": "abc"},
            "tls": {"insecure_skip_verify": True},
            "timeout": "2s",
            "metrics": {"nginx.requests": {"enabled": False}},
        }
    )
    assert errors == []
    assert cfg.header_pairs() == [("X-Token", "abc")] and cfg.tls.insecure_skip_verify
    assert cfg.timeout == timedelta(seconds=2)
    assert "nginx.requests" not in cfg.metrics.enabled()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"collection_interval": "0s"}, ['receivers::nginx: "collection_interval": requires positive value']),
        ({"compression": "brotli"}, ['receivers::nginx: unsupported compression type "brotli"']),
    ],
)
def test_invalid_settings_fail_validate(raw: dict[str, Any], expected: list[str]) -> None:
    assert load(raw)[1] == expected


@pytest.mark.parametrize("raw", [{"endpont": "http://x/status"}, {"metrics": {"nginx.bogus": {"enabled": True}}}])
def test_unknown_keys_are_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match="invalid keys"):
        load(raw)


def test_parses_a_stub_status_page() -> None:
    assert parse_stub_status(PAGE) == StubStats(
        active=291, accepted=16630948, handled=16630946, requests=31070465, reading=6, writing=179, waiting=106
    )


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("hello\n", 'invalid input "hello\\n"'),
        (PAGE.replace("Active connections: 291", "Active: 291"), 'invalid input for active connections "Active: 291 "'),
        (
            PAGE.replace(" 16630948 16630946", " 16630948"),
            'invalid input for connections and requests " 16630948 31070465 "',
        ),
        (
            PAGE.replace("Waiting: 106 ", "Waiting: "),
            'invalid input for connections "Reading: 6 Writing: 179 Waiting: "',
        ),
        (
            PAGE.replace("Writing: 179", "Writing: x"),
            'invalid input for writing connections "x": strconv.ParseInt: parsing "x": invalid syntax',
        ),
        (
            PAGE.replace("31070465", "99999999999999999999"),
            'invalid input for requests "99999999999999999999": strconv.ParseInt: parsing "99999999999999999999": '
            "value out of range",
        ),
    ],
)
def test_odd_pages_fail_with_go_messages(page: str, message: str) -> None:
    with pytest.raises(StubStatusError) as caught:
        parse_stub_status(page)
    assert str(caught.value) == message
