"""Statement groups and condition sets: parse, infer the context, compile, and run over data.

``parse_statements`` is Go's ``ParserCollection.ParseStatements`` plus the transform
processor's per-group ``conditions`` and ``error_mode``; ``StatementGroup.execute`` walks the data
down to the group's context and runs the statements on every item, in order, through a function
generated for the group at start (``codegen``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import StrEnum
from typing import Any

from ..pdata.data import AnyData
from . import contexts as ctx
from . import wireprogram
from .codegen import ITEM_SLOTS, group_functions
from .compiler import Env, compile_condition, compile_statement, infer_context
from .contexts import CONTEXTS_BY_SIGNAL
from .functions import CompileError, ExecutionError, FunctionSpec
from .grammar import Node, parse_condition_text, parse_statement_text

__all__ = [
    "ConditionSet",
    "ErrorMode",
    "StatementGroup",
    "iter_contexts",
    "parse_conditions",
    "parse_statements",
]

Predicate = Callable[[Any], bool]


class ErrorMode(StrEnum):
    IGNORE = "ignore"
    SILENT = "silent"
    PROPAGATE = "propagate"


def _signal_name(signal: Any) -> str:
    name = str(getattr(signal, "value", signal))
    if name not in CONTEXTS_BY_SIGNAL:
        raise CompileError(f"OTTL does not support the {name} signal")
    return name


def _check_context(signal: str, context: str | None) -> str | None:
    if context is None or context == "":
        return None
    context = context.lower()
    if context not in CONTEXTS_BY_SIGNAL[signal]:
        raise CompileError(f"unknown context {context} for {signal}")
    return context


def _parse_all(statements: Sequence[str], conditions: Sequence[str]) -> tuple[list[Any], list[Node]]:
    parsed = []
    for text in statements:
        try:
            parsed.append(parse_statement_text(text))
        except CompileError as exc:
            raise CompileError(f"unable to parse OTTL statement {_quote(text)}: {exc}") from None
    parsed_conditions = []
    for text in conditions:
        try:
            parsed_conditions.append(parse_condition_text(text))
        except CompileError as exc:
            raise CompileError(f"unable to parse OTTL condition {_quote(text)}: {exc}") from None
    return parsed, parsed_conditions


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _resolve_context(
    signal: str,
    context: str | None,
    trees: list[Any],
    statements: Sequence[str],
    conditions: Sequence[str],
    extra: dict[str, FunctionSpec] | None,
) -> tuple[str, bool]:
    """The group's context and whether un-prefixed paths belong to it (legacy ``context:``)."""
    if context is not None:
        return context, True
    return infer_context(signal, trees, list(statements), list(conditions), extra), False


class _Handler:
    """What an error does under the group's error mode (Go's ``ErrorMode``)."""

    def __init__(self, mode: ErrorMode, logger: Any) -> None:
        self.mode = mode
        self.logger = logger or logging.getLogger("pyotelcol.ottl")

    def statement_failed(self, text: str, err: BaseException) -> None:
        message = f"failed to execute statement: {text}, {err}"
        if self.mode is ErrorMode.PROPAGATE:
            raise ExecutionError(message) from err
        if self.mode is ErrorMode.IGNORE:
            self.logger.warning("failed to execute statement", extra={"fields": {"error": str(err), "statement": text}})

    def condition_failed(self, text: str, err: BaseException) -> None:
        message = f"failed to eval condition: {text}, {err}"
        if self.mode is ErrorMode.PROPAGATE:
            raise ExecutionError(message) from err
        if self.mode is ErrorMode.IGNORE:
            self.logger.warning("failed to eval condition", extra={"fields": {"error": str(err), "condition": text}})


def _or(predicates: list[tuple[str, Predicate]], handler: _Handler) -> Predicate | None:
    """The OR of conditions; a failing condition counts as false (unless propagated)."""
    if not predicates:
        return None

    def any_true(t: Any) -> bool:
        for text, predicate in predicates:
            try:
                if predicate(t):
                    return True
            except Exception as err:
                handler.condition_failed(text, err)
        return False

    return any_true


class StatementGroup:
    """Compiled statements of one context, with the group's conditions and error mode."""

    def __init__(
        self,
        context: str,
        signal: str,
        statements: list[tuple[str, Callable[[Any], Any], Predicate | None]],
        condition: Predicate | None,
        handler: _Handler,
        resource_only: bool,
    ) -> None:
        self.context = context
        self.signal = signal
        self.statements = statements
        self._condition = condition
        self._handler = handler
        self._resource_only = resource_only
        self._run_items: Callable[[Any, Any], None] | None = None
        self.run = self._build_run()
        # the same statements over the request's bytes (C), when they all have a wire form
        self.wire_program = (
            wireprogram.span_program(statements, condition) if context == "span" and wireprogram.AVAILABLE else None
        )

    @property
    def error_mode(self) -> ErrorMode:
        return self._handler.mode

    def _build_run(self) -> Callable[[Any], None]:
        """The function that runs the group on one item (see codegen), and ``_run_items``."""
        run, self._run_items = group_functions(
            self.statements, self._condition, self._handler.statement_failed, self.context
        )
        return run

    def execute(self, data: AnyData, client: Any = None) -> None:
        """Run the statements on every item of the group's context in ``data``.
        Raises ExecutionError under ``propagate`` when a statement fails."""
        program = self.wire_program
        if program is not None and not data.read_only and not data.unverified_wire:
            wire = data.to_wire()
            done = wireprogram.run(program, wire) if type(wire) is bytes else None
            if done is not None:
                if done is not wire:
                    data.replace_all_wire(done)
                return
        run = self.run
        if self._resource_only and client is None:
            from ..pdata import splice

            def edit(resource: Any) -> None:
                t = ctx.ResourceContext.__new__(ctx.ResourceContext)
                t.resource = resource
                t.resource_container = None
                t.client = None
                t._cache = None
                t._ix = [None, None, None, None]
                t._ixguard = None
                t._ixgen = -1
                run(t)

            splice.edit_resources(data, edit)
            return
        run_items = self._run_items
        if run_items is None:
            for t in iter_contexts(data, self.context, client):
                run(t)
            return
        # span, metric, log: the generated loop runs the items of each scope
        make, item_field, guard_slot = _SCOPE_LOOPS[self.context]
        scope_field = data.scope_field
        for rc in getattr(data, data.resource_field):
            for sc in getattr(rc, scope_field):
                t = make(rc, sc, None, client)
                setattr(t, guard_slot, sc._guard)
                run_items(t, getattr(sc._pb, item_field))


# the contexts StatementGroup.execute walks with a generated loop (codegen.ITEM_SLOTS): their
# class, the scope's item field, the context's slot for the items' guard
_SCOPE_LOOPS: dict[str, tuple[Callable[..., Any], str, str]] = {
    "span": (ctx.SpanContext, "spans", "span_guard"),
    "metric": (ctx.MetricContext, "metrics", "metric_guard"),
    "log": (ctx.LogContext, "log_records", "log_guard"),
}


def iter_contexts(data: AnyData, context: str, client: Any = None) -> Iterator[Any]:
    """Every transform context of ``context`` in ``data``. One context object per scope is
    reused for its items: its item slots (protobuf and guard) are replaced, its cache and the
    item's key index reset, which keeps the walk cheap: do not keep the yielded objects."""
    resources = getattr(data, data.resource_field)
    if context == "resource":
        for rc in resources:
            yield ctx.ResourceContext(rc, client)
        return
    scope_field = data.scope_field
    for rc in resources:
        for sc in getattr(rc, scope_field):
            if context == "scope":
                yield ctx.ScopeContext(rc, sc, client)
            elif context == "spanevent":
                # Go's transform and filter processors build these contexts without
                # WithEventIndex, so spanevent.event_index is an execution error there.
                e = ctx.SpanEventContext(rc, sc, None, None, None, client)
                e.span_guard = e.event_guard = sc._guard
                for span in sc._pb.spans:
                    e.span_pb = span
                    e._ix[ctx.IX_ITEM] = None
                    for event in span.events:
                        e.event_pb = event
                        e._cache = None
                        e._ix[ctx.IX_SUB] = None
                        yield e
            elif context == "datapoint":
                d = ctx.DataPointContext(rc, sc, None, None, client)
                d.metric_guard = d.datapoint_guard = sc._guard
                # lists: a statement may add metrics (copy_metric) or points while the walk goes on
                for metric in list(sc._pb.metrics):
                    kind = metric.WhichOneof("data")
                    if kind is None:
                        continue
                    d.metric_pb = metric
                    d._ix[ctx.IX_ITEM] = None
                    for point in list(getattr(metric, kind).data_points):
                        d.datapoint_pb = point
                        d._cache = None
                        d._ix[ctx.IX_SUB] = None
                        yield d
            else:  # span, metric, log: one item level
                make, item_field, guard_slot = _SCOPE_LOOPS[context]
                t = make(rc, sc, None, client)
                setattr(t, guard_slot, sc._guard)
                item_slot = ITEM_SLOTS[context]
                for item in getattr(sc._pb, item_field):
                    setattr(t, item_slot, item)
                    t._cache = None
                    t._ix[ctx.IX_ITEM] = None
                    yield t


def _touches_only_resource(trees: list[Any], legacy: bool) -> bool:
    """Whether every path is a resource path other than ``schema_url``/``cache`` (which need the
    ResourceX container and the item's cache that the splice walk does not provide)."""
    from .compiler import walk
    from .grammar import PathExpr

    for tree in trees:
        for node in walk(tree):
            if not isinstance(node, PathExpr):
                continue
            names = [name for name, _ in node.fields]
            if names[0] == "resource" and len(names) > 1:
                field = names[1]
            elif legacy:
                field = names[0]  # un-prefixed: a path of the group's (resource) context
            else:
                return False
            if field in ("schema_url", "cache"):
                return False
    return True


def parse_statements(
    statements: Sequence[str],
    signal: Any,
    context: str | None = None,
    conditions: Iterable[str] = (),
    error_mode: ErrorMode | str = ErrorMode.IGNORE,
    logger: Any = None,
    extra_functions: dict[str, FunctionSpec] | None = None,
) -> StatementGroup:
    """Compile a group of statements (raises CompileError naming the statement and column)."""
    signal_name = _signal_name(signal)
    conditions = list(conditions)
    given = _check_context(signal_name, context)
    parsed, parsed_conditions = _parse_all(statements, conditions)
    trees: list[Any] = [list(p) for p in parsed] + list(parsed_conditions)
    group_context, legacy = _resolve_context(signal_name, given, trees, statements, conditions, extra_functions)
    env = Env(group_context, signal_name, legacy, extra_functions)
    compiled = []
    for text, (editor, where) in zip(statements, parsed, strict=True):
        try:
            fn, predicate = compile_statement(editor, where, env)
        except CompileError as exc:
            raise CompileError(f"unable to parse OTTL statement {_quote(text)}: {exc}") from None
        compiled.append((text, fn, predicate))
    handler = _Handler(ErrorMode(error_mode), logger)
    predicates = []
    for text, tree in zip(conditions, parsed_conditions, strict=True):
        try:
            predicates.append((text, compile_condition(tree, env)))
        except CompileError as exc:
            raise CompileError(f"unable to parse OTTL condition {_quote(text)}: {exc}") from None
    resource_only = group_context == "resource" and _touches_only_resource(trees, legacy)
    return StatementGroup(group_context, signal_name, compiled, _or(predicates, handler), handler, resource_only)


class ConditionSet:
    """Compiled conditions of one context, OR'ed (Go's ``ConditionSequence``)."""

    def __init__(self, context: str, signal: str, predicate: Predicate | None, texts: list[str]) -> None:
        self.context = context
        self.signal = signal
        self.conditions = texts
        self._predicate = predicate or (lambda t: False)

    def matches(self, tctx: Any) -> bool:
        """Whether any condition holds for the item; a failing condition counts as false
        unless the error mode is ``propagate`` (then ExecutionError is raised)."""
        return self._predicate(tctx)


def parse_conditions(
    conditions: Sequence[str],
    signal: Any,
    context: str | None = None,
    error_mode: ErrorMode | str = ErrorMode.IGNORE,
    logger: Any = None,
    extra_functions: dict[str, FunctionSpec] | None = None,
) -> ConditionSet:
    signal_name = _signal_name(signal)
    given = _check_context(signal_name, context)
    _, parsed = _parse_all([], conditions)
    if given is None:
        group_context = infer_context(signal_name, list(parsed), [], list(conditions), extra_functions)
        legacy = False
    else:
        group_context, legacy = given, True
    env = Env(group_context, signal_name, legacy, extra_functions)
    predicates = []
    for text, tree in zip(conditions, parsed, strict=True):
        try:
            predicates.append((text, compile_condition(tree, env)))
        except CompileError as exc:
            raise CompileError(f"unable to parse OTTL condition {_quote(text)}: {exc}") from None
    handler = _Handler(ErrorMode(error_mode), logger)
    return ConditionSet(group_context, signal_name, _or(predicates, handler), list(conditions))
