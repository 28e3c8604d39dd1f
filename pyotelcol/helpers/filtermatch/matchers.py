"""Compiled include/exclude matchers over pdata views (Go's ``filtermatcher``, ``filterspan``,
``filterlog`` and ``filtermetric`` name matching)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from ...pdata.pcommon import InstrumentationScope, Map, Resource, Value, ValueType
from ...pdata.plog import LogRecord
from ...pdata.pmetric import Metric
from ...pdata.ptrace import Span
from .config import MatchProperties, validate_for_logs, validate_for_metrics, validate_for_spans
from .filterset import REGEXP, STRICT, FilterSet, RegexpConfig, create_filter_set, unrecognized_match_type

__all__ = [
    "AttributesMatcher",
    "LogMatcher",
    "MetricMatcher",
    "PropertiesMatcher",
    "Skip",
    "SpanMatcher",
    "log_skip",
    "metric_skip",
    "span_kind_str",
    "span_skip",
]

I = TypeVar("I", contravariant=True)  # noqa: E741
J = TypeVar("J")

_SPAN_KIND_STR = {
    0: "SPAN_KIND_UNSPECIFIED",
    1: "SPAN_KIND_INTERNAL",
    2: "SPAN_KIND_SERVER",
    3: "SPAN_KIND_CLIENT",
    4: "SPAN_KIND_PRODUCER",
    5: "SPAN_KIND_CONSUMER",
}


def span_kind_str(kind: int) -> str:
    """Go's ``traceutil.SpanKindStr``: the proto enum name, "" for unknown values."""
    return _SPAN_KIND_STR.get(kind, "")


def _go_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _format_float_f(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest digits, never an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _value_type_of_raw(raw: Any) -> ValueType:
    if raw is None:
        return ValueType.EMPTY
    if isinstance(raw, bool):
        return ValueType.BOOL
    if isinstance(raw, int):
        return ValueType.INT
    if isinstance(raw, float):
        return ValueType.DOUBLE
    if isinstance(raw, str):
        return ValueType.STR
    if isinstance(raw, bytes):
        return ValueType.BYTES
    if isinstance(raw, dict):
        return ValueType.MAP
    if isinstance(raw, list):
        return ValueType.SLICE
    raise ValueError(f"<Invalid value type {type(raw).__name__}>")


def _check_raw(raw: Any) -> None:
    """Go's ``Value.FromRaw`` refuses types it cannot hold; check nested values too."""
    _value_type_of_raw(raw)
    if isinstance(raw, dict):
        for item in raw.values():
            _check_raw(item)
    elif isinstance(raw, list):
        for item in raw:
            _check_raw(item)


def _same_value(expected: Any, actual: Any) -> bool:
    """Equality with types, as Go compares pcommon values (1 is neither 1.0 nor true)."""
    if type(expected) is not type(actual):
        return False
    if isinstance(expected, dict):
        return expected.keys() == actual.keys() and all(_same_value(expected[k], actual[k]) for k in expected)
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(_same_value(e, a) for e, a in zip(expected, actual, strict=True))
    return bool(expected == actual)


def _string_for_regexp(value: Value) -> str | None:
    """The text a regexp is matched against; maps, slices, bytes and empty values never match."""
    kind = value.type
    if kind is ValueType.STR:
        return value.str_value
    if kind is ValueType.BOOL:
        return "true" if value.bool_value else "false"
    if kind is ValueType.DOUBLE:
        return _format_float_f(value.double_value)
    if kind is ValueType.INT:
        return str(value.int_value)
    return None


class _AttributeMatcher:
    __slots__ = ("key", "pattern", "value")

    def __init__(self, key: str, value: Any, pattern: FilterSet | None, has_value: bool) -> None:
        self.key = key
        self.value = value if has_value else _NO_VALUE
        self.pattern = pattern


_NO_VALUE = object()


class AttributesMatcher:
    """Every listed attribute must be present (and match its value when one is given)."""

    __slots__ = ("_entries",)

    def __init__(self, match_type: str, regexp: RegexpConfig | None, attributes: Sequence[Any]) -> None:
        entries: list[_AttributeMatcher] = []
        for attribute in attributes:
            key: str = attribute.key
            if key == "":
                raise ValueError("can't have empty key in the list of attributes")
            if attribute.value is None:
                entries.append(_AttributeMatcher(key, None, None, has_value=False))
                continue
            _check_raw(attribute.value)
            if match_type == REGEXP:
                if not isinstance(attribute.value, str):
                    found = _value_type_of_raw(attribute.value).value
                    raise ValueError(f"match_type=regexp for {_go_quote(key)} only supports Str, but found {found}")
                pattern = create_filter_set([attribute.value], match_type, regexp)
                entries.append(_AttributeMatcher(key, None, pattern, has_value=False))
            elif match_type == STRICT:
                entries.append(_AttributeMatcher(key, attribute.value, None, has_value=True))
            else:
                raise unrecognized_match_type(match_type)
        self._entries = tuple(entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def matches(self, attrs: Map) -> bool:
        if not self._entries:
            return True
        if len(attrs) == 0:
            return False
        for entry in self._entries:
            value = attrs.get(entry.key)
            if value is None:
                return False
            if entry.pattern is not None:
                text = _string_for_regexp(value)
                if text is None or not entry.pattern.matches(text):
                    return False
            elif entry.value is not _NO_VALUE and not _same_value(entry.value, value.as_raw()):
                return False
        return True


class PropertiesMatcher:
    """Libraries (each listed one must match), resource attributes and item attributes
    (Go's ``filtermatcher.PropertiesMatcher``)."""

    __slots__ = ("_attributes", "_libraries", "_resources")

    def __init__(self, mp: MatchProperties) -> None:
        libraries: list[tuple[FilterSet, FilterSet | None]] = []
        for library in mp.libraries:
            try:
                name = create_filter_set([library.name], mp.match_type, mp.regexp)
            except ValueError as exc:
                raise ValueError(f"error creating library name filters: {exc}") from None
            version = None
            if library.version is not None:
                try:
                    version = create_filter_set([library.version], mp.match_type, mp.regexp)
                except ValueError as exc:
                    raise ValueError(f"error creating library version filters: {exc}") from None
            libraries.append((name, version))
        self._libraries = tuple(libraries)
        self._attributes = _attributes_or_none(mp, mp.attributes, "attribute")
        self._resources = _attributes_or_none(mp, mp.resources, "resource")

    def matches(self, attrs: Map, resource: Resource, scope: InstrumentationScope) -> bool:
        for name, version in self._libraries:
            if not name.matches(scope.name):
                return False
            if version is not None and not version.matches(scope.version):
                return False
        if self._resources is not None and not self._resources.matches(resource.attributes):
            return False
        return self._attributes is None or self._attributes.matches(attrs)


def _attributes_or_none(mp: MatchProperties, attributes: Sequence[Any], what: str) -> AttributesMatcher | None:
    if not attributes:
        return None
    try:
        return AttributesMatcher(mp.match_type, mp.regexp, attributes)
    except ValueError as exc:
        raise ValueError(f"error creating {what} filters: {exc}") from None


def _filter_set_or_none(mp: MatchProperties, values: list[str], what: str) -> FilterSet | None:
    if not values:
        return None
    try:
        return create_filter_set(values, mp.match_type, mp.regexp)
    except ValueError as exc:
        raise ValueError(f"error creating {what} filters: {exc}") from None


class SpanMatcher:
    """Matches spans (Go's ``filterspan``): services (resource ``service.name``), span names,
    span kinds, then libraries, resources and span attributes."""

    __slots__ = ("_kinds", "_names", "_properties", "_services")

    def __init__(self, mp: MatchProperties) -> None:
        validate_for_spans(mp)
        self._properties = PropertiesMatcher(mp)
        self._services = _filter_set_or_none(mp, mp.services, "service name")
        self._names = _filter_set_or_none(mp, mp.span_names, "span name")
        self._kinds = _filter_set_or_none(mp, mp.span_kinds, "span kind")

    def matches(self, resource: Resource, scope: InstrumentationScope, span: Span) -> bool:
        if self._services is not None:
            service = resource.attributes.get("service.name")
            name = service.as_string() if service is not None else "<nil-service-name>"
            if not self._services.matches(name):
                return False
        if self._names is not None and not self._names.matches(span.name):
            return False
        if self._kinds is not None and not self._kinds.matches(span_kind_str(span.kind)):
            return False
        return self._properties.matches(span.attributes, resource, scope)


class LogMatcher:
    """Matches log records (Go's ``filterlog``): body (as a string), severity text, severity
    number, then libraries, resources and record attributes."""

    __slots__ = ("_bodies", "_min_severity", "_properties", "_severity_texts", "_undefined")

    def __init__(self, mp: MatchProperties) -> None:
        validate_for_logs(mp)
        self._properties = PropertiesMatcher(mp)
        self._bodies = _filter_set_or_none(mp, mp.log_bodies, "log record body")
        self._severity_texts = _filter_set_or_none(mp, mp.log_severity_texts, "log record severity text")
        sev = mp.log_severity_number
        self._min_severity = sev.min if sev is not None else None
        self._undefined = sev.match_undefined if sev is not None else False

    def matches(self, resource: Resource, scope: InstrumentationScope, log: LogRecord) -> bool:
        if self._bodies is not None and not self._bodies.matches(log.body.as_string()):
            return False
        if self._severity_texts is not None and not self._severity_texts.matches(log.severity_text):
            return False
        if self._min_severity is not None:
            number = log.severity_number
            if number == 0:
                if not self._undefined:
                    return False
            elif number < self._min_severity:
                return False
        return self._properties.matches(log.attributes, resource, scope)


class MetricMatcher:
    """Matches metrics by name (Go's ``filtermetric``). ``resources`` pass validation but, as in
    Go, are not matched here: without ``metric_names`` this matcher is inactive (``active`` is
    false) and ``metric_skip`` leaves it out."""

    __slots__ = ("_names",)

    def __init__(self, mp: MatchProperties) -> None:
        validate_for_metrics(mp)
        self._names = create_filter_set(mp.metric_names, mp.match_type, mp.regexp) if mp.metric_names else None

    @property
    def active(self) -> bool:
        return self._names is not None

    def matches(self, resource: Resource, scope: InstrumentationScope, metric: Metric) -> bool:
        return self._names is None or self._names.matches(metric.name)


class ItemMatcher(Protocol[I]):
    def matches(self, resource: Resource, scope: InstrumentationScope, item: I, /) -> bool: ...


class Skip(Generic[J]):
    """An include/exclude pair: ``skip(...)`` is true when include is set and does not match,
    or exclude is set and matches (Go's ``Or(Not(include), exclude)``)."""

    __slots__ = ("exclude", "include")

    def __init__(self, include: ItemMatcher[J] | None, exclude: ItemMatcher[J] | None) -> None:
        self.include = include
        self.exclude = exclude

    def skip(self, resource: Resource, scope: InstrumentationScope, item: J) -> bool:
        if self.include is not None and not self.include.matches(resource, scope, item):
            return True
        return self.exclude is not None and self.exclude.matches(resource, scope, item)

    def processes(self, resource: Resource, scope: InstrumentationScope, item: J) -> bool:
        return not self.skip(resource, scope, item)


def span_skip(include: MatchProperties | None, exclude: MatchProperties | None) -> Skip[Span] | None:
    """The include/exclude pair for spans, or None when neither is set. Raises ValueError."""
    inc = SpanMatcher(include) if include is not None else None
    exc = SpanMatcher(exclude) if exclude is not None else None
    return Skip(inc, exc) if inc is not None or exc is not None else None


def log_skip(include: MatchProperties | None, exclude: MatchProperties | None) -> Skip[LogRecord] | None:
    """The include/exclude pair for log records, or None when neither is set."""
    inc = LogMatcher(include) if include is not None else None
    exc = LogMatcher(exclude) if exclude is not None else None
    return Skip(inc, exc) if inc is not None or exc is not None else None


def metric_skip(include: MatchProperties | None, exclude: MatchProperties | None) -> Skip[Metric] | None:
    """The include/exclude pair for metrics (names only, see ``MetricMatcher``), or None."""
    inc = MetricMatcher(include) if include is not None else None
    exc = MetricMatcher(exclude) if exclude is not None else None
    inc = inc if inc is not None and inc.active else None
    exc = exc if exc is not None and exc.active else None
    return Skip(inc, exc) if inc is not None or exc is not None else None
