"""The CLI and the config language: valid and invalid configs, expansion, merging, printing.

Runs ``pyotelcol`` in-process through ``main()`` (the same code path as the console script).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from pyotelcol.cli.main import main

BASE = """
receivers:
  otlp:
    protocols:
      grpc:
      http:
processors:
  batch:
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [debug]}
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_valid_config_validates_silently(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "validate", "--config", write(tmp_path, BASE)) == (0, "", "")


INVALID = [
    (
        BASE.replace("      grpc:\n", "      grpc:\n        endpont: 0.0.0.0:4317\n"),
        [
            "Error: failed to get config: cannot unmarshal the configuration: decoding failed due to the following error(s):",
            "error decoding 'receivers': error reading configuration for \"otlp\": decoding failed due to the following error(s):",
            "'protocols.grpc' has invalid keys: endpont",
        ],
    ),
    (
        BASE.replace("  debug:\n", "  debug:\n  logging:\n"),
        ["error decoding 'exporters': the logging exporter has been deprecated, use the debug exporter instead"],
    ),
    (
        BASE.replace("  debug:\n", "  debug:\n  jaeger:\n"),
        ['error decoding \'exporters\': unknown type: "jaeger" for id: "jaeger" (valid values: ['],
    ),
    (
        BASE.replace("processors: [batch]", "processors: [batch/2]"),
        ['service::pipelines::traces: references processor "batch/2" which is not configured'],
    ),
    (
        BASE.replace("exporters: [debug]}", "exporters: []}"),
        ["service::pipelines::traces: must have at least one exporter"],
    ),
    (
        BASE.replace("  batch:\n", "  batch:\n    timeout: 5x\n"),
        ['\'timeout\' time: unknown unit "x" in duration "5x"'],
    ),
    (
        BASE.replace("  batch:\n", '  batch:\n    send_batch_size: "100"\n'),
        ["'send_batch_size' expected type 'int', got unconvertible type 'string'"],
    ),
    (
        BASE.replace("  batch:\n", "  batch:\n  memory_limiter:\n    limit_mib: 100\n"),
        ["processors::memory_limiter: 'check_interval' must be greater than zero"],
    ),
    (
        BASE.replace("    protocols:\n      grpc:\n      http:\n", "    protocols: {}\n"),
        ["receivers::otlp: must specify at least one protocol when using the OTLP receiver"],
    ),
    (BASE.replace("    protocols:\n", "    protocols:\n      htttp:\n"), ["'protocols' has invalid keys: htttp"]),
    (BASE + "  extensions: [zpages]\n", ['service::extensions: references extension "zpages" which is not configured']),
    (
        BASE.split("service:")[0] + "service:\n  pipelines: {}\n",
        ["service::pipelines: service must have at least one pipeline"],
    ),
    (BASE.replace("  debug:\n", "  debug/a b:\n"), ['in "a b" id: invalid character(s) in name "a b"']),
    (BASE + "  telemetry:\n    foo: 1\n", ["'service.telemetry' has invalid keys: foo"]),
    (BASE + "extra: 1\n", ["has invalid keys: extra"]),
    (BASE.replace("traces:", "trace:"), ['in "trace" id: unknown pipeline signal: "trace"']),
    (
        BASE.replace("  debug:\n", "  debug:\n    verbosity: none\n"),
        ['exporters::debug: verbosity level "None" is not supported'],
    ),
    (
        BASE.replace("processors: [batch]", "processors: [batch, batch]"),
        ['service::pipelines::traces: references processor "batch" multiple times'],
    ),
]


@pytest.mark.parametrize(
    ("config", "fragments"), INVALID, ids=[f[0] if len(f[0]) < 60 else f[0][:60] for _, f in INVALID]
)
def test_invalid_configs(tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, fragments: list[str]) -> None:
    path = write(tmp_path, config)
    code, _, err = run(capsys, "validate", "--config", path)
    assert code == 1
    for fragment in fragments:
        assert fragment in err, err


def test_errors_name_the_file_defining_the_component(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write(tmp_path, BASE, "base.yaml")
    bad = write(tmp_path, "processors:\n  batch:\n    send_batch_sizee: 1\n", "override.yaml")
    code, _, err = run(capsys, "validate", "--config", base, "--config", bad)
    assert code == 1
    assert "'' has invalid keys: send_batch_sizee" in err
    assert f"processors::batch is configured in {base}, {bad}" in err


def test_connector_on_wrong_signal_pair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = """
    receivers: {nop: }
    exporters: {nop: }
    connectors: {forward: }
    service:
      pipelines:
        traces: {receivers: [nop], exporters: [forward]}
        metrics: {receivers: [forward], exporters: [nop]}
    """
    code, _, err = run(capsys, "validate", "--config", write(tmp_path, config))
    assert code == 1
    assert err.strip() == (
        'Error: failed to build pipelines: connector "forward" used as exporter in [traces] pipeline '
        "but not used in any supported receiver pipeline"
    )


def test_unused_components_are_allowed_but_validated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok = BASE.replace("  debug:\n", "  debug:\n  nop:\n")
    assert run(capsys, "validate", "--config", write(tmp_path, ok))[0] == 0
    bad = BASE.replace("  debug:\n", "  debug:\n  nop:\n    foo: 1\n")
    code, _, err = run(capsys, "validate", "--config", write(tmp_path, bad))
    assert code == 1 and "has invalid keys: foo" in err


def test_deprecated_metrics_address_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = BASE + "  telemetry:\n    metrics:\n      address: 127.0.0.1:8888\n"
    assert run(capsys, "validate", "--config", write(tmp_path, config))[0] == 0


def test_print_initial_config_expands_and_merges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("N", "007")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.delenv("UNSET_TIMEOUT", raising=False)
    base = write(
        tmp_path,
        BASE.replace("  batch:\n", "  batch:\n    send_batch_size: ${env:N}\n    timeout: ${env:UNSET_TIMEOUT:-2s}\n")
        .replace("      grpc:\n", "      grpc:\n        endpoint: ${env:HOST}:4317\n")
        .replace("  debug:\n", "  debug:\n    verbosity: detailed\n  nop:\n"),
        "base.yaml",
    )
    override = write(tmp_path, "service:\n  pipelines:\n    traces:\n      exporters: [nop]\n", "override.yaml")
    code, out, err = run(
        capsys,
        "print-initial-config",
        "--config",
        base,
        "--config",
        f"file:{override}",
        "--set",
        "processors.batch.send_batch_max_size=9000",
    )
    assert code == 0, err
    printed = yaml.safe_load(out)
    assert printed["processors"]["batch"] == {"send_batch_size": 7, "timeout": "2s", "send_batch_max_size": 9000}
    assert printed["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "127.0.0.1:4317"
    assert printed["service"]["pipelines"]["traces"]["exporters"] == ["nop"]  # lists replace
    assert list(printed) == sorted(printed)  # keys sorted, like Go
    assert out.startswith("exporters:\n    debug:\n        verbosity: detailed\n")  # Go's 4-space layout


def test_components_lists_every_builtin(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "components")
    assert code == 0
    doc = yaml.safe_load(out)
    assert list(doc) == ["buildinfo", "receivers", "processors", "exporters", "connectors", "extensions", "providers"]
    names = {
        kind: sorted(c["name"] for c in doc[kind])
        for kind in ("receivers", "processors", "exporters", "connectors", "extensions")
    }
    assert names == {
        "receivers": [
            "file_log",
            "fluent_forward",
            "host_metrics",
            "http_check",
            "jaeger",
            "nginx",
            "nop",
            "otlp",
            "postgresql",
            "prometheus",
            "python",
            "redis",
            "sdk",
            "statsd",
            "zipkin",
        ],
        "processors": [
            "attributes",
            "batch",
            "cumulative_to_delta",
            "delta_to_rate",
            "filter",
            "groupbyattrs",
            "memory_limiter",
            "metrics_transform",
            "probabilistic_sampler",
            "python",
            "redaction",
            "resource",
            "resource_detection",
            "tail_sampling",
            "transform",
        ],
        "exporters": [
            "debug",
            "file",
            "load_balancing",
            "nop",
            "otlp_grpc",
            "otlp_http",
            "prometheus",
            "prometheus_remote_write",
            "python",
        ],
        "connectors": ["count", "forward", "python", "routing", "service_graph", "span_metrics"],
        "extensions": [
            "basicauth",
            "bearertokenauth",
            "file_storage",
            "headers_setter",
            "health_check",
            "healthcheckv2",
            "oidc",
            "opamp",
            "pprof",
            "zpages",
        ],
    }
    otlp = next(c for c in doc["receivers"] if c["name"] == "otlp")
    assert otlp["stability"] == {"logs": "Stable", "metrics": "Stable", "traces": "Stable"}
    assert otlp["module"].startswith("pyotelcol ")
    forward = next(c for c in doc["connectors"] if c["name"] == "forward")["stability"]
    assert forward["traces-to-traces"] == "Beta" and forward["traces-to-metrics"] == "Undefined"
    assert "\n    - name: otlp\n      module: " in out  # yaml.v3 layout


def test_version_and_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("pyotelcol version ")
    code, _, err = run(capsys)
    assert code == 1 and "Error: at least one config flag must be provided" in err
    code, _, err = run(capsys, "--config", "/nonexistent/x.yaml")
    assert code == 1
    assert "Error: failed to get config: cannot resolve the configuration: " in err and "/nonexistent/x.yaml" in err
    code, _, err = run(capsys, "validate", "--config", "x.yaml", "--feature-gates", "no.such.gate")
    assert code == 1 and 'no such feature gate "no.such.gate"' in err
    code, out, _ = run(capsys, "featuregate", "service.profilesSupport")
    assert code == 0 and "Stage: Alpha" in out
