"""The ``include`` / ``exclude`` match properties (Go's ``filterconfig.MatchProperties``), decoded
strictly by ``pyotelcol.config.decode``, and Go's per-signal validation with its messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .filterset import RegexpConfig

__all__ = [
    "SPAN_KINDS",
    "Attribute",
    "Library",
    "MatchConfig",
    "MatchProperties",
    "SeverityNumberMatch",
    "validate_for_logs",
    "validate_for_metrics",
    "validate_for_spans",
]

SPAN_KINDS = ("SPAN_KIND_INTERNAL", "SPAN_KIND_CLIENT", "SPAN_KIND_SERVER", "SPAN_KIND_CONSUMER", "SPAN_KIND_PRODUCER")

ERR_MISSING_SPAN_FIELD = 'at least one of "attributes", "libraries",  or "resources" field must be specified'
ERR_INVALID_LOG_FIELD = "services, span_names, span_kinds and metric_names are not valid for log records"
ERR_MISSING_LOG_FIELD = (
    'at least one of "attributes", "libraries", "span_kinds", "resources", "log_bodies", '
    '"log_severity_texts" or "log_severity_number" field must be specified'
)
ERR_MISSING_METRIC_FIELD = 'at least one of "metric_names" or "resources" field must be specified'
ERR_INVALID_METRIC_FIELD = (
    '"span_names", "span_kinds", "log_bodies", "log_severity_texts", "log_severity_number", '
    '"services", "attributes" and "libraries" are not valid for metrics'
)


@dataclass
class Attribute:
    """An attribute to match: ``key`` must be present; ``value``, when given, must match."""

    key: str = ""
    # Any YAML value under strict (compared with its type: 1 is not "1"); a pattern under regexp.
    value: Any = None


@dataclass
class Library:
    """An instrumentation scope to match. ``version`` unset matches any version; ``""`` matches
    only an empty version."""

    name: str = ""
    version: str | None = None


@dataclass
class SeverityNumberMatch:
    """Log records at or above ``min`` match; unspecified severity (0) matches only when
    ``match_undefined`` is true."""

    min: int = 0
    match_undefined: bool = False


@dataclass
class MatchProperties:
    """Properties an item must all have (lists inside a property are alternatives)."""

    match_type: str = ""
    regexp: RegexpConfig | None = None
    services: list[str] = field(default_factory=list)
    span_names: list[str] = field(default_factory=list)
    span_kinds: list[str] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    resources: list[Attribute] = field(default_factory=list)
    libraries: list[Library] = field(default_factory=list)
    log_bodies: list[str] = field(default_factory=list)
    log_severity_texts: list[str] = field(default_factory=list)
    log_severity_number: SeverityNumberMatch | None = None
    metric_names: list[str] = field(default_factory=list)


@dataclass
class MatchConfig:
    """``include`` is checked first; an item is processed when include (if set) matches and
    exclude (if set) does not."""

    include: MatchProperties | None = None
    exclude: MatchProperties | None = None


def validate_for_spans(mp: MatchProperties) -> None:
    """Go's ``ValidateForSpans``: raises ValueError with Go's message."""
    if mp.log_bodies:
        raise ValueError("log_bodies should not be specified for trace spans")
    if mp.log_severity_texts:
        raise ValueError("log_severity_texts should not be specified for trace spans")
    if mp.log_severity_number is not None:
        raise ValueError("log_severity_number should not be specified for trace spans")
    if mp.metric_names:
        raise ValueError("metric_names should not be specified for trace spans")
    if not (mp.services or mp.span_names or mp.attributes or mp.libraries or mp.resources or mp.span_kinds):
        raise ValueError(ERR_MISSING_SPAN_FIELD)
    if mp.span_kinds and mp.match_type == "strict":
        for kind in mp.span_kinds:
            if kind not in SPAN_KINDS:
                # Go builds this list with len(kinds) empty entries in front; keep its text.
                listed = " ".join([""] * len(SPAN_KINDS) + sorted(SPAN_KINDS))
                raise ValueError(
                    f"span_kinds string must match one of the standard span kinds when match_type=strict: [{listed}]"
                )


def validate_for_logs(mp: MatchProperties) -> None:
    """Go's ``ValidateForLogs``."""
    if mp.span_names or mp.services or mp.span_kinds or mp.metric_names:
        raise ValueError(ERR_INVALID_LOG_FIELD)
    if not (
        mp.attributes
        or mp.libraries
        or mp.resources
        or mp.log_bodies
        or mp.log_severity_texts
        or mp.log_severity_number is not None
    ):
        raise ValueError(ERR_MISSING_LOG_FIELD)


def validate_for_metrics(mp: MatchProperties) -> None:
    """Go's ``ValidateForMetrics``."""
    if (
        mp.log_bodies
        or mp.log_severity_texts
        or mp.span_names
        or mp.services
        or mp.span_kinds
        or mp.attributes
        or mp.libraries
        or mp.log_severity_number is not None
    ):
        raise ValueError(ERR_INVALID_METRIC_FIELD)
    if not (mp.metric_names or mp.resources):
        raise ValueError(ERR_MISSING_METRIC_FIELD)
