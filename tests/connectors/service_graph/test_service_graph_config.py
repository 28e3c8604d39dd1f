"""service_graph configs through ``pyotelcol validate``: Go's keys and defaults accepted, Go's
messages for bad settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pyotelcol.connectors.service_graph.config import DEFAULT_LATENCY_BUCKETS, Config
from support import run_cli

# Go's README example, with every key it documents.
VALID = """
receivers:
  otlp:
    protocols:
      http:
connectors:
  servicegraph:
    latency_histogram_buckets: [100ms, 250ms, 1s, 5s, 10s]
    dimensions: [dimension-1, dimension-2]
    store:
      ttl: 1s
      max_items: 10
    cache_loop: 2m
    store_expiration_loop: 2s
    virtual_node_peer_attributes: [db.name, rpc.service]
    virtual_node_extra_label: true
    metrics_flush_interval: 0s
    database_name_attributes: [db.namespace, db.name]
    metrics_timestamp_offset: 10s
  service_graph/exponential:
    exponential_histogram_max_size: 160
    metrics_exporter: ignored
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [servicegraph, service_graph/exponential]}
    metrics: {receivers: [servicegraph, service_graph/exponential], exporters: [debug]}
"""

# Checked by the config's validation, after decoding.
INVALID = {
    "negative": ("exponential_histogram_max_size: -1", "`exponential_histogram_max_size` can not be negative"),
    "both": (
        "{latency_histogram_buckets: [1s], exponential_histogram_max_size: 10}",
        "use either `latency_histogram_buckets` or `exponential_histogram_max_size`",
    ),
}

# Rejected while decoding (all in one run, before any validation).
UNDECODABLE = {
    # removed from Go's config (deprecated since v0.124 in favour of database_name_attributes)
    "old_key": ("database_name_attribute: db.name", "has invalid keys: database_name_attribute"),
    "store_key": ("store: {ttl: 1s, size: 3}", "has invalid keys: size"),
    "duration": ("store: {ttl: soon}", "'store.ttl' time: invalid duration \"soon\""),
    "type": ("virtual_node_extra_label: [1]", "'virtual_node_extra_label' expected type 'bool'"),
}


def _config(sections: dict[str, str]) -> str:
    names = [f"service_graph/{name}" for name in sections]
    body = "\n".join(
        f"  service_graph/{name}:\n    {text}" if not text.startswith("{") else f"  service_graph/{name}: {text}"
        for name, text in sections.items()
    )
    return f"""
receivers:
  otlp:
    protocols:
      http:
connectors:
{body}
exporters:
  debug:
service:
  pipelines:
    traces: {{receivers: [otlp], exporters: [{", ".join(names)}]}}
    metrics: {{receivers: [{", ".join(names)}], exporters: [debug]}}
"""


def test_valid_config(tmp_path: Path) -> None:
    path = tmp_path / "valid.yaml"
    path.write_text(VALID)
    res = run_cli("validate", "--config", str(path))
    assert res.returncode == 0, res.stderr
    assert '"servicegraph" alias is deprecated; use "service_graph" instead' in res.stderr


def test_invalid_settings_name_the_problem(tmp_path: Path) -> None:
    for label, cases in (("invalid", INVALID), ("undecodable", UNDECODABLE)):
        path = tmp_path / f"{label}.yaml"
        path.write_text(_config({name: text for name, (text, _) in cases.items()}))
        res = run_cli("validate", "--config", str(path))
        assert res.returncode == 1
        for name, (_, message) in cases.items():
            assert f"service_graph/{name}" in res.stderr and message in res.stderr, (name, res.stderr)


def test_defaults_resolved_as_go_does() -> None:
    cfg = Config()
    assert cfg.store.ttl == timedelta(seconds=2) and cfg.store.max_items == 1000
    assert cfg.bounds() == DEFAULT_LATENCY_BUCKETS
    assert cfg.peer_attributes() == ["peer.service", "db.name", "db.system"]
    assert cfg.database_attributes() == ["db.name"]
    assert cfg.flush_interval() == timedelta(seconds=60)
    assert Config(exponential_histogram_max_size=10).bounds() is None
    assert Config(latency_histogram_buckets=[]).bounds() == []  # one bucket, as Go's empty list
    assert Config(virtual_node_peer_attributes=[]).peer_attributes() == []  # virtual nodes off
    assert Config(metrics_flush_interval=timedelta(0)).flush_interval() == timedelta(0)
