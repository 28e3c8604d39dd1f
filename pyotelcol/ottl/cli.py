"""``pyotelcol ottl``: run OTTL statements or conditions on an OTLP JSON document (not in Go).

Statements print the changed request as OTLP JSON; conditions print one line per item of the
context: its location in the request, its name when it has one, and ``true``/``false``.
Compile errors are reported as the collector reports them at start (exit status 1).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from ..component import Signal
from ..pdata.otlpjson import JSONError, decode_request, to_json
from . import contexts as ctx
from .engine import ErrorMode, parse_conditions, parse_statements
from .functions import CompileError, ExecutionError

__all__ = ["ottl_command"]


def _fail(message: str) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return 1


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def _located(data: Any, context: str) -> Iterator[tuple[str, str, Any]]:
    """(location, name, transform context) for every item of ``context``."""
    rfield, sfield = data.resource_field, data.scope_field
    for ri, rc in enumerate(getattr(data, rfield)):
        rloc = f"{rfield}[{ri}]"
        if context == "resource":
            yield rloc, "", ctx.ResourceContext(rc)
            continue
        for si, sc in enumerate(getattr(rc, sfield)):
            sloc = f"{rloc}.{sfield}[{si}]"
            if context == "scope":
                yield sloc, sc.scope.name, ctx.ScopeContext(rc, sc)
            elif context in ("span", "spanevent"):
                for i, span in enumerate(sc.spans):
                    loc = f"{sloc}.spans[{i}]"
                    if context == "span":
                        yield loc, span.name, ctx.SpanContext(rc, sc, span)
                        continue
                    for ei, event in enumerate(span.events):
                        yield f"{loc}.events[{ei}]", event.name, ctx.SpanEventContext(rc, sc, span, event, ei)
            elif context in ("metric", "datapoint"):
                for i, metric in enumerate(sc.metrics):
                    loc = f"{sloc}.metrics[{i}]"
                    if context == "metric":
                        yield loc, metric.name, ctx.MetricContext(rc, sc, metric)
                        continue
                    kind = metric.proto.WhichOneof("data")
                    if kind is None:
                        continue
                    for pi, point in enumerate(getattr(metric, kind).data_points):
                        yield (
                            f"{loc}.{kind}.data_points[{pi}]",
                            metric.name,
                            ctx.DataPointContext(rc, sc, metric, point),
                        )
            elif context == "log":
                for i, record in enumerate(sc.log_records):
                    yield f"{sloc}.log_records[{i}]", record.body.as_string()[:60], ctx.LogContext(rc, sc, record)


def ottl_command(options: dict[str, Any]) -> int:
    """Run the command; returns the exit status."""
    signal_name = options.get("signal")
    if signal_name not in ("traces", "metrics", "logs"):
        return _fail('--signal must be "traces", "metrics" or "logs"')
    statements: list[str] = options.get("statement", [])
    conditions: list[str] = options.get("condition", [])
    if bool(statements) == bool(conditions):
        return _fail("give either --statement or --condition (one or more times), not both")
    mode = options.get("error-mode") or "propagate"
    if mode not in tuple(m.value for m in ErrorMode):
        return _fail(f"--error-mode must be propagate, ignore or silent, got {mode!r}")
    signal = Signal(signal_name)
    context = options.get("context") or None
    try:
        if statements:
            group = parse_statements(statements, signal, context=context, error_mode=ErrorMode(mode))
        else:
            conds = parse_conditions(conditions, signal, context=context, error_mode=ErrorMode(mode))
    except CompileError as exc:
        return _fail(str(exc))
    try:
        data = decode_request(signal, _read(options.get("file") or "-"))
    except OSError as exc:
        return _fail(f"cannot read {options.get('file')}: {exc.strerror}")
    except JSONError as exc:
        return _fail(f"invalid OTLP {signal_name} JSON: {exc}")
    try:
        if statements:
            group.execute(data)
            sys.stdout.write(to_json(data.message).decode() + "\n")
            return 0
        for location, name, tctx in _located(data, conds.context):
            label = " " + json.dumps(name, ensure_ascii=False) if name else ""
            sys.stdout.write(f"{location}{label}: {'true' if conds.matches(tctx) else 'false'}\n")
    except ExecutionError as exc:
        return _fail(str(exc))
    return 0
