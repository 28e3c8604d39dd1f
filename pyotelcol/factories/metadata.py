"""``metadata.yaml``: one file per component folder, the single source of what the collector and
its tools know about a component before loading it (Go's ``mdatagen`` metadata).

```yaml
type: otlp_http
status:
  class: exporter                    # receiver | processor | exporter | extension | connector
  stability:                         # level → signals (connectors: traces_to_metrics, ...;
    stable: [traces, metrics, logs]  #   extensions: [extension])
  distributions: [core]
  deprecated_alias: otlphttp         # optional: the old type name still accepted
  workers: per_worker                # per_worker | first_worker | single (docs/workers.md)
extras: []                           # pyotelcol extras the component needs (pip install 'pyotelcol[auth]')
tests:                               # the generated lifecycle test (tests/test_components.py)
  config: {endpoint: "http://127.0.0.1:4318"}   # merged over the default config
  skip_lifecycle: ""                 # a reason, when start/shutdown cannot run in a test
```

The factory builds itself from it (``load(__package__)``); ``setup.py`` turns every file into the
package's entry points (an alias gets an entry point of its own, so the registry can load a
component lazily by either name); the builder reads ``extras``; tests check the component's
README status table and ``distributions/pyotelcol.yaml`` against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from ..component import Kind, Signal, StabilityLevel
from .factory import WorkerPolicy

__all__ = ["ComponentMetadata", "MetadataError", "TestSettings", "load", "parse"]

FILE_NAME = "metadata.yaml"
_LEVELS = {level.value.lower(): level for level in StabilityLevel}
_KINDS = {kind.value: kind for kind in Kind}


class MetadataError(ValueError):
    """A metadata.yaml that does not describe a component; the message names the file."""


@dataclass(frozen=True)
class TestSettings:
    """How the generated lifecycle test treats the component."""

    config: Mapping[str, Any] = field(default_factory=dict)
    skip_lifecycle: str = ""


@dataclass(frozen=True)
class ComponentMetadata:
    type: str
    kind: Kind
    #: signal key ("traces", "traces_to_metrics", "extension") → level
    stability: Mapping[str, StabilityLevel]
    deprecated_alias: str | None = None
    worker_policy: WorkerPolicy = WorkerPolicy.PER_WORKER
    distributions: tuple[str, ...] = ("core",)
    extras: tuple[str, ...] = ()
    tests: TestSettings = field(default_factory=TestSettings)
    #: "module:attribute" of the gates the component registers (setup.py makes it an entry point)
    feature_gates: str = ""

    def signal_stability(self) -> dict[Signal, StabilityLevel]:
        """Receivers, processors, exporters: the level of each supported signal."""
        return {Signal(key): level for key, level in self.stability.items()}

    def connector_stability(self) -> dict[tuple[Signal, Signal], StabilityLevel]:
        """Connectors: the level of each (exporter-side, receiver-side) signal pair."""
        out = {}
        for key, level in self.stability.items():
            source, _, target = key.partition("_to_")
            out[(Signal(source), Signal(target))] = level
        return out

    def extension_stability(self) -> StabilityLevel:
        return self.stability["extension"]

    def entry_point_names(self) -> tuple[str, ...]:
        return (self.type, self.deprecated_alias) if self.deprecated_alias else (self.type,)


def _signal_key_ok(kind: Kind, key: str) -> bool:
    signals = {s.value for s in Signal}
    if kind is Kind.EXTENSION:
        return key == "extension"
    if kind is Kind.CONNECTOR:
        source, sep, target = key.partition("_to_")
        return bool(sep) and source in signals and target in signals
    return key in signals


def parse(text: str, source: str) -> ComponentMetadata:
    """Read one metadata.yaml; ``source`` names it in errors."""

    def fail(message: str) -> MetadataError:
        return MetadataError(f"{source}: {message}")

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise fail(f"invalid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise fail("expected a map")
    unknown = set(raw) - {"type", "status", "extras", "tests", "feature_gates"}
    if unknown:
        raise fail(f"unknown keys: {sorted(unknown)}")
    type_ = raw.get("type")
    status = raw.get("status") or {}
    if not isinstance(type_, str) or not type_:
        raise fail("'type' must be a non-empty string")
    unknown = set(status) - {"class", "stability", "distributions", "deprecated_alias", "workers"}
    if unknown:
        raise fail(f"unknown status keys: {sorted(unknown)}")
    kind = _KINDS.get(status.get("class", ""))
    if kind is None:
        raise fail(f"status.class must be one of {sorted(_KINDS)}")
    stability: dict[str, StabilityLevel] = {}
    for level_name, keys in (status.get("stability") or {}).items():
        level = _LEVELS.get(str(level_name))
        if level is None:
            raise fail(f"unknown stability level {level_name!r}")
        for key in keys or []:
            if not _signal_key_ok(kind, key):
                raise fail(f"{key!r} is not a signal key a {kind} can have")
            stability[key] = level
    if not stability:
        raise fail("status.stability lists no signal")
    try:
        workers = WorkerPolicy(status.get("workers", WorkerPolicy.PER_WORKER.value))
    except ValueError:
        raise fail(f"status.workers must be one of {[p.value for p in WorkerPolicy]}") from None
    tests = raw.get("tests") or {}
    unknown = set(tests) - {"config", "skip_lifecycle"}
    if unknown:
        raise fail(f"unknown tests keys: {sorted(unknown)}")
    return ComponentMetadata(
        type=type_,
        kind=kind,
        stability=stability,
        deprecated_alias=status.get("deprecated_alias") or None,
        worker_policy=workers,
        distributions=tuple(status.get("distributions") or ("core",)),
        extras=tuple(raw.get("extras") or ()),
        tests=TestSettings(dict(tests.get("config") or {}), str(tests.get("skip_lifecycle") or "")),
        feature_gates=_feature_gates(raw.get("feature_gates"), fail),
    )


def _feature_gates(value: Any, fail: Callable[[str], MetadataError]) -> str:
    if value is None:
        return ""
    module, _, attribute = str(value).partition(":")
    if not isinstance(value, str) or not module or not attribute.isidentifier():
        raise fail("feature_gates must be 'module:attribute' inside the component's package")
    return value


def load(package: str) -> ComponentMetadata:
    """The metadata of the component package ``package`` (pass ``__package__`` or ``__name__``)."""
    text = resources.files(package).joinpath(FILE_NAME).read_text(encoding="utf-8")
    return parse(text, f"{package.replace('.', '/')}/{FILE_NAME}")
