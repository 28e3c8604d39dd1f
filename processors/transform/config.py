"""Configuration of the ``transform`` processor (Go's ``transformprocessor.Config``).

Each of ``trace_statements``/``metric_statements``/``log_statements`` is either a flat list of
statements (one group, its context inferred) or a list of groups
``{context, conditions, statements, error_mode}``; mixing both styles is an error, as in Go.
Every statement is compiled by ``validate()`` so that a bad one fails ``pyotelcol validate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyotelcol.component import Signal
from pyotelcol.config.decode import DecodeError, decode
from pyotelcol.ottl import CompileError, ErrorMode, FunctionSpec, StatementGroup, parse_statements

from .functions import extra_functions

ERROR_MODES = tuple(m.value for m in ErrorMode)
CONTEXTS = ("resource", "scope", "span", "spanevent", "metric", "datapoint", "exemplar", "log", "profile")
FIELDS = {
    "trace_statements": Signal.TRACES,
    "metric_statements": Signal.METRICS,
    "log_statements": Signal.LOGS,
}


@dataclass
class ContextStatements:
    context: str = ""
    conditions: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    # Overrides the processor's error_mode for this group.
    error_mode: str = ""
    shared_cache: bool = False


@dataclass
class FlattenConfig:
    log: bool = False


@dataclass
class Config:
    # ignore (log and go on with the next statement), silent (the same, not logged) or
    # propagate (the request fails).
    error_mode: str = "ignore"
    trace_statements: list[Any] = field(default_factory=list)
    metric_statements: list[Any] = field(default_factory=list)
    log_statements: list[Any] = field(default_factory=list)
    profile_statements: list[Any] = field(default_factory=list)
    flatten: FlattenConfig = field(default_factory=FlattenConfig)
    # Compiled by validate(): the statement groups per signal.
    groups: dict[Signal, list[StatementGroup]] | None = field(
        default=None, metadata={"internal": True}, repr=False, compare=False
    )

    def validate(self) -> None:
        self.groups = compile_groups(self, None)


def _groups_of(name: str, items: list[Any]) -> list[ContextStatements]:
    """Go's ``Config.Unmarshal``: strings form one group; maps are groups of their own."""
    if not items:
        return []
    flat: list[str] = []
    groups: list[ContextStatements] = []
    for i, item in enumerate(items):
        if item is None:
            raise ValueError(f"invalid {name} item: empty statement list items are not supported")
        if isinstance(item, str):
            flat.append(item)
            continue
        if flat:
            raise ValueError(
                "configuring multiple configuration styles is not supported, please use only Basic "
                "configuration or only Advanced configuration"
            )
        try:
            groups.append(decode(ContextStatements, item, path=f"{name}[{i}]"))
        except DecodeError as exc:
            raise ValueError("; ".join(exc.errors)) from None
    if flat:
        groups.append(ContextStatements(statements=flat))
    return groups


def compile_groups(cfg: Config, logger: Any) -> dict[Signal, list[StatementGroup]]:
    if cfg.error_mode not in ERROR_MODES:
        raise ValueError(f"'error_mode' must be one of {', '.join(ERROR_MODES)}, got {cfg.error_mode!r}")
    if cfg.profile_statements:
        raise ValueError("'profile_statements' is not supported: pyotelcol has no profiles signal")
    if cfg.flatten.log:
        raise ValueError("'flatten.log' requires the 'transform.flatten.logs' feature gate to be enabled")
    extra: dict[str, FunctionSpec] = extra_functions()
    compiled: dict[Signal, list[StatementGroup]] = {}
    errors: list[str] = []
    for name, signal in FIELDS.items():
        groups = _groups_of(name, getattr(cfg, name))
        out = compiled.setdefault(signal, [])
        for group in groups:
            context = group.context.lower()
            if context and context not in CONTEXTS:
                errors.append(f"unknown context {context}")
                continue
            mode = group.error_mode or cfg.error_mode
            if mode not in ERROR_MODES:
                errors.append(f"'{name}': invalid error_mode {mode!r}")
                continue
            if group.shared_cache:
                errors.append(f"'{name}': shared_cache is not supported by pyotelcol")
                continue
            try:
                out.append(
                    parse_statements(
                        group.statements,
                        signal,
                        context=context or None,
                        conditions=group.conditions,
                        error_mode=ErrorMode(mode),
                        logger=logger,
                        extra_functions=extra,
                    )
                )
            except CompileError as exc:
                errors.append(str(exc))
    if errors:
        raise ValueError("; ".join(errors))
    return compiled
