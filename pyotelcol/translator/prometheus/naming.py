"""OTLP metric, unit and attribute names → Prometheus names, as Go's ``otlptranslator`` does it
(``MetricNamer``, ``LabelNamer``, ``UnitNamer``) for the prometheus and remote-write exporters.

``translation_strategy`` picks two switches: whether type and unit suffixes are added
(``_seconds``, ``_total``, ``_ratio``) and whether UTF-8 names pass unchanged or have every
character outside ``[a-zA-Z0-9_:]`` turned into ``_``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from opentelemetry.proto.metrics.v1 import metrics_pb2

from ..promunits import PER_UNIT_WORDS, UNIT_WORDS

__all__ = [
    "STRATEGIES",
    "LabelNamer",
    "MetricKind",
    "MetricNamer",
    "NamingError",
    "Strategy",
    "build_unit",
    "metric_kind",
    "strategy_switches",
]

UNDERSCORE_ESCAPING_WITH_SUFFIXES = "UnderscoreEscapingWithSuffixes"
UNDERSCORE_ESCAPING_WITHOUT_SUFFIXES = "UnderscoreEscapingWithoutSuffixes"
NO_UTF8_ESCAPING_WITH_SUFFIXES = "NoUTF8EscapingWithSuffixes"
NO_TRANSLATION = "NoTranslation"

#: translation_strategy → (add suffixes, UTF-8 allowed)
STRATEGIES: dict[str, tuple[bool, bool]] = {
    UNDERSCORE_ESCAPING_WITH_SUFFIXES: (True, False),
    UNDERSCORE_ESCAPING_WITHOUT_SUFFIXES: (False, False),
    NO_UTF8_ESCAPING_WITH_SUFFIXES: (True, True),
    NO_TRANSLATION: (False, True),
}


class NamingError(ValueError):
    """A name that cannot be turned into a valid Prometheus name (Go's error texts)."""


class MetricKind(enum.Enum):
    """otlptranslator.MetricType: what decides the suffixes."""

    UNKNOWN = "unknown"
    NON_MONOTONIC_COUNTER = "non_monotonic_counter"
    MONOTONIC_COUNTER = "monotonic_counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    EXPONENTIAL_HISTOGRAM = "exponential_histogram"
    SUMMARY = "summary"


def metric_kind(metric: metrics_pb2.Metric) -> MetricKind:
    data = metric.WhichOneof("data")
    if data == "gauge":
        return MetricKind.GAUGE
    if data == "sum":
        return MetricKind.MONOTONIC_COUNTER if metric.sum.is_monotonic else MetricKind.NON_MONOTONIC_COUNTER
    if data == "histogram":
        return MetricKind.HISTOGRAM
    if data == "exponential_histogram":
        return MetricKind.EXPONENTIAL_HISTOGRAM
    if data == "summary":
        return MetricKind.SUMMARY
    return MetricKind.UNKNOWN


@dataclass(frozen=True)
class Strategy:
    with_suffixes: bool = True
    utf8_allowed: bool = False


def strategy_switches(translation_strategy: str, add_metric_suffixes: bool) -> Strategy:
    """An explicit ``translation_strategy`` wins; else the deprecated ``add_metric_suffixes``."""
    if translation_strategy in STRATEGIES:
        suffixes, utf8 = STRATEGIES[translation_strategy]
        return Strategy(suffixes, utf8)
    return Strategy(add_metric_suffixes, False)


def _compliant_metric_char(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("0" <= ch <= "9") or ch == ":"


def _compliant_label_char(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("0" <= ch <= "9")


def _dropped_char(ch: str) -> bool:
    """Without suffixes, runs of characters outside ``[a-zA-Z0-9_:]`` become one ``_``."""
    return not _compliant_metric_char(ch) and ch != "_"


def _fields(text: str, is_separator: Callable[[str], bool]) -> list[str]:
    """Go's strings.FieldsFunc: split on separator characters, dropping empty fields."""
    out: list[str] = []
    current: list[str] = []
    for ch in text:
        if is_separator(ch):
            if current:
                out.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        out.append("".join(current))
    return out


def _collapse_underscores(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch == "_" and out and out[-1] == "_":
            continue
        out.append(ch)
    return "".join(out)


def _clean_unit(unit: str) -> str:
    replaced = "".join(ch if _compliant_metric_char(ch) else "_" for ch in unit)
    return _collapse_underscores(replaced).removeprefix("_")


def _unit_suffixes(unit: str) -> tuple[str, str]:
    """(main unit word, ``per_<unit>``) of a UCUM unit; ``{annotations}`` give nothing."""
    parts = unit.split("/", 1)
    main = parts[0].strip()
    main_suffix = UNIT_WORDS.get(main, main) if main and "{" not in main and "}" not in main else ""
    per_suffix = ""
    if len(parts) > 1 and parts[1] != "":
        per = parts[1].strip()
        if per and "{" not in per and "}" not in per:
            per_suffix = PER_UNIT_WORDS.get(per, per)
        if per_suffix:
            per_suffix = "per_" + per_suffix
    return main_suffix, per_suffix


def build_unit(unit: str, utf8_allowed: bool) -> str:
    """UnitNamer.Build: the unit as a Prometheus word (``MetricMetadata.unit``)."""
    main, per = _unit_suffixes(unit)
    if not utf8_allowed:
        main, per = _clean_unit(main), _clean_unit(per)
    text = main + "_" + per if main and per else main or per
    if text.startswith("_"):
        text = text[1:]
    if text.endswith("_"):
        text = text[:-1]
    return text


def _trim_suffix(name: str, suffix: str) -> str:
    if name.endswith(suffix) and len(name) > len(suffix) + 1:
        return name[: len(name) - len(suffix) - 1]
    return name


_CACHE_LIMIT = 16384  # names seen; past it the cache starts over (a bound against unbounded name sets)


@dataclass(frozen=True)
class MetricNamer:
    namespace: str = ""
    with_suffixes: bool = True
    utf8_allowed: bool = False
    _cache: dict[tuple[str, str, MetricKind], str] = field(default_factory=dict, compare=False, repr=False)

    def build(self, name: str, unit: str, kind: MetricKind) -> str:
        key = (name, unit, kind)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result = self._build(name, unit, kind)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _build(self, name: str, unit: str, kind: MetricKind) -> str:
        if self.utf8_allowed:
            return self._build_utf8(name, unit, kind)
        result = self._build_compliant(name, unit, kind)
        if not result:
            raise NamingError(f'normalization for metric "{name}" resulted in empty name')
        if result != name and all(ch == "_" for ch in result):
            raise NamingError(f'normalization for metric "{name}" resulted in invalid name "{result}"')
        return result

    def _build_compliant(self, name: str, unit: str, kind: MetricKind) -> str:
        if self.with_suffixes:
            return _normalize_with_suffixes(name, unit, kind, self.namespace)
        metric = "_".join(_fields(name, _dropped_char))
        if self.namespace:
            return "_".join(_fields(self.namespace, _dropped_char)) + "_" + metric
        if metric and metric[0].isdigit():
            metric = "_" + metric
        return metric

    def _build_utf8(self, name: str, unit: str, kind: MetricKind) -> str:
        if self.namespace:
            name = self.namespace + "_" + name
        if not self.with_suffixes:
            return name
        tail = ""
        if unit == "1" and kind is MetricKind.GAUGE:
            name = _trim_suffix(name, "ratio")
            tail = "_ratio" + tail
        if kind is MetricKind.MONOTONIC_COUNTER:
            name = _trim_suffix(name, "total")
            tail = "_total" + tail
        main, per = _unit_suffixes(unit)
        if per:
            name = _trim_suffix(name, per)
            tail = "_" + per + tail
        if main and not name.endswith(main):
            name = name + "_" + main
        return name + tail


def _normalize_with_suffixes(name: str, unit: str, kind: MetricKind, namespace: str) -> str:
    tokens = _fields(name, lambda ch: not _compliant_metric_char(ch))
    main, per = _unit_suffixes(unit)
    main, per = _clean_unit(main), _clean_unit(per)
    if main in tokens:
        main = ""
    if per == "per_":
        per = ""
    else:
        per = per.removesuffix("_")
        if per in tokens:
            per = ""
    if per:
        main = main.removesuffix("_")
    if main:
        tokens.append(main)
    if per:
        tokens.append(per)
    if kind is MetricKind.MONOTONIC_COUNTER:
        tokens = [t for t in tokens if t != "total"] + ["total"]
    if unit == "1" and kind is MetricKind.GAUGE:
        tokens = [t for t in tokens if t != "ratio"] + ["ratio"]
    if namespace:
        tokens.insert(0, namespace)
    result = "_".join(tokens)
    if result and result[0].isdigit():
        result = "_" + result
    return result


@dataclass(frozen=True)
class LabelNamer:
    """LabelNamer with ``PreserveMultipleUnderscores`` (what both exporters configure)."""

    utf8_allowed: bool = False
    _cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def build(self, label: str) -> str:
        cached = self._cache.get(label)
        if cached is not None:
            return cached
        result = self._build(label)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[label] = result
        return result

    def _build(self, label: str) -> str:
        if not label:
            raise NamingError("label name is empty")
        if self.utf8_allowed:
            if all(ch == "_" for ch in label):
                raise NamingError(f'label name "{label}" contains only underscores')
            return label
        result = "".join(ch if _compliant_label_char(ch) else "_" for ch in label)
        if result[0].isdigit():
            result = "key_" + result
        if all(ch == "_" for ch in result):
            raise NamingError(f'normalization for label name "{label}" resulted in invalid name "{result}"')
        return result
