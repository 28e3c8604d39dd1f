"""The collector config: decode the resolved map against the factories, then validate it.

Error texts follow the Go collector so that users' greps keep working:
decode problems are collected per top-level section (``error decoding 'receivers': ...``),
validation runs the first failing structural check plus every component's own ``validate()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..component import ID, IDError, Kind, PipelineID, Signal
from ..config import DecodeError, decode, validate
from ..confmap.expanded import ExpandedValue, plain
from ..factories import (
    AnyFactory,
    ConnectorFactory,
    ExporterFactory,
    ExtensionFactory,
    Factories,
    ProcessorFactory,
    ReceiverFactory,
)
from ..featuregate import Registry
from ..telemetry.config import TelemetryConfig

F = TypeVar("F", ReceiverFactory, ProcessorFactory, ExporterFactory, ConnectorFactory, ExtensionFactory)

_SECTIONS = (Kind.RECEIVER, Kind.PROCESSOR, Kind.EXPORTER, Kind.CONNECTOR, Kind.EXTENSION)
_TOP_KEYS = [k.plural for k in _SECTIONS] + ["service"]


class ConfigError(Exception):
    """A config that cannot run; ``str()`` is the message after Go's phase prefix."""


class UnmarshalError(ConfigError):
    def __str__(self) -> str:
        return "decoding failed due to the following error(s):\n\n" + "\n".join(map(str, self.args[0]))


class ValidationError(ConfigError):
    pass


@dataclass
class Pipeline:
    receivers: list[ID]
    processors: list[ID]
    exporters: list[ID]


@dataclass
class ComponentConfig:
    id: ID
    factory: AnyFactory
    config: Any

    def factory_as(self, kind: type[F]) -> F:
        """The factory as the class its section implies (receivers hold ReceiverFactory, ...)."""
        if not isinstance(self.factory, kind):
            raise TypeError(f"{self.id}: {type(self.factory).__name__} is not a {kind.__name__}")
        return self.factory


@dataclass
class Config:
    components: dict[Kind, dict[ID, ComponentConfig]]
    extensions: list[ID]
    pipelines: dict[PipelineID, Pipeline]
    telemetry: TelemetryConfig
    raw: dict[str, Any] = field(default_factory=dict)

    def section(self, kind: Kind) -> dict[ID, ComponentConfig]:
        return self.components[kind]


def _unknown_type_error(kind: Kind, comp_id: ID, factories: Factories) -> str:
    if comp_id.type == "logging":
        return "the logging exporter has been deprecated, use the debug exporter instead"
    valid = " ".join(factories.valid_types(kind))
    missing = factories.unavailable.get((kind, comp_id.type))
    if missing:
        return f'unknown type: "{comp_id.type}" for id: "{comp_id}": the {kind} is installed but cannot load: {missing}'
    return f'unknown type: "{comp_id.type}" for id: "{comp_id}" (valid values: [{valid}])'


def _decode_section(
    kind: Kind, raw: Any, factories: Factories, log: logging.Logger
) -> tuple[dict[ID, ComponentConfig], list[str]]:
    out: dict[ID, ComponentConfig] = {}
    errors: list[str] = []
    if isinstance(raw, ExpandedValue):
        raw = raw.value
    if raw is None:
        return out, errors
    if not isinstance(raw, dict):
        return out, [f"'{kind.plural}' expected a map, got '{type(raw).__name__}'"]
    seen: dict[ID, str] = {}
    for key, body in raw.items():
        key = str(key)
        try:
            comp_id = ID.parse(key)
        except IDError as exc:
            errors.append(str(exc))
            continue
        if comp_id in seen:
            errors.append(f'duplicate name "{key}" after unmarshaling {comp_id}')
            continue
        seen[comp_id] = key
        factory = factories.get(kind, comp_id.type)
        if factory is None:
            errors.append(_unknown_type_error(kind, comp_id, factories))
            continue
        if factory.deprecated_alias == comp_id.type:
            log.warning('"%s" alias is deprecated; use "%s" instead', comp_id.type, factory.type)
        try:
            cfg = decode(type(default := factory.create_default_config()), body, default)
        except DecodeError as exc:
            errors.append(f'error reading configuration for "{comp_id}": {exc}')
            continue
        out[comp_id] = ComponentConfig(comp_id, factory, cfg)
    return out, errors


def _id_list(raw: Any, path: str, errors: list[str]) -> list[ID]:
    if isinstance(raw, ExpandedValue):
        raw = raw.value if not isinstance(raw.value, str) else raw.original
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [p.strip() for p in raw.split(",")] if raw else []
    if not isinstance(raw, list):
        errors.append(f"'{path}' source data must be an array or slice, got map")
        return []
    ids: list[ID] = []
    for i, item in enumerate(raw):
        item = plain(item)
        if isinstance(item, dict):
            errors.append(f"'{path}[{i}]' has invalid keys: {', '.join(map(str, item))}")
            continue
        try:
            ids.append(ID.parse(str(item)))
        except IDError as exc:
            errors.append(str(exc))
    return ids


def _decode_service(raw: Any, errors: list[str]) -> tuple[list[ID], dict[PipelineID, Pipeline], TelemetryConfig]:
    raw = plain(raw) if isinstance(raw, ExpandedValue) else raw
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors.append("'service' expected a map, got 'string'")
        return [], {}, TelemetryConfig()
    unknown = sorted(set(map(str, raw)) - {"extensions", "pipelines", "telemetry"})
    if unknown:
        errors.append(f"'service' has invalid keys: {', '.join(unknown)}")
    extensions = _id_list(raw.get("extensions"), "service.extensions", errors)
    pipelines: dict[PipelineID, Pipeline] = {}
    raw_pipes = raw.get("pipelines") or {}
    if not isinstance(raw_pipes, dict):
        errors.append("'service.pipelines' expected a map, got 'slice'")
        raw_pipes = {}
    for key, body in raw_pipes.items():
        try:
            pid = PipelineID.parse(str(key))
        except IDError as exc:
            errors.append(str(exc))
            continue
        path = f"service.pipelines[{key}]"
        if isinstance(body, ExpandedValue):
            body = body.value
        if body is None:
            body = {}
        if not isinstance(body, dict):
            errors.append(f"'{path}' expected a map or struct, got \"{type(body).__name__.replace('str', 'string')}\"")
            continue
        bad = sorted(set(map(str, body)) - {"receivers", "processors", "exporters"})
        if bad:
            errors.append(f"'{path}' has invalid keys: {', '.join(bad)}")
        pipelines[pid] = Pipeline(
            _dedupe(_id_list(body.get("receivers"), f"{path}.receivers", errors)),
            _id_list(body.get("processors"), f"{path}.processors", errors),
            _dedupe(_id_list(body.get("exporters"), f"{path}.exporters", errors)),
        )
    telemetry = TelemetryConfig()
    try:
        telemetry = decode(TelemetryConfig, raw.get("telemetry"), TelemetryConfig(), "service.telemetry")
    except DecodeError as exc:
        errors.extend(exc.errors)
    return extensions, pipelines, telemetry


def _dedupe(ids: list[ID]) -> list[ID]:
    return list(dict.fromkeys(ids))


def unmarshal(conf: dict[str, Any], factories: Factories, log: logging.Logger | None = None) -> Config:
    """Decode a resolved config map; raise UnmarshalError with every decode problem found."""
    log = log or logging.getLogger("pyotelcol")
    errors: list[str] = []
    unknown = sorted(str(k) for k in conf if str(k) not in _TOP_KEYS)
    if unknown:
        errors.append(f"'' has invalid keys: {', '.join(unknown)}")
    components: dict[Kind, dict[ID, ComponentConfig]] = {}
    for kind in _SECTIONS:
        section, errs = _decode_section(kind, conf.get(kind.plural), factories, log)
        components[kind] = section
        errors.extend(f"error decoding '{kind.plural}': {e}" for e in errs)
    service_errors: list[str] = []
    extensions, pipelines, telemetry = _decode_service(conf.get("service"), service_errors)
    errors.extend(service_errors)
    if errors:
        raise UnmarshalError(errors)
    return Config(components, extensions, pipelines, telemetry, conf)


def _structural_error(cfg: Config, gates: Registry) -> str | None:
    comps = cfg.components
    if not any(comps[k] for k in _SECTIONS):
        return "empty configuration file"
    allow_none = gates.is_enabled("service.AllowNoPipelines")
    if not comps[Kind.RECEIVER] and not allow_none:
        return "no receiver configuration specified in config"
    if not comps[Kind.EXPORTER] and not allow_none:
        return "no exporter configuration specified in config"
    for conn_id in comps[Kind.CONNECTOR]:
        for kind in (Kind.EXPORTER, Kind.RECEIVER):
            if conn_id in comps[kind]:
                return (
                    f'connectors::{conn_id}: ambiguous ID: Found both "{conn_id}" {kind} and "{conn_id}" connector. '
                    f'Change one of the components\' IDs to eliminate ambiguity (e.g. rename "{conn_id}" connector '
                    f'to "{conn_id}/connector")'
                )
    for ext in cfg.extensions:
        if ext not in comps[Kind.EXTENSION]:
            return f'service::extensions: references extension "{ext}" which is not configured'
    for pid, pipe in cfg.pipelines.items():
        for rid in pipe.receivers:
            if rid not in comps[Kind.RECEIVER] and rid not in comps[Kind.CONNECTOR]:
                return f'service::pipelines::{pid}: references receiver "{rid}" which is not configured'
        for prid in pipe.processors:
            if prid not in comps[Kind.PROCESSOR]:
                return f'service::pipelines::{pid}: references processor "{prid}" which is not configured'
        for eid in pipe.exporters:
            if eid not in comps[Kind.EXPORTER] and eid not in comps[Kind.CONNECTOR]:
                return f'service::pipelines::{pid}: references exporter "{eid}" which is not configured'
    return None


def _pipeline_errors(cfg: Config, gates: Registry) -> list[str]:
    errors: list[str] = []
    if not cfg.pipelines and not gates.is_enabled("service.AllowNoPipelines"):
        errors.append("service::pipelines: service must have at least one pipeline")
    for pid, pipe in cfg.pipelines.items():
        if pid.signal is Signal.PROFILES and not gates.is_enabled("service.profilesSupport"):
            errors.append(
                f'service::pipelines: pipeline "{pid}": profiling signal support is at alpha level, gated under '
                'the "service.profilesSupport" feature gate'
            )
        if not pipe.receivers:
            errors.append(f"service::pipelines::{pid}: must have at least one receiver")
        if not pipe.exporters:
            errors.append(f"service::pipelines::{pid}: must have at least one exporter")
        seen: set[ID] = set()
        for prid in pipe.processors:
            if prid in seen:
                errors.append(f'service::pipelines::{pid}: references processor "{prid}" multiple times')
            seen.add(prid)
    return errors


def validate_config(cfg: Config, gates: Registry) -> None:
    """Go's Config.Validate: the first structural failure, then every nested validate() error."""
    errors: list[str] = []
    structural = _structural_error(cfg, gates)
    if structural:
        errors.append(structural)
    for kind in _SECTIONS:
        for comp in cfg.components[kind].values():
            errors.extend(validate(comp.config, f"{kind.plural}::{comp.id}"))
    errors.extend(_pipeline_errors(cfg, gates))
    errors.extend(validate(cfg.telemetry, "service::telemetry"))
    if errors:
        raise ValidationError("\n".join(errors))
