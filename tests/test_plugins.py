"""Components are plug-ins: the core finds them through entry points and imports none itself."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from support import REPO, run_cli

PLUGIN = """
from dataclasses import dataclass

from pyotelcol.component import StabilityLevel, Signal
from pyotelcol.consumer import Capabilities
from pyotelcol.factories import ProcessorFactory


@dataclass
class Config:
    attribute: str = "acme"


class Tagger:
    def __init__(self, cfg, next_consumer):
        self.cfg, self.next = cfg, next_consumer

    capabilities = Capabilities(mutates_data=True)

    async def start(self, host):
        pass

    async def shutdown(self):
        pass

    async def consume(self, data):
        for rs in data.mutable().resource_spans:
            rs.resource.attributes.add(key=self.cfg.attribute).value.string_value = "yes"
        await self.next.consume(data)


def create_factory():
    return ProcessorFactory(
        "acme_tagger", Config, create=lambda s, sig, c, n: Tagger(c, n), stability={Signal.TRACES: StabilityLevel.ALPHA}
    )
"""


def make_plugin(root: Path) -> Path:
    """A third-party distribution on PYTHONPATH: a module plus its dist-info with an entry point."""
    (root / "acme_tagger.py").write_text(PLUGIN)
    info = root / "acme_otel-1.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-otel\nVersion: 1.2.0\n")
    (info / "entry_points.txt").write_text("[pyotelcol.processors]\nacme_tagger = acme_tagger:create_factory\n")
    return root


def test_third_party_component_is_listed_and_usable(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(make_plugin(tmp_path))}
    result = run_cli("components", env=env)
    assert result.returncode == 0, result.stderr
    procs = yaml.safe_load(result.stdout)["processors"]
    assert {
        "name": "acme_tagger",
        "module": "acme-otel 1.2.0",
        "stability": {"logs": "Undefined", "metrics": "Undefined", "traces": "Alpha"},
    } in procs
    config = tmp_path / "c.yaml"
    config.write_text(
        textwrap.dedent("""
        receivers: {nop: }
        processors: {acme_tagger: {attribute: team}}
        exporters: {nop: }
        service:
          pipelines:
            traces: {receivers: [nop], processors: [acme_tagger], exporters: [nop]}
            logs: {receivers: [nop], processors: [acme_tagger], exporters: [nop]}
    """)
    )
    result = run_cli("validate", f"--config={config}", env=env)
    assert result.returncode == 1
    assert (
        'failed to create "acme_tagger" processor, in pipeline "logs": telemetry type is not supported' in result.stderr
    )


def test_core_imports_no_concrete_component() -> None:
    code = (
        "import sys, pyotelcol.cli.main, pyotelcol.service.service, pyotelcol.service.graph, "
        "pyotelcol.confmap, pyotelcol.telemetry, pyotelcol.pdata.otlpjson\n"
        "kinds = ('receivers', 'processors', 'exporters', 'extensions', 'connectors')\n"
        "print([m for m in sys.modules if m.split('.')[:2] in [['pyotelcol', k] for k in kinds] and m.count('.') > 1])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_component_missing_a_dependency_is_reported_not_left_out(tmp_path: Path) -> None:
    """Without grpc the otlp receiver cannot load: `components` names it on stderr, validate says why."""
    shim = tmp_path / "grpc"
    shim.mkdir()
    (shim / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'grpc'\", name='grpc')\n")
    env = {"PYTHONPATH": str(tmp_path)}
    result = run_cli("components", env=env)
    assert result.returncode == 0, result.stderr
    listed = yaml.safe_load(result.stdout)
    assert "otlp" not in [r["name"] for r in listed["receivers"]]
    reason = "package pyotelcol 0.1.0: No module named 'grpc'; it is a dependency of pyotelcol: reinstall pyotelcol"
    lines = result.stderr.splitlines()
    assert f'receivers "otlp" cannot load: {reason}' in lines
    assert f'exporters "otlp_grpc" cannot load: {reason}' in lines
    result = run_cli("validate", "--config", str(REPO / "config-examples" / "otlp-debug.yaml"), env=env)
    assert result.returncode == 1
    assert f'unknown type: "otlp" for id: "otlp": the receiver is installed but cannot load: {reason}' in result.stderr


def test_plugin_missing_an_extra_names_the_extra_to_install(tmp_path: Path) -> None:
    (tmp_path / "acme_kafka.py").write_text("import acme_kafka_client\n")
    info = tmp_path / "acme_otel_kafka-2.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-otel-kafka\nVersion: 2.0.0\nProvides-Extra: kafka\n"
        'Requires-Dist: acme-kafka-client>=1; extra == "kafka"\n'
    )
    (info / "entry_points.txt").write_text("[pyotelcol.exporters]\nacme_kafka = acme_kafka:create_factory\n")
    result = run_cli("components", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        'exporters "acme_kafka" cannot load: package acme-otel-kafka 2.0.0: '
        "No module named 'acme_kafka_client'; install the 'kafka' extra: pip install 'acme-otel-kafka[kafka]'"
    ]


def test_broken_plugins_are_all_named(tmp_path: Path) -> None:
    """A plug-in that fails for another reason is an error, like a component that does not build in Go."""
    (tmp_path / "acme_a.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "acme_b.py").write_text("import acme_missing\n")
    info = tmp_path / "acme_broken-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[pyotelcol.processors]\nacme_a = acme_a:create_factory\nacme_b = acme_b:create_factory\n"
    )
    result = run_cli("components", env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: failed to load pyotelcol.processors entry point 'acme_a' (acme_a:create_factory): boom",
        "failed to load pyotelcol.processors entry point 'acme_b' (acme_b:create_factory): "
        "No module named 'acme_missing'",
    ]


def test_a_broken_plugin_stops_only_the_configs_that_use_it(tmp_path: Path) -> None:
    """Plug-ins load by the types the config names: an unused broken one is never imported."""
    (tmp_path / "acme_a.py").write_text("raise RuntimeError('boom')\n")
    info = tmp_path / "acme_broken-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pyotelcol.processors]\nacme_a = acme_a:create_factory\n")
    env = {"PYTHONPATH": str(tmp_path)}
    unused = run_cli("validate", "--config", str(REPO / "config-examples" / "otlp-debug.yaml"), env=env)
    assert unused.returncode == 0, unused.stderr
    config = tmp_path / "uses.yaml"
    config.write_text(
        "receivers: {nop: }\nprocessors: {acme_a: }\nexporters: {nop: }\n"
        "service: {pipelines: {traces: {receivers: [nop], processors: [acme_a], exporters: [nop]}}}\n"
    )
    used = run_cli("validate", "--config", str(config), env=env)
    assert used.returncode == 1
    assert "failed to load pyotelcol.processors entry point 'acme_a' (acme_a:create_factory): boom" in used.stderr


def test_only_the_components_a_config_names_are_imported() -> None:
    code = (
        "import sys\n"
        "from pyotelcol.component import Kind\n"
        "from pyotelcol.factories import from_entry_points\n"
        "f = from_entry_points()\n"
        "assert f.get(Kind.EXPORTER, 'otlphttp').type == 'otlp_http'\n"
        "assert f.get(Kind.EXPORTER, 'otlp_http') is f.get(Kind.EXPORTER, 'otlphttp')\n"
        "print(sorted(m for m in sys.modules if m.startswith('pyotelcol.exporters.') and m.count('.') == 2))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['pyotelcol.exporters.otlp_http']"
