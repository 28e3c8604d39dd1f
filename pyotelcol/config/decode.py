"""Strict decoding of a resolved config map into typed dataclasses, as the Go collector does it.

Rules (Go's confmap.Unmarshal: mapstructure with ErrorUnused, no weak typing): unknown keys are errors, no weak typing (``"4317"`` is not an int),
Go durations, a string splits on ``,`` into a list of strings, ``null`` keeps the default,
given lists replace, given maps merge into the default map, and a config section typed
``OptionalSection[T]`` follows configoptional's three states. Values that came from a whole-value
``${...}`` reference decode by the target type: strings get the original text.

Errors are collected, each naming the key path the way mapstructure does (``'protocols.grpc'``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Generic, TypeVar, Union

from ..confmap.expanded import ExpandedValue, plain
from .duration import parse_duration

T = TypeVar("T")


class DecodeError(ValueError):
    """One or more decode errors; ``str()`` lists them one per line as Go does."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))

    def __str__(self) -> str:
        return "decoding failed due to the following error(s):\n\n" + "\n".join(self.errors)


class OptionalSection(Generic[T]):
    """configoptional: a config section that is on or off.

    - ``default(value)``: off, but turned on (from ``value``) as soon as the key appears in YAML.
    - ``some(value)``: on unless ``enabled: false``.
    - ``none(factory)``: off; ``key:`` (null) leaves it off, any map turns it on from ``factory()``.
    Any section accepts ``enabled: true|false``; the other keys are decoded either way.
    """

    __slots__ = ("_factory", "enabled", "value")

    def __init__(self, value: T, enabled: bool, factory: Callable[[], T] | None = None) -> None:
        self.value = value
        self.enabled = enabled
        self._factory = factory

    @classmethod
    def default(cls, value: T) -> OptionalSection[T]:
        return cls(value, False)

    @classmethod
    def some(cls, value: T) -> OptionalSection[T]:
        return cls(value, True)

    @classmethod
    def none(cls, factory: Callable[[], T]) -> OptionalSection[T]:
        return cls(factory(), False, factory)

    def get(self) -> T | None:
        return self.value if self.enabled else None

    def __repr__(self) -> str:
        return f"OptionalSection(enabled={self.enabled}, value={self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OptionalSection) and (self.enabled, self.value) == (other.enabled, other.value)

    __hash__ = None  # type: ignore[assignment]


def field_key(f: dataclasses.Field[Any]) -> str:
    return str(f.metadata.get("key", f.name))


def _type_name(value: Any) -> str:
    """mapstructure's name for the kind of a YAML value (not fmt's %T; see confmap.errors for that)."""
    if isinstance(value, datetime):
        return "time.Time"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "slice"
    if isinstance(value, dict):
        return "map"
    return type(value).__name__


def _go_name(tp: Any) -> str:
    return {bool: "bool", int: "int", float: "float64", str: "string", timedelta: "time.Duration"}.get(tp, str(tp))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Decoder:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, msg: str) -> None:
        self.errors.append(msg)

    # -- scalars -----------------------------------------------------------------------------
    def scalar(self, tp: Any, raw: Any, path: str) -> Any:
        if isinstance(raw, ExpandedValue):
            if tp is str:
                return raw.original
            if raw.value is None or raw.value == "":
                return {bool: False, int: 0, float: 0.0, timedelta: timedelta(0)}.get(tp)
            raw = raw.value
        if tp is bool:
            if isinstance(raw, bool):
                return raw
        elif tp is int:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
        elif tp is float:
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                return float(raw)
        elif tp is str:
            if isinstance(raw, str):
                return raw
        elif tp is timedelta:
            if isinstance(raw, str):
                try:
                    return parse_duration(raw)
                except ValueError as exc:
                    self.fail(f"'{path}' {exc}")
                    return None
            if isinstance(raw, int) and not isinstance(raw, bool):
                return timedelta(microseconds=raw / 1000)
        elif isinstance(tp, type) and issubclass(tp, Enum):
            try:
                return tp(raw)
            except ValueError:
                self.fail(f"'{path}' invalid value {raw!r}")
                return None
        else:
            raise TypeError(f"unsupported config field type {tp!r} at {path}")
        self.fail(
            f"'{path}' expected type '{_go_name(tp)}', got unconvertible type '{_type_name(raw)}', value: '{raw}'"
        )
        return None

    # -- generic dispatch -------------------------------------------------------------------
    def value(self, tp: Any, raw: Any, default: Any, path: str) -> Any:
        origin = typing.get_origin(tp)
        if tp is Any or tp is object:
            return plain(raw)
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if raw is None or (isinstance(raw, ExpandedValue) and raw.value is None and args[0] is not str):
                return None
            return self.value(args[0], raw, default, path)
        if origin is OptionalSection:
            return self.optional(typing.get_args(tp)[0], raw, default, path)
        if origin is list:
            return self.list(typing.get_args(tp)[0], raw, default, path)
        if origin is dict:
            return self.dict(typing.get_args(tp)[1], raw, default, path)
        if dataclasses.is_dataclass(tp):
            return self.struct(tp, raw, default, path)  # type: ignore[arg-type]
        if raw is None:
            return default
        return self.scalar(tp, raw, path)

    def list(self, item_tp: Any, raw: Any, default: Any, path: str) -> Any:
        if raw is None:
            return default
        if isinstance(raw, ExpandedValue):
            raw = raw.value if not isinstance(raw.value, str) else raw.original
            if raw is None:
                return default
        if isinstance(raw, str) and item_tp is str:
            return [p.strip() for p in raw.split(",")] if raw else []
        if not isinstance(raw, list):
            self.fail(f"'{path}' source data must be an array or slice, got {_type_name(raw)}")
            return default
        return [self.value(item_tp, item, None, f"{path}[{i}]") for i, item in enumerate(raw)]

    def dict(self, val_tp: Any, raw: Any, default: Any, path: str) -> Any:
        if isinstance(raw, ExpandedValue):
            raw = raw.value
        if raw is None:
            return default
        if not isinstance(raw, dict):
            self.fail(f"'{path}' expected a map, got '{_type_name(raw)}'")
            return default
        out = dict(default or {})
        for k, v in raw.items():
            out[str(k)] = self.value(val_tp, v, out.get(str(k)), f"{path}[{k}]")
        return out

    def optional(self, inner: Any, raw: Any, default: Any, path: str) -> Any:
        section: OptionalSection[Any] = default
        if raw is None:
            # `key:` with null: a default-state section turns on; a none-state section stays off.
            if section._factory is None:
                return OptionalSection(section.value, True)
            return section
        if isinstance(raw, ExpandedValue):
            raw = raw.value
        if not isinstance(raw, dict):
            self.fail(f"'{path}' expected a map, got '{_type_name(raw)}'")
            return section
        body = dict(raw)
        enabled = True
        if "enabled" in body:
            flag = body.pop("enabled")
            if isinstance(flag, ExpandedValue):
                flag = flag.value
            if not isinstance(flag, bool):
                self.fail(
                    f"unexpected type {_type_name(flag)} for 'enabled': got '{flag}' value expected 'true' or 'false'"
                )
            else:
                enabled = flag
        base = section._factory() if section._factory is not None else section.value
        value = self.struct(inner, body, base, path) if isinstance(inner, type) else plain(body)
        return OptionalSection(value, enabled, section._factory)

    def struct(self, cls: type[Any], raw: Any, default: Any, path: str) -> Any:
        if default is None:
            default = cls()
        if isinstance(raw, ExpandedValue):
            raw = raw.value
        if raw is None:
            return default
        if not isinstance(raw, dict):
            where = f"'{path}' " if path else ""
            self.fail(f'{where}expected a map or struct, got "{_type_name(raw)}"')
            return default
        hints = typing.get_type_hints(cls)
        fields = {field_key(f): f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
        unknown = [str(k) for k in raw if str(k) not in fields]
        if unknown:
            self.fail(f"'{path}' has invalid keys: {', '.join(sorted(unknown))}")
        changes: dict[str, Any] = {}
        for key, f in fields.items():
            if key not in raw:
                continue
            current = getattr(default, f.name)
            changes[f.name] = self.value(hints[f.name], raw[key], current, _join(path, key))
        return dataclasses.replace(default, **changes) if changes else _copy(default)


def _copy(obj: Any) -> Any:
    return dataclasses.replace(obj)


def decode(cls: type[T], raw: Any, default: T | None = None, path: str = "") -> T:
    """Decode ``raw`` onto ``default`` (or ``cls()``); raise DecodeError listing every problem."""
    dec = _Decoder()
    out = dec.struct(cls, raw, default, path)
    if dec.errors:
        raise DecodeError(dec.errors)
    return typing.cast(T, out)


def validate(obj: Any, path: str) -> list[str]:
    """Run ``validate()`` on ``obj`` and every nested config, returning ``path::sub: msg`` errors."""
    errors: list[str] = []
    _validate(obj, path, errors)
    return errors


def _validate(obj: Any, path: str, errors: list[str]) -> None:
    if isinstance(obj, OptionalSection):
        if obj.enabled:
            _validate(obj.value, path, errors)
        return
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            _validate(item, f"{path}::{i}", errors)
        return
    if isinstance(obj, dict):
        for k, item in obj.items():
            _validate(item, f"{path}::{k}", errors)
        return
    if not dataclasses.is_dataclass(obj):
        return
    for f in dataclasses.fields(obj):
        _validate(getattr(obj, f.name), f"{path}::{field_key(f)}", errors)
    check = getattr(obj, "validate", None)
    if callable(check):
        try:
            check()
        except ValueError as exc:
            errors.extend(f"{path}: {line}" for line in str(exc).split("\n") if line)
