"""Config of the postgresql receiver (Go's defaults and messages, strict keys) and the pieces of
its client that need no server (version parsing, database filters)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pyotelcol.receivers.postgresql import create_factory
from pyotelcol.receivers.postgresql.queries import database_sizes, major_version

from pyotelcol.component import Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode
from pyotelcol.config.decode import validate

GO_DEFAULT_METRICS = {
    "postgresql.backends",
    "postgresql.bgwriter.buffers.allocated",
    "postgresql.bgwriter.buffers.writes",
    "postgresql.bgwriter.checkpoint.count",
    "postgresql.bgwriter.duration",
    "postgresql.bgwriter.maxwritten",
    "postgresql.blocks_read",
    "postgresql.commits",
    "postgresql.connection.max",
    "postgresql.database.count",
    "postgresql.db_size",
    "postgresql.index.scans",
    "postgresql.index.size",
    "postgresql.operations",
    "postgresql.rollbacks",
    "postgresql.rows",
    "postgresql.table.count",
    "postgresql.table.size",
    "postgresql.table.vacuum.count",
}

CREDENTIALS = {"username": "otel", "password": "pw"}


def load(raw: dict[str, Any]) -> tuple[Any, list[str]]:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    return cfg, validate(cfg, "receivers::postgresql")


def test_factory_and_go_defaults() -> None:
    factory = create_factory()
    assert (factory.type, factory.deprecated_alias) == ("postgresql", None)
    assert dict(factory.stability) == {Signal.METRICS: StabilityLevel.BETA}
    cfg, errors = load(CREDENTIALS)
    assert errors == []
    assert (cfg.endpoint, cfg.transport, cfg.collection_interval) == ("localhost:5432", "tcp", timedelta(seconds=10))
    # TLS is required but the server's certificate is not verified (lib/pq's sslmode=require)
    assert (cfg.tls.insecure, cfg.tls.insecure_skip_verify) == (False, True)
    assert cfg.metrics.enabled() == GO_DEFAULT_METRICS
    assert cfg.resource_attributes.enabled() == {
        "postgresql.database.name",
        "postgresql.table.name",
        "postgresql.index.name",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, ["invalid config: missing username", "invalid config: missing password"]),
        ({**CREDENTIALS, "transport": "udp"}, ["invalid config: 'transport' must be 'tcp' or 'unix'"]),
        (
            {**CREDENTIALS, "endpoint": "localhost"},
            ["invalid config: 'endpoint' must be in the form <host>:<port> no matter what 'transport' is configured"],
        ),
        (
            {**CREDENTIALS, "tls": {"server_name_override": "db", "min_version": "1.2"}},
            ["invalid config: field 'ServerName' not supported", "invalid config: field 'MinVersion' not supported"],
        ),
        ({**CREDENTIALS, "endpoint": "var/run/postgresql:5432", "transport": "unix"}, []),
        ({**CREDENTIALS, "endpoint": "[::1]:5432", "databases": ["a"], "exclude_databases": ["b"]}, []),
    ],
)
def test_validate_has_go_messages(raw: dict[str, Any], expected: list[str]) -> None:
    assert load(raw)[1] == [f"receivers::postgresql: {message}" for message in expected]


def test_go_keys_without_effect_are_accepted() -> None:
    _, errors = load(
        {
            **CREDENTIALS,
            "connection_pool": {"max_idle_time": "10m", "max_open": 5},
            "query_sample_collection": {"enabled": False},
            "top_query_collection": {"top_n_query": 10},
            "metrics": {"postgresql.deadlocks": {"enabled": True}},
            "resource_attributes": {"postgresql.index.name": {"enabled": False}},
        }
    )
    assert errors == []


@pytest.mark.parametrize(
    "raw",
    [
        {**CREDENTIALS, "endpont": "x:1"},
        {**CREDENTIALS, "metrics": {"postgresql.bogus": {"enabled": True}}},
        {**CREDENTIALS, "resource_attributes": {"server.address": {"enabled": True}}},
    ],
)
def test_unknown_keys_are_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match="invalid keys"):
        load(raw)


def test_server_versions_and_database_filters() -> None:
    assert major_version("15.18 (Debian 15.18-0+deb12u1)") == 15
    assert major_version("17.2") == 17
    with pytest.raises(ValueError, match="unable to parse version string"):
        major_version("devel")
    assert database_sizes(["shop", "o'brien"]).endswith("AND datname IN ('shop', 'o''brien');")
