"""Routing keys and the split of one request into one request per backend.

Each item (span, log record, metric or data point) gets a routing key; the ring maps the key to a
backend, and items are copied into that backend's request under copies of their own resource and
scope (the grouping of the input is kept: consecutive items of one scope stay in one scope).
When every item lands on the same backend the input is passed on untouched.

Keys, as Go computes them:

- ``traceID``: the 16 trace-id bytes of the span or log record (logs without a trace id go to a
  random backend, as in Go);
- ``service``: the ``service.name`` resource attribute;
- ``resource``: the resource's identity (its attributes, sorted);
- ``metric``: the metric name;
- ``streamID``: resource, scope, metric name/type/unit and the data point's attributes;
- ``attributes``: the configured attributes, each looked up on the resource, then the scope,
  then the span / log record / data point (``span.name``, ``span.kind``, ``log.severity`` and
  ``log.body`` are pseudo attributes), concatenated.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from pyotelcol.component import Signal
from pyotelcol.pdata import AnyData, Logs, Metrics, Traces
from pyotelcol.pdata.pcommon import _json_text, _raw

from .config import ATTRIBUTES, METRIC, RESOURCE, SERVICE, STREAM_ID, TRACE_ID

B = TypeVar("B", bound=Hashable)

#: a key for items that have none (a log record without trace id): the caller picks at random
RANDOM = None
_SPAN_KINDS = {
    0: "Unspecified",
    1: "Internal",
    2: "Server",
    3: "Client",
    4: "Producer",
    5: "Consumer",
}


def value_text(value: AnyValue) -> str:
    """An attribute value as text (Go's ``Value.AsString``)."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return "true" if value.bool_value else "false"
    if kind is None:
        return ""
    raw = _raw(value)
    return raw if isinstance(raw, str) else _json_text(raw)


def _find(attrs: Iterable[KeyValue], key: str) -> AnyValue | None:
    for kv in attrs:
        if kv.key == key:
            return kv.value
    return None


def attributes_identity(attrs: Iterable[KeyValue]) -> str:
    """Order-independent identity of an attribute set."""
    return "\x1f".join(sorted(f"{kv.key}\x1e{value_text(kv.value)}" for kv in attrs))


def _composite(names: list[str], levels: list[Iterable[KeyValue]], pseudo: dict[str, str]) -> bytes:
    parts: list[str] = []
    for name in names:
        for attrs in levels:
            found = _find(attrs, name)
            if found is not None:
                parts.append(value_text(found))
                break
        else:
            parts.append(pseudo.get(name, ""))
    return "".join(parts).encode()


def _service(resource: Any) -> bytes:
    found = _find(resource.attributes, "service.name")
    return value_text(found).encode() if found is not None else b""


# -- traces and logs: one level of items under resource/scope -------------------------------------


def _item_keyer(signal: Signal, key: str, names: list[str]) -> Callable[[Any, Any, Any], bytes | None]:
    if key == TRACE_ID:

        def by_trace(_rs: Any, _ss: Any, item: Any) -> bytes | None:
            tid = bytes(item.trace_id)
            return tid if tid.strip(b"\0") else RANDOM

        return by_trace
    if key == SERVICE:
        return lambda rs, _ss, _item: _service(rs.resource)
    if key == RESOURCE:
        return lambda rs, _ss, _item: attributes_identity(rs.resource.attributes).encode()
    if key == ATTRIBUTES and signal is Signal.TRACES:
        return lambda rs, ss, span: _composite(
            names,
            [rs.resource.attributes, ss.scope.attributes],
            {kv.key: value_text(kv.value) for kv in span.attributes}
            | {"span.name": span.name, "span.kind": _SPAN_KINDS.get(span.kind, "")},
        )
    if key == ATTRIBUTES and signal is Signal.LOGS:
        return lambda rs, ss, rec: _composite(
            names,
            [rs.resource.attributes, ss.scope.attributes],
            {kv.key: value_text(kv.value) for kv in rec.attributes}
            | {"log.severity": rec.severity_text, "log.body": value_text(rec.body)},
        )
    raise ValueError(f"unsupported routing_key: {key}")


def split_flat(
    data: Traces | Logs, key: str, names: list[str], backend_for: Callable[[bytes | None], B]
) -> dict[B, Traces | Logs]:
    """Traces or logs split per backend (see the module docstring)."""
    signal = data.signal
    keyer = _item_keyer(signal, key, names)
    msg: Any = data.message
    res_f, scope_f, item_f = data.resource_field, data.scope_field, data.item_field
    resources = getattr(msg, res_f)
    per_resource = key in (SERVICE, RESOURCE)
    # First pass: the backend of every item.
    plan: list[list[list[B]]] = []
    seen: set[B] = set()
    for rs in resources:
        scopes = getattr(rs, scope_f)
        rs_plan: list[list[B]] = []
        shared: B | None = None
        for ss in scopes:
            items = getattr(ss, item_f)
            ss_plan: list[B] = []
            for item in items:
                if per_resource:
                    if shared is None:
                        shared = backend_for(keyer(rs, ss, item))
                    backend = shared
                else:
                    backend = backend_for(keyer(rs, ss, item))
                ss_plan.append(backend)
                seen.add(backend)
            rs_plan.append(ss_plan)
        plan.append(rs_plan)
    if len(seen) <= 1:
        return {b: data for b in seen}
    cls = type(data)
    out: dict[B, Any] = {}
    for rs, rs_plan in zip(resources, plan, strict=True):
        scopes = getattr(rs, scope_f)
        dest_rs: dict[B, Any] = {}
        for ss, ss_plan in zip(scopes, rs_plan, strict=True):
            items = getattr(ss, item_f)
            dest_ss: dict[B, Any] = {}
            for item, backend in zip(items, ss_plan, strict=True):
                target = dest_ss.get(backend)
                if target is None:
                    drs = dest_rs.get(backend)
                    if drs is None:
                        req = out.get(backend)
                        if req is None:
                            req = out[backend] = cls.message_type()
                        drs = getattr(req, res_f).add()
                        drs.resource.CopyFrom(rs.resource)
                        drs.schema_url = rs.schema_url
                        dest_rs[backend] = drs
                    target = getattr(drs, scope_f).add()
                    target.scope.CopyFrom(ss.scope)
                    target.schema_url = ss.schema_url
                    dest_ss[backend] = target
                getattr(target, item_f).add().CopyFrom(item)
    return {b: cls(m) for b, m in out.items()}


# -- metrics: keys per resource, metric or data point ---------------------------------------------


def _points(metric: Any) -> Any:
    kind = metric.WhichOneof("data")
    return getattr(metric, kind).data_points if kind is not None else None


def split_metrics(
    data: Metrics, key: str, names: list[str], backend_for: Callable[[bytes | None], B]
) -> dict[B, Metrics]:
    """Metrics split per backend: by resource (``service``, ``resource``), by metric
    (``metric``) or by data point (``streamID``, ``attributes``)."""
    msg: Any = data.message
    per_point = key in (STREAM_ID, ATTRIBUTES)

    def metric_key(rm: Any, sm: Any, m: Any) -> bytes:
        if key == SERVICE:
            return _service(rm.resource)
        if key == RESOURCE:
            return attributes_identity(rm.resource.attributes).encode()
        if key == METRIC:
            return str(m.name).encode()
        raise ValueError(f"unsupported routing_key: {key}")

    def point_key(rm: Any, sm: Any, m: Any, dp: Any) -> bytes:
        if key == STREAM_ID:
            return "\x1d".join(
                (
                    attributes_identity(rm.resource.attributes),
                    sm.scope.name,
                    sm.scope.version,
                    attributes_identity(sm.scope.attributes),
                    m.name,
                    m.unit,
                    str(m.WhichOneof("data")),
                    attributes_identity(dp.attributes),
                )
            ).encode()
        return _composite(names, [rm.resource.attributes, sm.scope.attributes, dp.attributes], {})

    # plan: per metric either one backend, or a list per data point
    plan: list[list[list[Any]]] = []
    seen: set[B] = set()
    for rm in msg.resource_metrics:
        rm_plan: list[list[Any]] = []
        shared: B | None = None
        for sm in rm.scope_metrics:
            sm_plan: list[Any] = []
            for m in sm.metrics:
                if per_point:
                    pts = _points(m)
                    backends = [backend_for(point_key(rm, sm, m, dp)) for dp in (pts or ())]
                    if not backends:  # a metric without points still goes somewhere
                        backends = [backend_for(m.name.encode())]
                    seen.update(backends)
                    sm_plan.append(backends)
                else:
                    if key in (SERVICE, RESOURCE):
                        if shared is None:
                            shared = backend_for(metric_key(rm, sm, m))
                        b = shared
                    else:
                        b = backend_for(metric_key(rm, sm, m))
                    seen.add(b)
                    sm_plan.append(b)
            rm_plan.append(sm_plan)
        plan.append(rm_plan)
    if len(seen) <= 1:
        return {b: data for b in seen}
    out: dict[B, Any] = {}
    for rm, rm_plan in zip(msg.resource_metrics, plan, strict=True):
        dest_rm: dict[B, Any] = {}
        for sm, sm_plan in zip(rm.scope_metrics, rm_plan, strict=True):
            dest_sm: dict[B, Any] = {}

            def scope_for(
                backend: B, rm: Any = rm, sm: Any = sm, dest_rm: Any = dest_rm, dest_sm: Any = dest_sm
            ) -> Any:
                target = dest_sm.get(backend)
                if target is None:
                    drm = dest_rm.get(backend)
                    if drm is None:
                        req = out.get(backend)
                        if req is None:
                            req = out[backend] = Metrics.message_type()
                        drm = req.resource_metrics.add()
                        drm.resource.CopyFrom(rm.resource)
                        drm.schema_url = rm.schema_url
                        dest_rm[backend] = drm
                    target = drm.scope_metrics.add()
                    target.scope.CopyFrom(sm.scope)
                    target.schema_url = sm.schema_url
                    dest_sm[backend] = target
                return target

            for m, where in zip(sm.metrics, sm_plan, strict=True):
                if not isinstance(where, list):
                    scope_for(where).metrics.add().CopyFrom(m)
                    continue
                pts = _points(m)
                if not pts:
                    scope_for(where[0]).metrics.add().CopyFrom(m)
                    continue
                shells: dict[B, Any] = {}
                for dp, backend in zip(pts, where, strict=True):
                    shell = shells.get(backend)
                    if shell is None:
                        shell = scope_for(backend).metrics.add()
                        shell.CopyFrom(m)
                        _clear_points(shell)
                        shells[backend] = shell
                    _points(shell).add().CopyFrom(dp)
    return {b: Metrics(req) for b, req in out.items()}


def _clear_points(metric: Any) -> None:
    kind = metric.WhichOneof("data")
    del getattr(metric, kind).data_points[:]


def split(data: AnyData, key: str, names: list[str], backend_for: Callable[[bytes | None], B]) -> dict[B, AnyData]:
    if isinstance(data, Metrics):
        return dict(split_metrics(data, key, names, backend_for))
    if isinstance(data, Traces | Logs):
        return dict(split_flat(data, key, names, backend_for))
    raise TypeError(f"load_balancing: unsupported data {type(data).__name__}")
