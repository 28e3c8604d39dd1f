"""Config of the prometheus receiver: decoding, Prometheus' validation and Go's messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pyotelcol.receivers.prometheus import create_factory
from support import run_cli

from pyotelcol.component import Signal, StabilityLevel
from pyotelcol.config import DecodeError, decode
from pyotelcol.config.decode import validate

PREFIX = "prometheus receiver: failed to unmarshal yaml to prometheus config object: "


def load(raw: dict[str, Any]) -> tuple[Any, list[str]]:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw, factory.create_default_config())
    return cfg, validate(cfg, "receivers::prometheus")


def job(**kw: Any) -> dict[str, Any]:
    return {"config": {"scrape_configs": [{"job_name": "j", "static_configs": [{"targets": ["h:1"]}], **kw}]}}


def test_factory() -> None:
    factory = create_factory()
    assert factory.type == "prometheus"
    assert dict(factory.stability) == {Signal.METRICS: StabilityLevel.BETA}
    cfg = factory.create_default_config()
    assert cfg.trim_metric_suffixes is False


def test_defaults_from_prometheus_and_global() -> None:
    cfg, errors = load(
        {
            "config": {
                "global": {"scrape_interval": "30s", "external_labels": {"dc": "x"}},
                "scrape_configs": [
                    {"job_name": "a", "static_configs": [{"targets": ["h:1"]}]},
                    {"job_name": "b", "scrape_interval": "5s", "static_configs": [{"targets": ["h:2"]}]},
                ],
            }
        }
    )
    assert errors == []
    a, b = cfg.prometheus.scrape_configs
    assert (a.interval_s, a.timeout_s, a.metrics_path, a.scheme, a.honor_timestamps) == (
        30,
        10,
        "/metrics",
        "http",
        True,
    )
    assert (b.interval_s, b.timeout_s) == (5, 5)  # the timeout is capped at a shorter interval
    assert cfg.prometheus.global_.external_labels == {"dc": "x"}


def test_no_scrape_configs() -> None:
    _, errors = load({})
    assert errors == ["receivers::prometheus: no Prometheus scrape_configs or target_allocator set"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"config": {"scrape_configs": [{"job_name": "a"}, {"job_name": "a"}]}},
            'found multiple scrape configs with job name "a"',
        ),
        (
            job(scrape_interval="5s", scrape_timeout="10s"),
            'scrape timeout greater than scrape interval for scrape config with job name "j"',
        ),
        (job(scrape_interval="1.5s"), 'not a valid duration string: "1.5s"'),
        (job(scheme="ftp"), "invalid scheme"),
        (job(scrape_protocols=["Nope"]), "unknown scrape protocol Nope"),
        ({"config": {"scrape_configs": [{"static_configs": []}]}}, "job_name is empty"),
        (job(relabel_configs=[{"action": "hashmod", "target_label": "x"}]), "requires non-zero modulus"),
        (job(metric_relabel_configs=[{"regex": "(?!x)", "target_label": "x"}]), "invalid or unsupported Perl syntax"),
        (
            job(basic_auth={"username": "u"}, authorization={"credentials": "t"}),
            "at most one of basic_auth, authorization",
        ),
        (job(kubernetes_sd_configs=[{"role": "pod"}]), "kubernetes_sd_configs not supported yet by pyotelcol"),
        (
            {"config": {"remote_write": [{"url": "http://x"}], "scrape_configs": [{"job_name": "a"}]}},
            "unsupported features:\n\tremote_write",
        ),
    ],
)
def test_prometheus_validation(raw: dict[str, Any], message: str) -> None:
    _, errors = load(raw)
    assert errors[0].startswith("receivers::prometheus: " + PREFIX)
    # a multi-line message (Go's "unsupported features:\n\t...") is reported line by line
    assert len(errors) == len(message.split("\n"))
    assert all(part in line for part, line in zip(message.split("\n"), errors, strict=True))


def test_unknown_keys_are_errors_at_every_level() -> None:
    _, errors = load(job(static_configs=[{"targets": ["h:1"], "lables": {}}]))
    assert len(errors) == 1 and "has invalid keys: lables" in errors[0]
    _, errors = load(job(scrape_intervall="1s"))
    assert "has invalid keys: scrape_intervall" in errors[0]
    _, errors = load(job(relabel_configs=[{"target_label": "x", "compiled": "(.*)"}]))  # an internal field
    assert "'config.scrape_configs[0].relabel_configs[0]' has invalid keys: compiled" in errors[0]


@pytest.mark.parametrize("key", ["use_start_time_metric", "start_time_metric_regex", "report_extra_scrape_metrics"])
def test_removed_keys_fail_as_in_go(key: str) -> None:
    with pytest.raises(DecodeError, match=re.escape(f"'' has invalid keys: {key}")):
        load({**job(), key: True})


def test_helm_default_config_validates() -> None:
    testdata = Path(__file__).resolve().parents[3] / "receivers" / "prometheus" / "testdata"
    res = run_cli("validate", "--config", str(testdata / "helm-default.yaml"))
    assert res.returncode == 0, res.stderr


def test_dollar_escape_in_cli_config(tmp_path: Path) -> None:
    """``$$1`` in the YAML reaches relabeling as ``$1`` (confmap's escape), and a bad
    config is refused by ``pyotelcol validate`` with the Prometheus message."""
    cfg = tmp_path / "c.yaml"
    body = """
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: j
          static_configs: [{targets: ["h:1"]}]
          metric_relabel_configs:
            - {source_labels: [a], regex: "(.*)", target_label: b, replacement: "$${1}x"}
%s
exporters: {nop: }
service:
  pipelines: {metrics: {receivers: [prometheus], exporters: [nop]}}
"""
    cfg.write_text(body % "")
    assert run_cli("validate", "--config", str(cfg)).returncode == 0
    cfg.write_text(body % "        - {job_name: j}")
    res = run_cli("validate", "--config", str(cfg))
    assert res.returncode == 1
    assert 'found multiple scrape configs with job name "j"' in res.stderr


def test_print_config_masks_the_scrape_secrets(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(
        """receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: app
          basic_auth: {username: u, password: hunter2}
          static_configs: [{targets: ["127.0.0.1:9100"]}]
        - job_name: app2
          authorization: {credentials: s3cret-token}
          static_configs: [{targets: ["127.0.0.1:9101"]}]
exporters: {nop: }
service: {pipelines: {metrics: {receivers: [prometheus], exporters: [nop]}}}
"""
    )
    result = run_cli("print-config", "--feature-gates=otelcol.printInitialConfig", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout and "s3cret-token" not in result.stdout
    assert result.stdout.count("[REDACTED]") == 2 and "username: u" in result.stdout
