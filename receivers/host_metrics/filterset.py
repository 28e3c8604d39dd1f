"""Go's ``filterset``: a list of names matched ``strict`` (equal) or ``regexp`` (Go's unanchored
``MatchString``), as the scrapers' include / exclude sections use it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["FilterSet", "MatchConfig", "RegexpConfig", "create_filter_set", "match_error"]

MATCH_TYPES = ("regexp", "strict")


@dataclass
class RegexpConfig:
    """Go's LRU cache of match results; accepted, and not needed: Python caches compiled patterns."""

    cacheenabled: bool = False
    cachemaxnumentries: int = 0


@dataclass
class MatchConfig:
    match_type: str = ""
    regexp: RegexpConfig | None = None


class FilterSet:
    def __init__(self, items: list[str], match_type: str) -> None:
        self._strict = set(items) if match_type == "strict" else set()
        self._regexps = [re.compile(item) for item in items] if match_type == "regexp" else []

    def matches(self, value: str) -> bool:
        return value in self._strict or any(r.search(value) for r in self._regexps)


def match_error(items: list[str], cfg: MatchConfig) -> str | None:
    """Why ``create_filter_set`` would fail (Go reports it when the scraper is created)."""
    if cfg.match_type not in MATCH_TYPES:
        return f"unrecognized match_type: '{cfg.match_type}', valid types are: [{' '.join(MATCH_TYPES)}]"
    if cfg.match_type == "regexp":
        for item in items:
            try:
                re.compile(item)
            except re.error as exc:
                return f"error parsing regexp: {exc}: `{item}`"
    return None


def create_filter_set(items: list[str], cfg: MatchConfig) -> FilterSet | None:
    """None for an empty list (no filtering), as Go skips the filter then."""
    if not items:
        return None
    error = match_error(items, cfg)
    if error:
        raise ValueError(error)
    return FilterSet(items, cfg.match_type)


@dataclass
class DevicesMatch(MatchConfig):
    devices: list[str] = field(default_factory=list)


@dataclass
class InterfacesMatch(MatchConfig):
    interfaces: list[str] = field(default_factory=list)


@dataclass
class NamesMatch(MatchConfig):
    names: list[str] = field(default_factory=list)


@dataclass
class FSTypesMatch(MatchConfig):
    fs_types: list[str] = field(default_factory=list)


@dataclass
class MountPointsMatch(MatchConfig):
    mount_points: list[str] = field(default_factory=list)
