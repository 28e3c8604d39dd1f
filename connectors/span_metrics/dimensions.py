"""Configured dimensions, looked up the way Go's connector does.

A named dimension takes the first value found in the span's attributes, then the event's (for
the events metric), then the resource's, else its ``default``; without a default it is left
out. A glob dimension adds every span attribute whose name matches, in sorted order, then every
matching event/resource attribute the span does not have (event values win over resource ones).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from .config import Dimension
from .globs import compile_glob

AttrMap = Mapping[str, AnyValue]
Found = list[tuple[str, AnyValue]]


def first_wins(kvs: Iterable[KeyValue]) -> dict[str, AnyValue]:
    """An attribute list as a dict; a key listed twice keeps its first value, as Go's ``Get``."""
    out: dict[str, AnyValue] = {}
    for kv in kvs:
        out.setdefault(kv.key, kv.value)
    return out


def _string_value(text: str) -> AnyValue:
    value = AnyValue()
    value.string_value = text
    return value


@dataclass(frozen=True)
class DimensionList:
    named: tuple[tuple[str, AnyValue | None], ...] = ()
    globs: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of(cls, dims: list[Dimension]) -> DimensionList:
        named = tuple((d.name, _string_value(d.default) if d.default is not None else None) for d in dims if not d.glob)
        globs = tuple(compile_glob(d.glob) for d in dims if d.glob)
        return cls(named, globs)

    def __bool__(self) -> bool:
        return bool(self.named or self.globs)

    def find(self, span: AttrMap, resource: AttrMap, event: AttrMap | None = None) -> Found:
        """The (name, value) pairs this list adds for a span (and event)."""
        out: Found = []
        for name, default in self.named:
            value = span.get(name)
            if value is None and event is not None:
                value = event.get(name)
            if value is None:
                value = resource.get(name)
            if value is None:
                value = default
            if value is not None:
                out.append((name, value))
        if not self.globs:
            return out
        for name in sorted(span):
            if self._matches(name):
                out.append((name, span[name]))
        others: dict[str, AnyValue] = dict(resource)
        if event is not None:
            others.update(event)
        for name in sorted(others):
            if name not in span and self._matches(name):
                out.append((name, others[name]))
        return out

    def _matches(self, name: str) -> bool:
        return any(g.match(name) for g in self.globs)
