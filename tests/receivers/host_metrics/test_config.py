"""Config of the host_metrics receiver: defaults, strict keys and Go's messages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.receivers.host_metrics import create_factory
from pyotelcol.receivers.host_metrics.config import parse_scrapers
from pyotelcol.receivers.host_metrics.mdata import section_items
from support import run_cli

from pyotelcol.component import Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode
from pyotelcol.config.decode import validate


def load(raw: dict[str, Any]) -> tuple[Any, list[str]]:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    return cfg, validate(cfg, "receivers::host_metrics")


def test_factory_and_defaults() -> None:
    factory = create_factory()
    assert (factory.type, factory.deprecated_alias) == ("host_metrics", "hostmetrics")
    assert dict(factory.stability) == {Signal.METRICS: StabilityLevel.BETA}
    cfg, errors = load({"scrapers": {"cpu": None}})
    assert errors == []
    assert (cfg.collection_interval, cfg.initial_delay, cfg.timeout, cfg.root_path) == (
        timedelta(minutes=1),
        timedelta(seconds=1),
        timedelta(0),
        "",
    )
    cpu = parse_scrapers(cfg.scrapers)["cpu"]
    metrics = section_items(cpu.metrics)
    assert metrics["system.cpu.time"].enabled and metrics["system.cpu.time"].attributes == ["state"]
    assert metrics["system.cpu.time"].aggregation_strategy == "sum"
    assert not metrics["system.cpu.utilization"].enabled
    assert metrics["system.cpu.utilization"].aggregation_strategy == "avg"
    assert metrics["system.cpu.logical.count"].enabled


def test_scraper_sections_merge_over_their_defaults() -> None:
    cfg, errors = load(
        {
            "scrapers": {
                "cpu": {"metrics": {"system.cpu.time": {"attributes": ["cpu", "state"]}}},
                "process": {
                    "include": {"names": ["java"], "match_type": "strict"},
                    "scrape_process_delay": "10s",
                    "resource_attributes": {"process.cgroup": {"enabled": True}},
                },
            }
        }
    )
    assert errors == []
    scrapers = parse_scrapers(cfg.scrapers)
    cpu_time = section_items(scrapers["cpu"].metrics)["system.cpu.time"]
    assert cpu_time.enabled and cpu_time.attributes == ["cpu", "state"]
    process = scrapers["process"]
    assert process.include.names == ["java"] and process.scrape_process_delay == timedelta(seconds=10)
    resource = section_items(process.resource_attributes)
    assert resource["process.cgroup"].enabled and resource["process.pid"].enabled


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "must specify at least one scraper when using host_metrics receiver"),
        ({"scrapers": {}}, "must specify at least one scraper when using host_metrics receiver"),
        ({"scrapers": {"foo": None}}, "invalid scraper key: foo"),
        ({"scrapers": {"nfs": None}}, "invalid scraper key: nfs (the nfs scraper is not supported by pyotelcol)"),
        (
            {"scrapers": {"cpu": {"metrics": {"system.cpu.nope": {"enabled": True}}}}},
            "error reading settings for scraper type \"cpu\": 'metrics' has invalid keys: system.cpu.nope",
        ),
        (
            {"scrapers": {"cpu": {"resource_attributes": {}}}},
            "'' has invalid keys: resource_attributes",
        ),
        (
            {"scrapers": {"load": {"metrics": {"system.cpu.load_average.1m": {"attributes": []}}}}},
            "'metrics.system.cpu.load_average.1m' has invalid keys: attributes",
        ),
        (
            {"scrapers": {"memory": {"metrics": {"system.memory.usage": {"enabled": "yes"}}}}},
            "'metrics.system.memory.usage.enabled' expected type 'bool', got unconvertible type 'string'",
        ),
        (
            {"scrapers": {"cpu": {"metrics": {"system.cpu.time": {"attributes": ["core"]}}}}},
            "cpu: metric system.cpu.time doesn't have an attribute core, valid attributes: [cpu, state]",
        ),
        (
            {"scrapers": {"cpu": {"metrics": {"system.cpu.time": {"aggregation_strategy": "median"}}}}},
            'cpu: invalid aggregation strategy "median", valid strategies: [sum, avg, min, max]',
        ),
        (
            {"scrapers": {"process": {"include": {"names": ["java"]}}}},
            "process: error creating process include filters: unrecognized match_type: '', "
            "valid types are: [regexp strict]",
        ),
        (
            {"scrapers": {"filesystem": {"exclude_mount_points": {"mount_points": ["(["], "match_type": "regexp"}}}},
            "filesystem: error creating exclude_mount_points filter: error parsing regexp",
        ),
        ({"scrapers": {"cpu": None}, "root_path": "/no/such/dir"}, "invalid root_path: stat /no/such/dir: no such"),
        ({"scrapers": {"cpu": None}, "collection_interval": "0s"}, '"collection_interval": requires positive value'),
        ({"scrapers": {"cpu": None}, "metadata_collection_interval": "-1s"}, "metadata_collection_interval must not"),
    ],
)
def test_errors(raw: dict[str, Any], message: str) -> None:
    _, errors = load(raw)
    assert any(message in e for e in errors), errors


def test_unknown_top_level_key_is_an_error() -> None:
    with pytest.raises(DecodeError, match="has invalid keys: colection_interval"):
        load({"colection_interval": "1s", "scrapers": {"cpu": None}})


def test_validate_cli_names_the_receiver_and_the_problem(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "receivers:\n"
        "  hostmetrics:\n"
        "    scrapers:\n"
        "      cpu:\n"
        "      gpu:\n"
        "exporters:\n  nop:\n"
        "service:\n  pipelines:\n    metrics: {receivers: [hostmetrics], exporters: [nop]}\n"
    )
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 1
    assert "receivers::hostmetrics: invalid scraper key: gpu" in result.stderr
    assert '"hostmetrics" alias is deprecated; use "host_metrics" instead' in result.stderr
    config.write_text(config.read_text().replace("      gpu:\n", ""))
    result = run_cli("validate", "--config", str(config))
    assert result.returncode == 0, result.stderr
