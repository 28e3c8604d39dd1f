"""Severity mapping (Go's helper/severity_builder.go): text or numbers → OTLP severity numbers."""

from __future__ import annotations

from typing import Any

_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"]


def _otel_map() -> dict[str, int]:
    out: dict[str, int] = {}
    for i, level in enumerate(_LEVELS):
        for step in range(4):
            number = i * 4 + step + 1
            out[level + ("" if step == 0 else str(step + 1))] = number
            out[str(number)] = number
    return out


_ALIASES = _otel_map()


def builtin_mapping(preset: str) -> dict[str, int]:
    if preset == "none":
        return {}
    mapping = dict(_ALIASES)
    if preset in ("otel", "aliases"):
        return mapping
    for step in range(4):
        suffix = "" if step == 0 else str(step + 1)
        mapping["warning" + suffix] = _ALIASES["warn" + suffix]
        mapping["err" + suffix] = _ALIASES["error" + suffix]
    return mapping


def severity_name(number: int) -> str:
    """Go's entry.Severity.String(): ``INFO``, ``WARN2``, ..."""
    if number <= 0:
        return ""
    level, step = divmod(number - 1, 4)
    return _LEVELS[level].upper() + ("" if step == 0 else str(step + 1))


def _parseable(value: Any) -> list[str]:
    if isinstance(value, bool):
        raise ValueError("type bool cannot be parsed as a severity")
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, str):
        if value in ("2xx", "3xx", "4xx", "5xx"):
            base = int(value[0]) * 100
            return [str(n) for n in range(base, base + 100)]
        return [value.lower()]
    if isinstance(value, dict) and isinstance(value.get("min"), int) and isinstance(value.get("max"), int):
        lo, hi = sorted((value["min"], value["max"]))
        return [str(n) for n in range(lo, hi + 1)]
    raise ValueError(f"type {type(value).__name__} cannot be parsed as a severity")


def build_mapping(preset: str, mapping: dict[str, Any] | None) -> dict[str, int]:
    out = builtin_mapping(preset)
    for level, values in (mapping or {}).items():
        number = _ALIASES.get(str(level).lower())
        if number is None:
            raise ValueError(f"unrecognized severity '{level}' in mapping")
        for value in values if isinstance(values, list) else [values]:
            for key in _parseable(value):
                out[key] = number
    return out


def find(mapping: dict[str, int], value: Any) -> tuple[int, str]:
    """(severity number, severity text) for a parsed value (Go's severityMap.find)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, bool):
        raise ValueError("type bool cannot be a severity")
    if isinstance(value, float):
        if value != int(value):
            raise ValueError("type float64 cannot be a severity unless it is a whole number")
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        return mapping.get(text, 0), text
    if isinstance(value, str):
        return mapping.get(value.lower(), 0), value
    raise ValueError(f"type {type(value).__name__} cannot be a severity")
