"""Which metrics and data points a transform selects (Go's ``internalFilterStrict`` and
``internalFilterRegexp``), and Go's ``Regexp.Expand`` for ``new_name`` templates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from pyotelcol.helpers.aggregateutil import Metric, points
from pyotelcol.helpers.filtermatch import compile_go

from .config import Transform


def point_count(metric: Metric) -> int:
    found = points(metric)
    return len(found) if found is not None else 0


def all_attributes(metric: Metric) -> Iterable[Any]:
    found = points(metric)
    return (p.attributes for p in found) if found is not None else ()


def str_value(value: AnyValue) -> str:
    """Go's ``Value.Str()``: the string, or "" for any other type."""
    return value.string_value if value.WhichOneof("value") == "string_value" else ""


def get(attributes: Any, key: str) -> AnyValue | None:
    for kv in attributes:
        if kv.key == key:
            return kv.value  # type: ignore[no-any-return]
    return None


class Selection:
    """A transform's ``include`` / ``match_type`` / ``experimental_match_labels``."""

    def __init__(self, t: Transform) -> None:
        self.regexp: re.Pattern[str] | None = None
        self._include = t.include
        if (t.match_type or "strict") == "regexp":
            self.regexp = compile_go(t.include)
            self._labels: dict[str, Callable[[str], bool]] = {
                k: _searcher(compile_go(v)) for k, v in t.experimental_match_labels.items()
            }
        else:
            self._labels = {k: v.__eq__ for k, v in t.experimental_match_labels.items()}

    def name_matches(self, name: str) -> bool:
        if self.regexp is None:
            return name == self._include
        return self.regexp.search(name) is not None

    def attrs_match(self, attributes: Any) -> bool:
        """Every label matcher accepts the point's value; a missing label counts as ""."""
        for key, accepts in self._labels.items():
            value = get(attributes, key)
            if not accepts(str_value(value) if value is not None else ""):
                return False
        return True

    def matches_metric(self, metric: Metric) -> bool:
        """The name matches and some point matches (or the metric has none)."""
        if not self.name_matches(metric.name):
            return False
        found = points(metric)
        return not found or any(self.attrs_match(p.attributes) for p in found)

    def matches_all_points(self, metric: Metric) -> bool:
        return all(self.attrs_match(attrs) for attrs in all_attributes(metric))

    def extract(self, metric: Metric) -> Metric | None:
        """``metric`` itself when its name and all its points match, a new metric with the
        matching points when only some do, None otherwise (Go's ``extractMatchedMetric``)."""
        if not self.name_matches(metric.name):
            return None
        found = points(metric)
        if found is None:
            return metric
        matched = [p for p in found if self.attrs_match(p.attributes)]
        if len(matched) == len(found):
            return metric
        if not matched:
            return None
        out = empty_like(metric)
        points(out).extend(matched)
        return out

    def expand(self, template: str, name: str) -> str:
        """``template`` with ``$1``/``${1}``/``${name}`` replaced from the match on ``name``; ""
        for strict matching or when the name does not match."""
        if self.regexp is None:
            return ""
        match = self.regexp.search(name)
        return go_expand(template, match) if match is not None else ""

    def subexp_names(self) -> list[str]:
        """Go's ``SubexpNames``: index 0 is the whole match, unnamed groups are ""."""
        if self.regexp is None:
            return []
        names = [""] * (self.regexp.groups + 1)
        for group, index in self.regexp.groupindex.items():
            names[index] = group
        return names


def _searcher(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda text: pattern.search(text) is not None


def empty_like(metric: Metric) -> Metric:
    """A metric with the same name, description, unit, kind, temporality and monotonicity, and
    no points (Go's ``copyMetricDetails``; metadata is not copied, as in Go)."""
    out = Metric(name=metric.name, description=metric.description, unit=metric.unit)
    kind = metric.WhichOneof("data")
    if kind is None:
        return out
    source, target = getattr(metric, kind), getattr(out, kind)
    target.SetInParent()
    if kind in ("sum", "histogram", "exponential_histogram"):
        target.aggregation_temporality = source.aggregation_temporality
    if kind == "sum":
        target.is_monotonic = source.is_monotonic
    return out


_NAME_CHAR = re.compile(r"[^\W]", re.UNICODE)  # letters, digits and "_"


def go_expand(template: str, match: re.Match[str]) -> str:
    """Go's ``Regexp.ExpandString``: ``$$`` is a ``$``; ``$name`` takes the longest run of
    letters, digits and ``_``; ``${name}`` is braced; a number is a group index, anything else a
    group name; unknown groups expand to ""; a malformed ``$`` stays as it is."""
    out: list[str] = []
    rest = template
    while True:
        before, dollar, rest = rest.partition("$")
        out.append(before)
        if not dollar:
            return "".join(out)
        if rest.startswith("$"):
            out.append("$")
            rest = rest[1:]
            continue
        parsed = _extract(rest)
        if parsed is None:
            out.append("$")
            continue
        name, rest = parsed
        out.append(_group(match, name))


def _extract(text: str) -> tuple[str, str] | None:
    braced = text.startswith("{")
    body = text[1:] if braced else text
    end = 0
    while end < len(body) and _NAME_CHAR.match(body[end]):
        end += 1
    if end == 0:
        return None
    name = body[:end]
    if braced:
        if end >= len(body) or body[end] != "}":
            return None
        end += 1
    return name, body[end:]


def _group(match: re.Match[str], name: str) -> str:
    if name.isascii() and name.isdigit() and not (name.startswith("0") and len(name) > 1) and len(name) <= 8:
        index = int(name)
        return (match.group(index) or "") if index <= (match.re.groups) else ""
    if name in match.re.groupindex:
        return match.group(name) or ""
    return ""
