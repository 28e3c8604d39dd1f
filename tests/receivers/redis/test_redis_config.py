"""Config of the redis receiver: Go's defaults and messages, strict keys, and INFO parsing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from pyotelcol.receivers.redis import create_factory
from pyotelcol.receivers.redis.scraper import parse_info

from pyotelcol.component import Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode
from pyotelcol.config.decode import validate


def load(raw: dict[str, Any]) -> tuple[Any, list[str]]:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    return cfg, validate(cfg, "receivers::redis")


def test_factory_and_defaults() -> None:
    factory = create_factory()
    assert (factory.type, factory.deprecated_alias) == ("redis", None)
    assert dict(factory.stability) == {Signal.METRICS: StabilityLevel.BETA}
    cfg, errors = load({"endpoint": "localhost:6379"})
    assert errors == []
    assert (cfg.collection_interval, cfg.initial_delay, cfg.transport) == (
        timedelta(seconds=10),
        timedelta(seconds=1),
        "tcp",
    )
    assert cfg.tls.insecure and cfg.tls.ssl_context() is None
    assert cfg.resource_attributes.enabled() == {"redis.version"}
    enabled = cfg.metrics.enabled()
    assert "redis.uptime" in enabled and "redis.cluster.slots_assigned" in enabled
    assert not enabled & {"redis.maxmemory", "redis.role", "redis.cmd.calls", "redis.replication.replica_offset"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, ['receivers::redis: invalid endpoint "": address : missing port in address']),
        (
            {"endpoint": "localhost"},
            ['receivers::redis: invalid endpoint "localhost": address localhost: missing port in address'],
        ),
        (
            {"endpoint": "a:b:6379"},
            ['receivers::redis: invalid endpoint "a:b:6379": address a:b:6379: too many colons in address'],
        ),
        ({"endpoint": "[::1]:6379"}, []),
        ({"endpoint": "/tmp/redis.sock", "transport": "unix"}, []),
        (
            {"endpoint": "localhost:6379", "transport": "carrier-pigeon"},
            ['receivers::redis: invalid transport type "carrier-pigeon"'],
        ),
    ],
)
def test_validation_messages(raw: dict[str, Any], expected: list[str]) -> None:
    assert load(raw)[1] == expected


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(DecodeError, match=re.escape("'metrics' has invalid keys: redis.nope")):
        load({"endpoint": "localhost:6379", "metrics": {"redis.nope": {"enabled": True}}})
    with pytest.raises(DecodeError, match=re.escape("has invalid keys: db")):
        load({"endpoint": "localhost:6379", "db": 1})


def test_parse_info_skips_headers_and_odd_lines() -> None:
    text = "# Server\r\nredis_version:7.0.15\r\nweird line\r\nrdb:a:b\r\n\r\n# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n"
    assert parse_info(text) == {"redis_version": "7.0.15", "db0": "keys=2,expires=0,avg_ttl=0"}
