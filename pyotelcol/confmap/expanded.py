"""A value produced by a whole-value ``${...}`` reference: parsed YAML plus the original text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ExpandedValue:
    """String fields decode ``original``; every other field decodes ``value`` (Go's typing rule)."""

    value: Any
    original: str


def plain(value: Any) -> Any:
    """The value with every ExpandedValue replaced by its parsed YAML value (for free-form fields)."""
    if isinstance(value, ExpandedValue):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
