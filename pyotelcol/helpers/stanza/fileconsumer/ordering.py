"""``ordering_criteria``: which of the matched files to read, as Go's fileconsumer matcher picks
them (``matcher.go`` and ``matcher/internal/filter``).

Files are grouped by the first capture of ``group_by`` (files it does not match are left out);
in each group, ``regex`` (applied to the whole path) must match and its named captures feed the
``sort_by`` rules, applied in order (numeric, alphabetical, timestamp with a strptime ``layout``,
or mtime); a file whose capture does not parse is dropped; the first ``top_n`` files of each group
are read (``top_n`` unset: 1, Go's legacy default; 0: all). A group left empty leaves nothing to
read at all, as in Go.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...goregex import compile_go
from ..timeparse import GoLayout, load_location, strptime_to_gotime

__all__ = ["Ordering", "OrderingCriteria", "SortRule"]

_NEEDS_REGEX = ("numeric", "alphabetical", "timestamp")


@dataclass
class SortRule:
    sort_type: str = ""
    regex_key: str = ""
    ascending: bool = False
    layout: str = ""
    location: str = ""


@dataclass
class OrderingCriteria:
    regex: str = ""
    top_n: int | None = None
    sort_by: list[SortRule] = field(default_factory=list)
    group_by: str = ""


class _Item:
    __slots__ = ("captures", "path")

    def __init__(self, path: str, captures: dict[str, str]) -> None:
        self.path = path
        self.captures = captures


Rule = Callable[[list[_Item]], list[_Item]]


def _regex_rule(key: str, parse: Callable[[str], Any], ascending: bool) -> Rule:
    """Go's regexSortOption: items whose capture does not parse go first and are then cut off."""

    def apply(items: list[_Item]) -> list[_Item]:
        parsed: list[tuple[Any, _Item]] = []
        for item in items:
            try:
                parsed.append((parse(item.captures.get(key, "")), item))
            except ValueError:
                continue  # dropped, as Go drops the items that failed to parse
        parsed.sort(key=lambda pair: pair[0], reverse=not ascending)
        return [item for _, item in parsed]

    return apply


def _go_atoi(text: str) -> int:
    if not text or not text.lstrip("+-").isdigit():
        raise ValueError(text)
    return int(text)


def _mtime_rule(ascending: bool) -> Rule:
    def apply(items: list[_Item]) -> list[_Item]:
        stamped: list[tuple[float, _Item]] = []
        for item in items:
            try:
                stamped.append((os.stat(item.path).st_mtime, item))
            except OSError:
                continue
        stamped.sort(key=lambda pair: pair[0], reverse=not ascending)
        return [item for _, item in stamped]

    return apply


class Ordering:
    """The compiled criteria; ``select(paths)`` is the matcher's filtering step."""

    def __init__(self, criteria: OrderingCriteria) -> None:
        self._group_by = None
        if criteria.group_by:
            try:
                self._group_by = compile_go(criteria.group_by)
            except ValueError as exc:
                raise ValueError(f"compile group_by regex: {exc}") from None
        self._rules: list[Rule] = []
        self._regex = None
        self._top_n = 0
        if not criteria.sort_by:
            return
        if criteria.top_n is not None and criteria.top_n < 0:
            raise ValueError("'top_n' must not be negative")
        self._top_n = 1 if criteria.top_n is None else criteria.top_n
        if any(rule.sort_type in _NEEDS_REGEX for rule in criteria.sort_by):
            if not criteria.regex:
                raise ValueError("'regex' must be specified when 'sort_by' is specified")
            try:
                self._regex = compile_go(criteria.regex)
            except ValueError as exc:
                raise ValueError(f"compile regex: {exc}") from None
        for rule in criteria.sort_by:
            self._rules.append(self._rule(rule))

    @staticmethod
    def _rule(rule: SortRule) -> Rule:
        kind = rule.sort_type
        if kind in ("numeric", "alphabetical", "timestamp") and not rule.regex_key:
            raise ValueError(f"{kind} sort: regex key must be specified")
        if kind == "numeric":
            return _regex_rule(rule.regex_key, _go_atoi, rule.ascending)
        if kind == "alphabetical":
            return _regex_rule(rule.regex_key, str, rule.ascending)
        if kind == "timestamp":
            if not rule.layout:
                raise ValueError("timestamp sort: layout must be specified")
            layout = GoLayout(strptime_to_gotime(rule.layout))
            zone: dt.tzinfo = load_location(rule.location or "UTC")
            return _regex_rule(rule.regex_key, lambda text: layout.parse(text, zone), rule.ascending)
        if kind == "mtime":
            return _mtime_rule(rule.ascending)
        raise ValueError("'sort_type' must be specified")

    @property
    def active(self) -> bool:
        return bool(self._rules)

    def select(self, paths: list[str]) -> list[str]:
        if not self._rules:
            return paths
        groups: dict[str, list[str]] = {}
        if self._group_by is not None:
            for path in paths:
                match = self._group_by.search(path)
                if match is not None and match.re.groups >= 1:
                    groups.setdefault(match.group(1) or "", []).append(path)
        else:
            groups["1"] = paths
        out: list[str] = []
        for members in groups.values():
            items = []
            for path in members:
                if self._regex is None:
                    items.append(_Item(path, {}))
                    continue
                match = self._regex.search(path)
                if match is not None:
                    items.append(_Item(path, {k: v or "" for k, v in match.groupdict().items()}))
            for rule in self._rules:
                items = rule(items)
            if self._top_n > 0:
                items = items[: self._top_n]
            if not items:
                return []
            out.extend(item.path for item in items)
        return out
