"""Configuration of the ``groupbyattrs`` processor (Go's ``groupbyattrsprocessor.Config``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Config:
    # Record attributes that move to the resource; empty: only merge identical resources and scopes.
    keys: list[str] = field(default_factory=list)

    def grouping_keys(self) -> list[str]:
        """The keys without empty and repeated ones, in order (Go skips those, warning on repeats)."""
        return [key for key in dict.fromkeys(self.keys) if key]

    def repeated_keys(self) -> list[str]:
        seen: set[str] = set()
        repeated = []
        for key in self.keys:
            if key and key in seen:
                repeated.append(key)
            seen.add(key)
        return repeated
