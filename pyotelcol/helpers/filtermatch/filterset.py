"""String sets to match against (Go's ``internal/filter/filterset``): ``strict`` (exact equality)
and ``regexp`` (any pattern matches, unanchored, optionally with an LRU cache of results)."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from ..goregex import compile_go

__all__ = [
    "MATCH_TYPES",
    "FilterSet",
    "RegexpConfig",
    "RegexpFilterSet",
    "StrictFilterSet",
    "create_filter_set",
    "unrecognized_match_type",
]

STRICT = "strict"
REGEXP = "regexp"
# Go's order in its error message.
MATCH_TYPES = (REGEXP, STRICT)


@dataclass
class RegexpConfig:
    """Options of ``match_type: regexp`` (Go's ``regexp.Config``)."""

    # Remember the outcome per input string (an LRU cache).
    cacheenabled: bool = False
    # Bound of that cache; 0 means unbounded (Go's legacy behaviour). Ignored without cacheenabled.
    cachemaxnumentries: int = 0


class FilterSet(Protocol):
    def matches(self, value: str) -> bool: ...


class _LRU:
    """A bounded map that forgets the least recently used entry (golang-lru's ``Cache``)."""

    __slots__ = ("_entries", "_size")

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[str, bool] = OrderedDict()
        self._size = size

    def get(self, key: str) -> bool | None:
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
        return hit

    def __setitem__(self, key: str, value: bool) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class StrictFilterSet:
    """Matches strings equal to one of the filters."""

    __slots__ = ("_filters",)

    def __init__(self, filters: list[str]) -> None:
        self._filters = frozenset(filters)

    def matches(self, value: str) -> bool:
        return value in self._filters


class RegexpFilterSet:
    """Matches strings in which one of the patterns matches anywhere (Go's ``MatchString``)."""

    __slots__ = ("_cache", "_regexes")

    def __init__(self, filters: list[str], config: RegexpConfig | None = None) -> None:
        patterns = list(dict.fromkeys(filters))  # Go skips duplicates
        self._regexes: list[re.Pattern[str]] = [compile_go(p) for p in patterns]
        self._cache: dict[str, bool] | _LRU | None = None
        if config is not None and config.cacheenabled:
            size = config.cachemaxnumentries
            if size < 0:
                raise ValueError("must provide a positive size")
            self._cache = {} if size == 0 else _LRU(size)

    def matches(self, value: str) -> bool:
        cache = self._cache
        if cache is not None:
            hit = cache.get(value)
            if hit is not None:
                return hit
        result = any(r.search(value) is not None for r in self._regexes)
        if cache is not None:
            cache[value] = result
        return result


def unrecognized_match_type(match_type: str) -> ValueError:
    return ValueError(f"unrecognized match_type: '{match_type}', valid types are: [{' '.join(MATCH_TYPES)}]")


def create_filter_set(filters: list[str], match_type: str, regexp: RegexpConfig | None = None) -> FilterSet:
    """A set for ``match_type`` (Go's ``CreateFilterSet``); raises ValueError with Go's message
    for an unknown match type or a bad pattern."""
    if match_type == REGEXP:
        return RegexpFilterSet(filters, regexp)
    if match_type == STRICT:
        return StrictFilterSet(filters)
    raise unrecognized_match_type(match_type)
