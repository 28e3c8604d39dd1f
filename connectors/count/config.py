"""Configuration of the ``count`` connector (Go's ``countconnector.Config``).

Each section maps a metric name to what it counts. A section left out or empty keeps its default
metric (``trace.span.count``, ...); a section with metrics of its own replaces the default, as in
Go. Every condition is compiled by ``validate()`` so that a bad one fails ``pyotelcol validate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyotelcol.ottl import CompileError, ConditionSet, ErrorMode, parse_conditions
from pyotelcol.pdata import any_value


@dataclass
class AttributeConfig:
    key: str = ""
    # Counted under this value when the item, its scope and its resource lack the attribute;
    # unset: such items are not counted by this metric.
    default_value: Any = None


@dataclass
class MetricInfo:
    description: str = ""
    # OTTL conditions, OR'ed; none: every item counts.
    conditions: list[str] = field(default_factory=list)
    attributes: list[AttributeConfig] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    """One kind of item: its config key, OTTL context and signal, and its default metric."""

    key: str
    context: str
    signal: str
    default_name: str
    default_description: str
    attributes: bool = True


SECTIONS = (
    Section("spans", "span", "traces", "trace.span.count", "The number of spans observed."),
    Section("spanevents", "spanevent", "traces", "trace.span.event.count", "The number of span events observed."),
    Section("metrics", "metric", "metrics", "metric.count", "The number of metrics observed.", attributes=False),
    Section("datapoints", "datapoint", "metrics", "metric.datapoint.count", "The number of data points observed."),
    Section("logs", "log", "logs", "log.record.count", "The number of log records observed."),
)


@dataclass
class Config:
    spans: dict[str, MetricInfo] = field(default_factory=dict)
    spanevents: dict[str, MetricInfo] = field(default_factory=dict)
    metrics: dict[str, MetricInfo] = field(default_factory=dict)
    datapoints: dict[str, MetricInfo] = field(default_factory=dict)
    logs: dict[str, MetricInfo] = field(default_factory=dict)

    def section(self, section: Section) -> dict[str, MetricInfo]:
        """The section's metrics, or its default metric when none is configured."""
        configured: dict[str, MetricInfo] = getattr(self, section.key)
        return configured or {section.default_name: MetricInfo(description=section.default_description)}

    def validate(self) -> None:
        for section in SECTIONS:
            compile_section(self, section, None)


@dataclass(frozen=True)
class MetricDef:
    name: str
    description: str
    condition: ConditionSet | None
    # (key, default as an OTLP AnyValue or None)
    attributes: tuple[tuple[str, Any], ...]


def compile_section(cfg: Config, section: Section, logger: Any) -> list[MetricDef]:
    """The section's metric definitions; ValueError with Go's messages."""
    out = []
    for name, info in cfg.section(section).items():
        if name == "":
            raise ValueError(f"{section.key}: metric name missing")
        condition = None
        if info.conditions:
            try:
                condition = parse_conditions(
                    info.conditions, section.signal, section.context, ErrorMode.PROPAGATE, logger
                )
            except CompileError as exc:
                raise ValueError(f'{section.key} condition: metric "{name}": {exc}') from None
        if not section.attributes and info.attributes:
            raise ValueError(f'{section.key} attributes not supported: metric "{name}"')
        attributes = []
        for attr in info.attributes:
            # Go's message names the spans section for data point attributes too.
            where = "spans" if section.key == "datapoints" else section.key
            if attr.key == "":
                raise ValueError(f'{where} attributes: metric "{name}": attribute key missing')
            try:
                default = None if attr.default_value is None else any_value(attr.default_value)
            except (TypeError, ValueError):
                raise ValueError(
                    f'{where} attributes: metric "{name}": invalid default value specified for attribute {attr.key}'
                ) from None
            attributes.append((attr.key, default))
        out.append(MetricDef(name, info.description, condition, tuple(attributes)))
    return out
