"""Configuration of the ``filter`` processor (Go's ``filterprocessor.Config``), with Go's
validation messages.

Two styles per signal: OTTL conditions (``trace_conditions`` / ``metric_conditions`` /
``log_conditions``, or the legacy ``traces`` / ``metrics`` / ``logs`` sections with un-prefixed
paths) and the deprecated ``include`` / ``exclude`` match properties (``spans``, ``metrics``,
``logs``). ``validate()`` checks the combination and compiles everything, so ``pyotelcol
validate`` reports a bad condition or pattern (the processor compiles it again, with its logger).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyotelcol.config.decode import DecodeError, decode
from pyotelcol.helpers.filtermatch import Attribute, MatchProperties, RegexpConfig

__all__ = [
    "ERROR_MODES",
    "Config",
    "ContextConditions",
    "LogFilters",
    "LogMatchProperties",
    "MetricFilters",
    "MetricMatchProperties",
    "ProfileFilters",
    "SpanMatchConfig",
    "TraceFilters",
]

ERROR_MODES = ("ignore", "silent", "propagate")
CONTEXT_IDS = ("resource", "scope", "span", "spanevent", "metric", "datapoint", "log", "profile")
_STYLES_MIXED = (
    "configuring multiple configuration styles is not supported, "
    "please use only Basic configuration or only Advanced configuration"
)

# Go's severityToNumber: numbers "1".."24" and names, matched upper-cased.
_SEVERITY_NAMES = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SEVERITY_NUMBERS: dict[str, int] = {}
for _i, _name in enumerate(_SEVERITY_NAMES):
    for _j, _suffix in enumerate(("", "2", "3", "4")):
        SEVERITY_NUMBERS[_name + _suffix] = _i * 4 + _j + 1
        SEVERITY_NUMBERS[str(_i * 4 + _j + 1)] = _i * 4 + _j + 1


@dataclass
class ContextConditions:
    """One group of ``*_conditions``: conditions OR'ed, in ``context`` (inferred per condition
    from its path prefixes when empty), with an optional ``error_mode`` of its own."""

    context: str = ""
    conditions: list[str] = field(default_factory=list)
    error_mode: str = ""


@dataclass
class SpanMatchConfig:
    """``spans``: the deprecated include/exclude match properties for spans."""

    include: MatchProperties | None = None
    exclude: MatchProperties | None = None


@dataclass
class TraceFilters:
    """``traces``: legacy OTTL conditions with paths relative to their context."""

    resource: list[str] | None = None
    span: list[str] | None = None
    spanevent: list[str] | None = None


@dataclass
class MetricMatchProperties:
    """``metrics.include`` / ``metrics.exclude`` (Go's ``filterconfig.MetricMatchProperties``)."""

    match_type: str = ""
    regexp: RegexpConfig | None = None
    metric_names: list[str] = field(default_factory=list)
    # Only used by match_type expr, which pyotelcol does not support.
    expressions: list[str] = field(default_factory=list)
    resource_attributes: list[Attribute] = field(default_factory=list)


@dataclass
class MetricFilters:
    include: MetricMatchProperties | None = None
    exclude: MetricMatchProperties | None = None
    # Accepted as Go accepts it; Go does not use it either (include/exclude carry their own).
    regexp: RegexpConfig | None = None
    resource: list[str] | None = None
    metric: list[str] | None = None
    datapoint: list[str] | None = None


@dataclass
class LogSeverityNumber:
    # A severity name (INFO, warn2, ...) or number ("9"); records at or above it match.
    min: str = ""
    match_undefined: bool = False


@dataclass
class LogMatchProperties:
    """``logs.include`` / ``logs.exclude`` (Go's ``filterprocessor.LogMatchProperties``)."""

    match_type: str = ""
    resource_attributes: list[Attribute] = field(default_factory=list)
    record_attributes: list[Attribute] = field(default_factory=list)
    severity_texts: list[str] = field(default_factory=list)
    severity_number: LogSeverityNumber | None = None
    bodies: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (
            self.resource_attributes
            or self.record_attributes
            or self.severity_texts
            or self.bodies
            or self.severity_number is not None
        )


@dataclass
class LogFilters:
    include: LogMatchProperties | None = None
    exclude: LogMatchProperties | None = None
    resource: list[str] | None = None
    log_record: list[str] | None = None


@dataclass
class ProfileFilters:
    """Accepted so that configs written for Go load; pyotelcol has no profiles pipelines."""

    resource: list[str] | None = None
    profile: list[str] | None = None


@dataclass
class Config:
    # What a condition that fails to evaluate does: ignore (logged, counts as false), silent
    # (the same, not logged) or propagate (the request fails).
    error_mode: str = "ignore"
    spans: SpanMatchConfig = field(default_factory=SpanMatchConfig)
    metrics: MetricFilters = field(default_factory=MetricFilters)
    logs: LogFilters = field(default_factory=LogFilters)
    traces: TraceFilters = field(default_factory=TraceFilters)
    profiles: ProfileFilters = field(default_factory=ProfileFilters)
    # Strings (context inferred per condition) or {context, conditions, error_mode} groups.
    trace_conditions: list[Any] | None = None
    metric_conditions: list[Any] | None = None
    log_conditions: list[Any] | None = None
    profile_conditions: list[Any] | None = None

    def validate(self) -> None:
        self.error_mode = error_mode(self.error_mode)
        _check_styles(self)
        context_conditions("profile_conditions", self.profile_conditions)
        for props in (self.logs.include, self.logs.exclude):
            if props is not None and props.severity_number is not None:
                severity_number(props.severity_number.min)
        for name, metric_props in (
            ("metrics.include", self.metrics.include),
            ("metrics.exclude", self.metrics.exclude),
        ):
            if metric_props is not None and metric_props.match_type == "expr":
                raise ValueError(
                    f'{name}: match_type "expr" (expr-lang expressions) is not supported by pyotelcol; '
                    "write the expressions as OTTL in metric_conditions instead"
                )
        from .compile import compile_config  # the OTTL engine loads only when a filter is configured

        compile_config(self)


def error_mode(raw: str) -> str:
    mode = raw.lower()
    if mode not in ERROR_MODES:
        raise ValueError(f"unknown error mode {mode}")
    return mode


def severity_number(raw: str) -> int:
    """Go's ``logSeverity``: "" is 0; else a name or number, case-insensitive."""
    if raw == "":
        return 0
    number = SEVERITY_NUMBERS.get(raw.upper())
    if number is None:
        raise ValueError(f"'{raw}' is not a valid severity: not a valid severity")
    return number


def _go_type(value: Any) -> str:
    return {bool: "bool", int: "int", float: "float64", str: "string", dict: "map[string]interface {}"}.get(
        type(value), type(value).__name__
    )


def context_conditions(key: str, raw: list[Any] | None) -> list[ContextConditions] | None:
    """Go's ``Config.Unmarshal`` for one ``*_conditions`` list: plain strings become one group
    (each condition's context is inferred on its own), maps are groups; mixing both is an error."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ValueError(f"invalid {key} type, expected: array, got: %!t({_go_type(raw)}={raw})")
    basic: list[str] = []
    groups: list[ContextConditions] = []
    for i, value in enumerate(raw):
        if value is None:
            raise ValueError("condition cannot be empty")
        if isinstance(value, str):
            if groups:
                raise ValueError(_STYLES_MIXED)
            basic.append(value)
            continue
        if basic:
            raise ValueError(_STYLES_MIXED)
        try:
            group = decode(ContextConditions, value, path=f"{key}[{i}]")
        except DecodeError as exc:
            raise ValueError("\n".join(exc.errors)) from None
        context = group.context.lower()
        if context and context not in CONTEXT_IDS:
            raise ValueError(f"'{key}[{i}].context' unknown context {context}")
        group.context = context
        groups.append(group)
    if basic:
        groups.append(ContextConditions(conditions=basic))
    return groups


def _check_styles(cfg: Config) -> None:
    """Go's checks that a signal does not mix its configuration styles (same messages)."""
    t, m, lg = cfg.traces, cfg.metrics, cfg.logs
    legacy_traces = t.resource is not None or t.span is not None or t.spanevent is not None
    legacy_metrics = m.resource is not None or m.metric is not None or m.datapoint is not None
    legacy_logs = lg.resource is not None or lg.log_record is not None
    if cfg.trace_conditions is not None and legacy_traces:
        raise ValueError(
            'cannot use context inferred trace conditions "trace_conditions" and the settings '
            '"traces.resource", "traces.span", "traces.spanevent" at the same time'
        )
    if cfg.metric_conditions is not None and (legacy_metrics or m.include is not None or m.exclude is not None):
        raise ValueError(
            'cannot use context inferred metric conditions "metric_conditions" and the settings '
            '"metrics.resource", "metrics.metric", "metrics.datapoint", "metrics.include", "metrics.exclude" '
            "at the same time"
        )
    if cfg.log_conditions is not None and (legacy_logs or lg.include is not None or lg.exclude is not None):
        raise ValueError(
            'cannot use context inferred log conditions "log_conditions" and the settings '
            '"logs.resource", "logs.log", "logs.include", "logs.exclude" at the same time'
        )
    p = cfg.profiles
    if cfg.profile_conditions is not None and (p.resource is not None or p.profile is not None):
        raise ValueError(
            'cannot use context inferred profile conditions "profile_conditions" and the settings '
            '"profiles.resource", "profiles.profile" at the same time'
        )
    if legacy_traces and (cfg.spans.include is not None or cfg.spans.exclude is not None):
        raise ValueError(
            'cannot use "traces.resource", "traces.span", "traces.spanevent" and the span settings '
            '"spans.include", "spans.exclude" at the same time'
        )
    if legacy_metrics and (m.include is not None or m.exclude is not None):
        raise ValueError(
            'cannot use "metrics.resource", "metrics.metric", "metrics.datapoint" and the settings '
            '"metrics.include", "metrics.exclude" at the same time'
        )
    if legacy_logs and (lg.include is not None or lg.exclude is not None):
        raise ValueError(
            'cannot use "logs.resource", "logs.log" and the settings "logs.include", "logs.exclude" at the same time'
        )
