"""Configuration of the ``routing`` connector (Go's ``routingconnector.Config``) and the routes it
compiles: Go's validation messages, and every condition compiled by ``validate()`` so that a bad
one fails ``pyotelcol validate``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pyotelcol.component import PipelineID, Signal
from pyotelcol.component.ids import IDError
from pyotelcol.ottl import CompileError, ConditionSet, ErrorMode, parse_conditions

from .request import RequestCondition, parse_request_condition

ERROR_MODES = tuple(m.value for m in ErrorMode)
CONTEXTS = ("resource", "span", "metric", "datapoint", "log", "request")
# The item contexts each signal routes by; a route in another signal's context matches nothing
# there (one connector may serve several signals with one table, as in Go).
SIGNAL_CONTEXTS: dict[Signal, tuple[str, ...]] = {
    Signal.TRACES: ("resource", "span"),
    Signal.METRICS: ("resource", "metric", "datapoint"),
    Signal.LOGS: ("resource", "log"),
}
_OWNER = {"span": Signal.TRACES, "metric": Signal.METRICS, "datapoint": Signal.METRICS, "log": Signal.LOGS}
_STATEMENT = re.compile(r"\s*route\(\s*\)\s*(?:where\s+(?P<condition>.+?))?\s*", re.DOTALL)


@dataclass
class RoutingTableItem:
    # resource (default), span, metric, datapoint, log or request; empty: inferred from the
    # condition's path prefixes, else resource (un-prefixed paths are resource paths).
    context: str = ""
    # Exactly one of statement (`route() where <condition>`) and condition.
    statement: str = ""
    condition: str = ""
    pipelines: list[str] = field(default_factory=list)


@dataclass
class Config:
    # ignore (a failing condition is false, logged), silent (the same, not logged) or propagate
    # (the request fails).
    error_mode: str = "ignore"
    default_pipelines: list[str] = field(default_factory=list)
    table: list[RoutingTableItem] = field(default_factory=list)

    def validate(self) -> None:
        if self.error_mode not in ERROR_MODES:
            raise ValueError(f"unknown error mode {self.error_mode}")
        if not self.table:
            raise ValueError("invalid routing table: the routing table is empty")
        for item in self.table:
            _check_item(item)
        for ids in [self.default_pipelines, *(item.pipelines for item in self.table)]:
            _pipeline_ids(ids)
        for signal in SIGNAL_CONTEXTS:
            compile_table(self, signal, None)


def _check_item(item: RoutingTableItem) -> None:
    if not item.statement and not item.condition:
        raise ValueError("invalid route: no condition or statement provided")
    if item.statement and item.condition:
        raise ValueError("invalid route: both condition and statement provided")
    if not item.pipelines:
        raise ValueError("invalid route: no pipelines defined")
    if item.context not in ("", *CONTEXTS):
        raise ValueError("invalid context: " + item.context)
    if item.context == "request":
        if item.statement or not item.condition:
            raise ValueError(f"\"{item.context}\" context requires a 'condition'")
        parse_request_condition(item.condition)


def _pipeline_ids(texts: list[str]) -> list[PipelineID]:
    try:
        return [PipelineID.parse(text) for text in texts]
    except IDError as exc:
        raise ValueError(str(exc)) from None


@dataclass(frozen=True)
class Route:
    """One compiled table entry. ``context`` is where it matches (``request``: the whole
    request; ``None``: a context this signal does not have, so it never matches)."""

    text: str
    context: str | None
    pipelines: tuple[PipelineID, ...]
    conditions: ConditionSet | None = None
    request: RequestCondition | None = None


def _condition_text(item: RoutingTableItem) -> str:
    """The condition of a route (Go turns conditions into ``route() where <condition>``; here
    the statement is taken apart instead)."""
    if item.condition:
        return item.condition
    found = _STATEMENT.fullmatch(item.statement)
    if found is None:
        raise ValueError(f"routing statements must have the form 'route() where <condition>', got {item.statement!r}")
    return found.group("condition") or "true"


def _compile(text: str, context: str, signal: Signal, mode: ErrorMode, logger: Any) -> tuple[str | None, Any]:
    """(context the route matches in for ``signal``, compiled conditions or None)."""
    if context and context != "resource":
        owner = _OWNER[context]
        compiled = parse_conditions([text], owner, context, mode, logger)
        return (context, compiled) if owner is signal else (None, None)
    if context == "resource":
        return "resource", parse_conditions([text], signal, "resource", mode, logger)
    # No context: Go infers it from the path prefixes, over every context the connector knows,
    # and falls back to the resource context with un-prefixed paths.
    first: CompileError | None = None
    for candidate in [signal, *(s for s in SIGNAL_CONTEXTS if s is not signal)]:
        try:
            compiled = parse_conditions([text], candidate, None, mode, logger)
        except CompileError as exc:
            first = first or exc
            continue
        if compiled.context not in SIGNAL_CONTEXTS[candidate]:
            raise CompileError(f'context "{compiled.context}" of condition "{text}" is not supported for routing')
        return (compiled.context, compiled) if candidate is signal else (None, None)
    try:
        return "resource", parse_conditions([text], signal, "resource", mode, logger)
    except CompileError:
        assert first is not None
        raise first from None


def compile_table(cfg: Config, signal: Signal, logger: Any) -> tuple[list[Route], tuple[PipelineID, ...]]:
    """The routes for ``signal`` in table order (duplicates dropped, as Go does, with a warning
    when a logger is given) and the default pipelines. ValueError names a bad route."""
    mode = ErrorMode(cfg.error_mode)
    routes: list[Route] = []
    seen: set[tuple[str | None, str]] = set()
    for item in cfg.table:
        pipelines = tuple(_pipeline_ids(item.pipelines))
        if item.context == "request":
            route = Route(item.condition, "request", pipelines, request=parse_request_condition(item.condition))
        else:
            text = _condition_text(item)
            try:
                context, compiled = _compile(text, item.context, signal, mode, logger)
            except CompileError as exc:
                raise ValueError(str(exc)) from None
            route = Route(text, context, pipelines, conditions=compiled)
        key = (item.context or route.context, route.text)
        if key in seen:
            if logger is not None:
                logger.warning(
                    f"Statement {route.text!r} already exists in the routing table, the route with target "
                    f"pipeline(s) {', '.join(map(str, pipelines))!r} will be ignored."
                )
            continue
        seen.add(key)
        routes.append(route)
    return routes, tuple(_pipeline_ids(cfg.default_pipelines))
