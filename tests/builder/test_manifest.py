"""The builder's manifest checks and code generation (no installs, except one that fails early)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from pyotelcol_builder.main import main
from pyotelcol_builder.manifest import MARKER, ManifestError, load
from support import REPO

FULL = REPO / "distributions" / "pyotelcol.yaml"


def write(tmp: Path, text: str, name: str = "dist.yaml") -> Path:
    path = tmp / name
    path.write_text(textwrap.dedent(text))
    return path


def build(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def test_unknown_keys_and_bad_entries_name_the_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = write(
        tmp_path,
        """
        dist:
          name: otelcol-x
          go: /usr/bin/go
        receivers:
          - package: pyotelcol
            import: pyotelcol.receivers.otlp
            foo: 1
        processors:
          - gomod: go.opentelemetry.io/collector/processor/batchprocessor v0.150.0
          - import: acme_redactor
        exporters:
          - package: pyotelcol
          - package: acme-thing
            path: ./nowhere
        replaces: []
        """,
    )
    code, err = build(capsys, "--manifest", str(manifest), "--output-path", str(tmp_path / "out"))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0] == f"Error: invalid manifest {manifest}: has invalid keys: replaces"
    assert set(lines[1:]) == {
        "'dist' has invalid keys: go",
        "receivers[0] (otlp): has invalid keys: foo",
        "processors[0]: has invalid keys: gomod",
        "processors[1] (acme_redactor): missing package specification for module",
        "exporters[0] (pyotelcol): missing import: name the built-in's module, e.g. pyotelcol.receivers.otlp",
        f"exporters[1] (acme_thing): path '{tmp_path / 'nowhere'}' does not exist",
    }
    assert not (tmp_path / "out").exists()


def test_missing_dist_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = write(
        tmp_path, "dist: {version: 1.0.0}\nreceivers: [{package: pyotelcol, import: pyotelcol.receivers.otlp}]"
    )
    code, err = build(capsys, "--manifest", str(manifest))
    assert code == 1
    assert err == (
        f"Error: invalid manifest {manifest}: 'dist.name' is required: it names the distribution's launcher and package\n"
    )


def test_unknown_builtin_is_caught_before_installing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = write(
        tmp_path, "dist: {name: x}\nprocessors: [{package: pyotelcol, import: pyotelcol.processors.batchh}]"
    )
    code, err = build(capsys, "--manifest", str(manifest), "--output-path", str(tmp_path / "out"))
    assert code == 1
    assert "processors[0] (batchh): pyotelcol has no built-in pyotelcol.processors.batchh (processors: " in err
    assert "Generating" not in err and not (tmp_path / "out").exists()


def test_manifest_defaults_and_resolution(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "pyproject.toml").write_text('[project]\nname = "acme_otel.things"\nversion = "1"\n')
    manifest = load(
        write(
            tmp_path,
            """
            dist: {name: my-col, version: 2.0.0rc1}
            receivers:
              - {package: pyotelcol, import: pyotelcol.receivers.nop}
              - {package: "acme-otel-redactor[fast]==1.2"}
            exporters:
              - {package: pyotelcol, module: pyotelcol.exporters.nop}
              - {package: acme-otel-things, import: "acme.things:make", name: things, path: local}
            constraints: ["grpcio<2"]
            """,
        )
    )
    assert (manifest.name, manifest.module, manifest.version) == ("my-col", "my_col", "2.0.0rc1")
    assert manifest.output_path is None and manifest.providers == ["env", "file", "http", "https", "yaml"]
    got = [(c.label, c.import_spec, c.path) for c in manifest.components]
    assert got == [
        ("receivers[0] (nop)", "pyotelcol.receivers.nop:create_factory", None),
        ("receivers[1] (acme_otel_redactor)", "acme_otel_redactor:create_factory", None),
        ("exporters[0] (nop2)", "pyotelcol.exporters.nop:create_factory", None),  # aliases never collide
        ("exporters[1] (things)", "acme.things:make", tmp_path / "local"),
    ]
    assert manifest.dependencies() == ["pyotelcol", "acme-otel-redactor[fast]==1.2", "acme-otel-things"]


def test_builtin_extras_follow_the_components(tmp_path: Path) -> None:
    manifest = load(
        write(
            tmp_path,
            """
            dist: {name: c}
            receivers: [{package: "pyotelcol>=0.1", import: pyotelcol.receivers.otlp}]
            exporters: [{package: pyotelcol, import: pyotelcol.exporters.file}]
            extensions: [{package: pyotelcol, import: pyotelcol.extensions.basicauth}]
            """,
        )
    )
    # grpcio and the compressors are core dependencies; bcrypt (basicauth's hashes) is the auth extra
    assert manifest.dependencies() == ["pyotelcol[auth]>=0.1", "pyotelcol[auth]"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dist: {name: c, version: 1.0-custom}", "'dist.version' '1.0-custom' is not a Python package version"),
        ("dist: {name: venv}", "'dist.name' 'venv' is a name the builder uses in output_path"),
        ("dist: {name: pyotelcol}", "'dist.name' 'pyotelcol' is the name of a package the distribution installs"),
        ("dist: {name: c, module: class}", "'dist.module' 'class' is not a valid Python module name"),
        ("dist: {name: c}\nreceivers: [{package: a, import: 'a b'}]", "receivers[0] (a): 'import' 'a b' is not a"),
        ("dist: {name: c}\nreceivers: [{package: a, import: x, module: y}]", "'import' and 'module' are the same"),
        ("dist: {name: c}\nreceivers: [{package: a, name: components}]", "'name' 'components' is already used"),
        ("dist: {name: c}\nproviders: [{package: pyotelcol, scheme: s3}]", "providers[0] (s3): unknown scheme 's3'"),
        ("dist: {name: c}\nproviders: [{package: acme-s3, scheme: s3}]", "only pyotelcol's built-in providers"),
        ("dist: {name: c}\nreceivers: receivers", "'receivers' source data must be an array or slice, got string"),
        ("dist: {name: c}\nconstraints: ['not a req']", "constraints[0]: 'not a req' is not a pip requirement"),
    ],
)
def test_bad_manifests(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ManifestError) as err:
        load(write(tmp_path, text))
    assert message in str(err.value)


def test_path_must_hold_the_named_package(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "pyproject.toml").write_text('[project]\nname = "other"\n')
    with pytest.raises(ManifestError, match=r"holds the package 'other', not 'acme-x'"):
        load(write(tmp_path, "dist: {name: c}\nprocessors: [{package: acme-x, path: local}]"))


def test_full_distribution_builds_and_lists_every_builtin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The default distribution is itself built from its manifest (like otelcol-contrib's)."""
    out = tmp_path / "full"
    code, err = build(capsys, "--manifest", str(FULL), "--output-path", str(out))
    assert code == 0, err
    launcher = out / "pyotelcol-full"
    assert launcher.exists() and (out / "venv").is_dir()
    built = yaml.safe_load(
        subprocess.run([str(launcher), "components"], capture_output=True, text=True, check=True).stdout
    )
    stock = [sys.executable, "-m", "pyotelcol", "components"]
    found = yaml.safe_load(subprocess.run(stock, capture_output=True, text=True, check=True).stdout)
    assert built["buildinfo"] == {
        "command": "pyotelcol-full",
        "description": "pyotelcol: OpenTelemetry Collector in Python",
        "version": "0.1.0",
    }
    for kind in ("receivers", "processors", "exporters", "extensions", "connectors", "providers"):
        assert built[kind] == found[kind], kind
    config = REPO / "config-examples" / "gateway.yaml"
    check = subprocess.run([str(launcher), "validate", f"--config={config}"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_foreign_output_path_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    manifest = write(tmp_path, "dist: {name: c}")
    code, err = build(capsys, "--manifest", str(manifest), "--output-path", str(tmp_path / "out"), "--skip-install")
    assert code == 1
    assert "exists and was not written by the builder" in err
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_missing_package_fails_early_and_keeps_the_previous_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("{}")
    (out / "earlier.txt").write_text("earlier build")
    manifest = write(
        tmp_path,
        """
        dist: {name: otelcol-x}
        receivers: [{package: pyotelcol, import: pyotelcol.receivers.otlp}]
        processors: [{package: "acme-otel-nonexistent==1.2", import: acme_nonexistent}]
        """,
    )
    (tmp_path / "wheelhouse").mkdir()
    code, err = build(
        capsys, "--manifest", str(manifest), "--output-path", str(out), "--no-index", "--find-links",
        str(tmp_path / "wheelhouse"),
    )  # fmt: skip
    assert code == 1
    assert (
        'Error: packages not found: no package found for "acme-otel-nonexistent==1.2" '
        "(processors[0] (acme_nonexistent))" in err
    )
    assert "Built" not in err
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "earlier.txt"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist.yaml", "out", "wheelhouse"]


def test_another_pyotelcol_version_comes_from_the_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """By default the builder uses the pyotelcol it runs from; a version that is not it goes to the index."""
    manifest = write(
        tmp_path, "dist: {name: c}\nreceivers: [{package: 'pyotelcol==9.9.9', import: pyotelcol.receivers.nop}]"
    )
    (tmp_path / "wheelhouse").mkdir()
    code, err = build(
        capsys, "--manifest", str(manifest), "--output-path", str(tmp_path / "out"), "--no-index", "--find-links",
        str(tmp_path / "wheelhouse"),
    )  # fmt: skip
    assert code == 1
    assert 'Error: packages not found: no package found for "pyotelcol==9.9.9" (receivers[0] (nop))' in err
    assert "Using pyotelcol==9.9.9 from the package index" in err
