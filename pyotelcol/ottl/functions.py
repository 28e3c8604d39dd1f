"""The OTTL function registry shared by the engine, the editors and the converters.

Go registers functions per context with factories that receive typed arguments; here a
function is a :class:`FunctionSpec` whose ``build`` receives the compiled arguments (python
values for literal params, getters for getter params) and returns the per-item callable.
Converter names start with an uppercase letter, editor names with a lowercase one (Go's rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "CONVERTERS",
    "EDITORS",
    "CompileError",
    "ExecutionError",
    "FunctionSpec",
    "GetSetter",
    "Getter",
    "Param",
    "Setter",
    "converter",
    "editor",
]

PARAM_KINDS = frozenset({"getter", "literal", "getter_list", "enum", "function", "target"})


@dataclass(frozen=True)
class Param:
    """One parameter of an OTTL function.

    ``kind`` is one of: ``getter`` (any value, evaluated per item), ``literal`` (must be a
    literal at compile time, e.g. a regex pattern compiled once), ``getter_list`` (a list
    literal of getters), ``enum`` (an int literal or an enum), ``function`` (a converter
    name, e.g. replace_pattern's optional function) and ``target`` (editors: a settable path;
    the build function receives a :class:`GetSetter`).
    """

    name: str
    kind: str
    optional: bool = False
    default: Any = None

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"unknown OTTL parameter kind {self.kind!r}")


Getter = Callable[[Any], Any]
Setter = Callable[[Any, Any], None]


class GetSetter(Protocol):
    """A settable path: ``get(tctx)`` reads it, ``set(tctx, value)`` writes it."""

    def get(self, tctx: Any) -> Any: ...

    def set(self, tctx: Any, value: Any) -> None: ...


@dataclass(frozen=True)
class FunctionSpec:
    """An OTTL editor or converter.

    ``build(**kwargs)`` returns the per-item callable ``fn(tctx)``; it may raise
    :class:`CompileError` (e.g. a bad regex) and the engine adds the statement and column.
    ``contexts`` limits where the function can be used (None: every context).
    """

    name: str
    params: tuple[Param, ...]
    build: Callable[..., Callable[[Any], Any]]
    contexts: frozenset[str] | None = None

    @property
    def is_editor(self) -> bool:
        return self.name[:1].islower()


class CompileError(ValueError):
    """A statement or condition that cannot be compiled; the message says what."""


class ExecutionError(RuntimeError):
    """A function failed on one item; the group's error_mode decides what happens."""


CONVERTERS: dict[str, FunctionSpec] = {}
EDITORS: dict[str, FunctionSpec] = {}


def _check_params(name: str, params: tuple[Param, ...]) -> None:
    seen_optional = False
    for param in params:
        if param.optional:
            seen_optional = True
        elif seen_optional:
            raise ValueError(f"{name}: required parameter {param.name!r} after an optional one")


def converter(
    name: str, *params: Param, contexts: frozenset[str] | None = None
) -> Callable[[Callable[..., Callable[[Any], Any]]], Callable[..., Callable[[Any], Any]]]:
    """Register a converter (its name starts with an uppercase letter)."""
    if not name[:1].isupper():
        raise ValueError(f"converter name {name!r} must start with an uppercase letter")
    _check_params(name, params)

    def register(fn: Callable[..., Callable[[Any], Any]]) -> Callable[..., Callable[[Any], Any]]:
        CONVERTERS[name] = FunctionSpec(name, tuple(params), fn, contexts)
        return fn

    return register


def editor(
    name: str, *params: Param, contexts: frozenset[str] | None = None
) -> Callable[[Callable[..., Callable[[Any], Any]]], Callable[..., Callable[[Any], Any]]]:
    """Register an editor (its name starts with a lowercase letter)."""
    if not name[:1].islower():
        raise ValueError(f"editor name {name!r} must start with a lowercase letter")
    _check_params(name, params)

    def register(fn: Callable[..., Callable[[Any], Any]]) -> Callable[..., Callable[[Any], Any]]:
        EDITORS[name] = FunctionSpec(name, tuple(params), fn, contexts)
        return fn

    return register
