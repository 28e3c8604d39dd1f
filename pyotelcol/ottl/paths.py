"""Path getters and setters for every OTTL context (Go's ``contexts/internal/ctx*`` packages).

``resolve(obj, fields, keys_of, own)`` turns the path segments after the context prefix into a
:class:`PathAccessor` whose ``get(tctx)`` / ``set(tctx, value)`` read and write the protobuf
messages held by the transform context (see ``_Level``). Everything is decided here, once: the
per-item work is a chain of attribute reads on the protobuf messages, and ``attributes["k"]``
goes through the item's key index (``keyindex``). Setters ignore values of the wrong type, as
Go's do; writes run the data's write guard first. The hottest accessors describe themselves in
``ottl_inline`` for ``codegen``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from opentelemetry.proto.metrics.v1 import metrics_pb2

from ..pdata.pcommon import Map, Value
from .contexts import IX_ITEM, IX_RESOURCE, IX_SCOPE, IX_SUB
from .functions import CompileError, ExecutionError, Getter
from .keyindex import KeyIndex, build_index, index_builder, write_keeping_indexes
from .pvalues import descend_for_set, find_kv, index_value, put_kv, read_value, write_map, write_value
from .values import IdBytes, Time, UnstorableList, go_type_name, time_from_unix_nanos, unix_nanos

__all__ = ["PathAccessor", "resolve", "segments_of"]

Setter = Callable[[Any, Any], None]


@dataclass
class PathAccessor:
    get: Getter
    set: Setter | None
    text: str


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- generic building blocks -----------------------------------------------------------------


class _Level:
    """How the compiled paths reach one object of a transform context (the span, its status,
    the resource, the ScopeX container...). Calling it gives the object's view (for the less
    common paths); ``pb``/``guard`` read its protobuf and write guard straight from the context,
    ``pb_path`` is that attribute chain (dotted attrgetters read a field without a Python frame),
    ``slot`` the key index slot of its attributes (``contexts.IX_*``, None: not indexed)."""

    __slots__ = ("guard", "pb", "pb_path", "slot", "view")

    def __init__(self, view_path: str, pb_path: str, guard_path: str, slot: int | None) -> None:
        self.view = attrgetter(view_path)
        self.pb_path = pb_path
        self.pb = attrgetter(pb_path)
        self.guard = attrgetter(guard_path)
        self.slot = slot

    def __call__(self, t: Any) -> Any:
        return self.view(t)

    def mutable(self, t: Any) -> Any:
        """The protobuf for a change that is not an attribute list's (the guard runs first)."""
        write_keeping_indexes(t, self.guard(t))
        return self.pb(t)


# the span's fields the wire program (``wireprogram``) reads and writes without the protobuf
_WIRE_FIELDS = {("span_pb", "name"): "name", ("span_pb", "kind"): "kind", ("span_pb.status", "code"): "status_code"}


def _field_getter(view_of: _Level, field: str) -> Getter:
    """``view_of``'s ``field``: a dotted attrgetter (no Python frame); for a field of
    ``_WIRE_FIELDS`` wrapped in a ``partial`` (still no frame), which can carry ``ottl_wire``
    (the field's name there)."""
    get = attrgetter(f"{view_of.pb_path}.{field}")
    wire = _WIRE_FIELDS.get((view_of.pb_path, field))
    if wire is None:
        return get
    read = functools.partial(get)
    read.ottl_wire = wire  # type: ignore[attr-defined]
    return read


def _scalar(view_of: _Level, field: str, check: Callable[[Any], bool]) -> tuple[Getter, Setter]:
    get = _field_getter(view_of, field)
    pb_of, guard_of = view_of.pb, view_of.guard

    def set_(t: Any, value: Any) -> None:
        if check(value):
            write_keeping_indexes(t, guard_of(t))
            setattr(pb_of(t), field, value)

    wire = _WIRE_FIELDS.get((view_of.pb_path, field))
    if wire is not None:
        set_.ottl_wire = wire  # type: ignore[attr-defined]
    return get, set_


def _fusable(make: Callable[[Getter | None], Callable[..., None]]) -> Setter:
    """The setter ``make(None)(t, value)``, carrying ``make`` as ``ottl_set_from``:
    ``make(getter)(t)`` is the same write taking its value from ``getter`` (a literal's value
    is taken as it is), which saves the ``set`` editor a call per item."""
    setter = make(None)
    setter.ottl_set_from = make  # type: ignore[attr-defined]
    return setter


def _value_source(value_of: Getter | None) -> tuple[Getter | None, Any, bool]:
    """(getter, literal, whether the literal applies) for a fused setter."""
    constant = getattr(value_of, "ottl_constant", None)
    return (None, constant[0], True) if constant is not None else (value_of, None, False)


def _str_field(view_of: _Level, field: str) -> tuple[Getter, Setter]:
    # as _scalar with the type check inlined: span.name and the like are set per item
    get = _field_getter(view_of, field)
    pb_of, guard_of = view_of.pb, view_of.guard

    def make(value_of: Getter | None) -> Callable[..., None]:
        getter, literal, is_literal = _value_source(value_of)

        def set_(t: Any, value: Any = None) -> None:
            if is_literal:
                value = literal
            elif getter is not None:
                value = getter(t)
            if isinstance(value, str):
                guard = guard_of(t)
                if guard is t._ixguard and t._ixgen == guard.write_generation:
                    guard.before_write()  # write_keeping_indexes, inlined
                    t._ixgen = guard.write_generation
                else:
                    guard.before_write()
                setattr(pb_of(t), field, value)

        return set_

    setter = _fusable(make)
    setter.ottl_inline = ("str_field", pb_of, guard_of, field)  # type: ignore[attr-defined]  # see codegen
    wire = _WIRE_FIELDS.get((view_of.pb_path, field))
    if wire is not None:
        setter.ottl_wire = wire  # type: ignore[attr-defined]
    return get, setter


def _int_field(view_of: _Level, field: str) -> tuple[Getter, Setter]:
    def check(value: Any) -> bool:
        return _int(value)

    return _scalar(view_of, field, check)


def _time_field(view_of: _Level, field: str) -> tuple[Getter, Setter]:
    def get(t: Any) -> Any:
        return time_from_unix_nanos(getattr(view_of.pb(t), field))

    def set_(t: Any, value: Any) -> None:
        if isinstance(value, Time) or hasattr(value, "tzinfo"):
            setattr(view_of.mutable(t), field, max(0, unix_nanos(value)))

    return get, set_


def _id_field(view_of: _Level, field: str, size: int) -> tuple[Getter, Setter]:
    def get(t: Any) -> Any:
        # Go reads a fixed-size ID array: an unset ID is all zeros.
        raw = getattr(view_of.pb(t), field)
        return IdBytes(raw) if len(raw) == size else IdBytes(size)

    def set_(t: Any, value: Any) -> None:
        if isinstance(value, bytes | bytearray) and len(value) == size:
            # pdata writes an all-zero (empty) ID as no bytes at all.
            setattr(view_of.mutable(t), field, bytes(value) if any(value) else b"")

    return get, set_


def _id_string(view_of: _Level, field: str, size: int, what: str) -> tuple[Getter, Setter]:
    def get(t: Any) -> Any:
        raw = getattr(view_of.pb(t), field)
        # Go encodes the fixed-size ID array: an unset ID reads as all zeros.
        return raw.hex() if len(raw) == size else "00" * size

    def set_(t: Any, value: Any) -> None:
        if not isinstance(value, str):
            return
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raise ExecutionError(f"{what} is not a valid hex string: {value!r}") from None
        if len(raw) != size:
            raise ExecutionError(f"{what} must be {size * 2} hex characters, got {len(value)}")
        setattr(view_of.mutable(t), field, raw)

    return get, set_


def _key_getter(keys: list[Getter]) -> Callable[[Any], list[Any]]:
    return lambda t: [k(t) for k in keys]


def _map_access(
    kvs_of: Callable[[Any], Any], guard_of: Callable[[Any], Any], keys: list[Getter], slot: int | None = None
) -> tuple[Getter, Setter]:
    """``attributes``, ``attributes["k"]``, ``attributes["k"][0]["x"]``... over a KeyValue list.
    ``slot``: the list's key index slot in the context (``attributes["literal"]`` uses it)."""
    if not keys:

        def get_all(t: Any) -> Any:
            return Map(kvs_of(t), guard_of(t))

        def set_all(t: Any, value: Any) -> None:
            # Go's SetMap: nil empties the map, a map replaces it, anything else is an error
            if value is None:
                guard_of(t).before_write()
                del kvs_of(t)[:]
            elif isinstance(value, Map | dict):
                guard_of(t).before_write()
                write_map(kvs_of(t), value)
            else:
                raise ExecutionError(f"unsupported type provided for setting a pcommon.Map: {go_type_name(value)}")

        if slot is not None:
            get_all.ottl_remove_key = _remove_key(slot, kvs_of, guard_of)  # type: ignore[attr-defined]
        return get_all, set_all

    first, rest = keys[0], keys[1:]
    constant = getattr(first, "ottl_constant", None)
    if slot is not None and constant is not None and isinstance(constant[0], str) and not rest:
        return _map_key_access(slot, kvs_of, guard_of, constant[0])

    def get(t: Any) -> Any:
        key = first(t)
        if not isinstance(key, str):
            raise ExecutionError("non-string indexing is not supported")
        slot = find_kv(kvs_of(t), key)
        for key_getter in rest:
            if slot is None:
                return None
            slot = index_value(slot, key_getter(t))
        return None if slot is None else read_value(slot, guard_of(t))

    def set_(t: Any, value: Any) -> None:
        key = first(t)
        if not isinstance(key, str):
            raise ExecutionError("non-string indexing is not supported")
        path_keys = [k(t) for k in rest]
        guard_of(t).before_write()
        slot = put_kv(kvs_of(t), key)
        for step in path_keys:
            slot = descend_for_set(slot, step)
        write_value(slot, value)

    return get, set_


# value kinds read_value wraps in a view; the others are the protobuf field itself
_NESTED = frozenset(("kvlist_value", "array_value"))


def _map_key_access(
    slot: int, kvs_of: Callable[[Any], Any], guard_of: Callable[[Any], Any], key: str
) -> tuple[Getter, Setter]:
    """``attributes["literal"]``, the most common path, through the item's key index of the
    list (see keyindex): the index check and the value read are inlined, this runs per item
    and per statement."""

    def get(t: Any) -> Any:
        index: KeyIndex | None = t._ix[slot]
        if index is None or t._ixgen != t._ixguard.write_generation:
            index = build_index(t, slot, kvs_of, guard_of)
            if index is None:
                value = find_kv(kvs_of(t), key)
                return None if value is None else read_value(value, guard_of(t))
        position = index.find(key)
        if position is None:
            return None
        pb = index.entries[position].value
        text = pb.string_value  # non-empty only when the value is a string: one call, not two
        if text:
            return text
        kind = pb.WhichOneof("value")
        if kind is None:
            return None
        if kind in _NESTED:
            return read_value(pb, t._ixguard)
        return getattr(pb, kind)

    def make(value_of: Getter | None) -> Callable[..., None]:
        getter, literal, is_literal = _value_source(value_of)

        def set_(t: Any, value: Any = None) -> None:
            if is_literal:
                value = literal
            elif getter is not None:
                value = getter(t)
            index: KeyIndex | None = t._ix[slot]
            if index is None or t._ixgen != t._ixguard.write_generation:
                index = build_index(t, slot, kvs_of, guard_of)
                if index is None:
                    guard_of(t).before_write()
                    write_value(put_kv(kvs_of(t), key), value)
                    return
            guard = t._ixguard  # the index is true: this write keeps it so (see keyindex)
            guard.before_write()
            t._ixgen = guard.write_generation
            position = index.find(key)
            if position is None:  # a new key, at the end: the index is complete
                kv = index.kvs.add()
                kv.key = key
                index[key] = len(index.entries)
                index.entries.append(kv)
            else:
                kv = index.entries[position]
            if type(value) is str:
                kv.value.string_value = value
            else:
                write_value(kv.value, value)

        return set_

    # what codegen needs to do the same inline
    build = index_builder(slot, kvs_of, guard_of)
    get.ottl_inline = ("key_read", slot, key, build, get)  # type: ignore[attr-defined]
    setter = _fusable(make)
    setter.ottl_inline = ("key_write", slot, key, build)  # type: ignore[attr-defined]
    return get, setter


def _remove_key(slot: int, kvs_of: Callable[[Any], Any], guard_of: Callable[[Any], Any]) -> Callable[[Any, str], bool]:
    """``delete_key`` on an attribute map through the item's key index: the removal finds its
    position without a scan and keeps the index true instead of forcing a rebuild."""

    def remove(t: Any, key: str) -> bool:
        index: KeyIndex | None = t._ix[slot]
        if index is None or t._ixgen != t._ixguard.write_generation:
            index = build_index(t, slot, kvs_of, guard_of)
            if index is None:
                return Map(kvs_of(t), guard_of(t)).remove(key)
        position = index.find(key)
        if position is None:
            return False
        guard = t._ixguard
        guard.before_write()
        t._ixgen = guard.write_generation
        del index.kvs[position]
        index.remove(position, key)
        return True

    remove.ottl_inline = ("key_remove", slot, index_builder(slot, kvs_of, guard_of))  # type: ignore[attr-defined]
    return remove


def _value_access(
    pb_of: Callable[[Any], Any], guard_of: Callable[[Any], Any], keys: list[Getter]
) -> tuple[Getter, Setter]:
    """A whole ``AnyValue`` (log body) and its ``[key]`` steps."""

    def get(t: Any) -> Any:
        slot = pb_of(t)
        for key_getter in keys:
            if slot is None:
                return None
            slot = index_value(slot, key_getter(t))
        return None if slot is None else read_value(slot, guard_of(t))

    def set_(t: Any, value: Any) -> None:
        path_keys = [k(t) for k in keys]
        guard_of(t).before_write()
        slot = pb_of(t)
        for step in path_keys:
            slot = descend_for_set(slot, step)
        write_value(slot, value)

    return get, set_


# --- per context ----------------------------------------------------------------------------

Builder = Callable[[Callable[[Any], Any], list[str], list[Getter], bool], tuple[Getter, Setter | None] | None]

_KIND_NAMES = ["Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"]
_KIND_DEPRECATED = [
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
]


class _Paths:
    """Collects what one context offers, for path resolution and for error messages."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.builders: dict[str, Callable[..., tuple[Getter, Setter | None]]] = {}

    def add(self, name: str) -> Callable[[Callable[..., tuple[Getter, Setter | None]]], Any]:
        def register(fn: Callable[..., tuple[Getter, Setter | None]]) -> Any:
            self.builders[name] = fn
            return fn

        return register


def _need_no_keys(path: str, keys: list[Getter]) -> None:
    if keys:
        raise CompileError(f'cannot index path "{path}"')


def _need_no_sub(path: str, sub: list[str], allowed: tuple[str, ...] = ()) -> str | None:
    if not sub:
        return None
    if len(sub) == 1 and sub[0] in allowed:
        return sub[0]
    raise CompileError(f'path "{path}" has no field "{".".join(sub)}"')


# Every builder gets (view_of, sub_fields, keys, tctx_attr) and returns (get, set).


def _common_attributes(view_of: _Level, field: str = "attributes") -> Callable[..., Any]:
    kvs_of = attrgetter(f"{view_of.pb_path}.{field}")

    def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        return _map_access(kvs_of, view_of.guard, keys, view_of.slot)

    return build


def _resource_paths(view_of: _Level, container_of: _Level) -> dict[str, Any]:
    return {
        "attributes": _common_attributes(view_of),
        "dropped_attributes_count": lambda sub, keys: _int_field(view_of, "dropped_attributes_count"),
        "schema_url": lambda sub, keys: _str_field(container_of, "schema_url"),
    }


def _scope_paths(view_of: _Level, container_of: _Level) -> dict[str, Any]:
    return {
        "name": lambda sub, keys: _str_field(view_of, "name"),
        "version": lambda sub, keys: _str_field(view_of, "version"),
        "attributes": _common_attributes(view_of),
        "dropped_attributes_count": lambda sub, keys: _int_field(view_of, "dropped_attributes_count"),
        "schema_url": lambda sub, keys: _str_field(container_of, "schema_url"),
    }


def _trace_state(view_of: _Level, keys: list[Getter]) -> tuple[Getter, Setter | None]:
    def parse(text: str) -> list[tuple[str, str]]:
        out = []
        for member in text.split(","):
            member = member.strip()
            if "=" in member:
                k, v = member.split("=", 1)
                out.append((k.strip(), v.strip()))
        return out

    if not keys:
        return _str_field(view_of, "trace_state")
    if len(keys) > 1:
        raise CompileError("trace_state supports a single key")
    key_of = keys[0]

    def get(t: Any) -> Any:
        key = key_of(t)
        for k, v in parse(view_of.pb(t).trace_state):
            if k == key:
                return v
        return None

    def set_(t: Any, value: Any) -> None:
        if not isinstance(value, str):
            return
        key = key_of(t)
        members = [(k, v) for k, v in parse(view_of.pb(t).trace_state) if k != key]
        members.insert(0, (key, value))
        view_of.mutable(t).trace_state = ",".join(f"{k}={v}" for k, v in members)

    return get, set_


def _span_paths(view_of: _Level) -> dict[str, Any]:
    def kind(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        which = _need_no_sub("kind", sub, ("string", "deprecated_string"))
        if which is None:
            return _int_field(view_of, "kind")
        names = _KIND_NAMES if which == "string" else _KIND_DEPRECATED

        def get(t: Any) -> Any:
            value = view_of.pb(t).kind
            return names[value] if 0 <= value < len(names) else ""

        def set_(t: Any, value: Any) -> None:
            if isinstance(value, str) and value in names:
                view_of.mutable(t).kind = names.index(value)

        return get, set_

    def ids(field: str, size: int, what: str) -> Callable[..., tuple[Getter, Setter | None]]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            if _need_no_sub(field, sub, ("string",)):
                return _id_string(view_of, field, size, what)
            return _id_field(view_of, field, size)

        return build

    def status(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        status_of = _Level("span.status", "span_pb.status", "span_guard", None)
        if not sub:
            return status_of.view, None
        if sub == ["code"]:
            return _int_field(status_of, "code")
        if sub == ["message"]:
            return _str_field(status_of, "message")
        raise CompileError(f'path "status" has no field "{".".join(sub)}"')

    def listing(field: str) -> Callable[..., tuple[Getter, Setter | None]]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            def get(t: Any) -> Any:
                return list(getattr(view_of(t), field))

            return get, None

        return build

    return {
        "trace_id": ids("trace_id", 16, "trace id"),
        "span_id": ids("span_id", 8, "span id"),
        "parent_span_id": ids("parent_span_id", 8, "parent span id"),
        "trace_state": lambda sub, keys: _trace_state(view_of, keys),
        "name": lambda sub, keys: _str_field(view_of, "name"),
        "kind": kind,
        "start_time_unix_nano": lambda sub, keys: _int_field(view_of, "start_time_unix_nano"),
        "end_time_unix_nano": lambda sub, keys: _int_field(view_of, "end_time_unix_nano"),
        "start_time": lambda sub, keys: _time_field(view_of, "start_time_unix_nano"),
        "end_time": lambda sub, keys: _time_field(view_of, "end_time_unix_nano"),
        "attributes": _common_attributes(view_of),
        "dropped_attributes_count": lambda sub, keys: _int_field(view_of, "dropped_attributes_count"),
        "events": listing("events"),
        "dropped_events_count": lambda sub, keys: _int_field(view_of, "dropped_events_count"),
        "links": listing("links"),
        "dropped_links_count": lambda sub, keys: _int_field(view_of, "dropped_links_count"),
        "status": status,
        "flags": lambda sub, keys: _int_field(view_of, "flags"),
    }


def _spanevent_paths(view_of: _Level) -> dict[str, Any]:
    def index(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> int:
            # Go's GetEventIndex: the index exists only where the caller set WithEventIndex.
            if t.event_index is None:
                raise ExecutionError("no 'event_index' property has been set")
            if t.event_index < 0:
                raise ExecutionError("found invalid value for 'event_index'")
            return int(t.event_index)

        return get, None

    return {
        "name": lambda sub, keys: _str_field(view_of, "name"),
        "time_unix_nano": lambda sub, keys: _int_field(view_of, "time_unix_nano"),
        "time": lambda sub, keys: _time_field(view_of, "time_unix_nano"),
        "attributes": _common_attributes(view_of),
        "dropped_attributes_count": lambda sub, keys: _int_field(view_of, "dropped_attributes_count"),
        "event_index": index,
    }


_METRIC_TYPES = {None: 0, "gauge": 1, "sum": 2, "histogram": 3, "exponential_histogram": 4, "summary": 5}


def _metric_paths(view_of: _Level) -> dict[str, Any]:
    def mtype(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            return _METRIC_TYPES[view_of.pb(t).WhichOneof("data")]

        return get, None

    def temporality(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            pb = view_of.pb(t)
            kind = pb.WhichOneof("data")
            if kind in ("sum", "histogram", "exponential_histogram"):
                return getattr(pb, kind).aggregation_temporality
            return 0

        def set_(t: Any, value: Any) -> None:
            if not _int(value):
                return
            pb = view_of.pb(t)
            kind = pb.WhichOneof("data")
            if kind in ("sum", "histogram", "exponential_histogram"):
                getattr(view_of.mutable(t), kind).aggregation_temporality = value

        return get, set_

    def monotonic(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            pb = view_of.pb(t)
            return pb.sum.is_monotonic if pb.WhichOneof("data") == "sum" else False

        def set_(t: Any, value: Any) -> None:
            if isinstance(value, bool) and view_of.pb(t).WhichOneof("data") == "sum":
                view_of.mutable(t).sum.is_monotonic = value

        return get, set_

    def data_points(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            metric = view_of(t)
            kind = metric._pb.WhichOneof("data")
            return list(getattr(metric, kind).data_points) if kind else []

        return get, None

    return {
        "name": lambda sub, keys: _str_field(view_of, "name"),
        "description": lambda sub, keys: _str_field(view_of, "description"),
        "unit": lambda sub, keys: _str_field(view_of, "unit"),
        "type": mtype,
        "aggregation_temporality": temporality,
        "is_monotonic": monotonic,
        "data_points": data_points,
        "metadata": _common_attributes(view_of, "metadata"),
    }


_NUMBER = metrics_pb2.NumberDataPoint
_HISTO = metrics_pb2.HistogramDataPoint
_EXPO = metrics_pb2.ExponentialHistogramDataPoint
_SUMMARY = metrics_pb2.SummaryDataPoint


def _datapoint_paths(view_of: _Level) -> dict[str, Any]:
    def typed(field: str, types: tuple[type, ...], check: Callable[[Any], bool]) -> Callable[..., Any]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            def get(t: Any) -> Any:
                pb = view_of.pb(t)
                return getattr(pb, field) if isinstance(pb, types) else None

            def set_(t: Any, value: Any) -> None:
                if isinstance(view_of.pb(t), types) and check(value):
                    setattr(view_of.mutable(t), field, value)

            return get, set_

        return build

    def number(value: Any) -> bool:
        return isinstance(value, float)

    def integer(value: Any) -> bool:
        return _int(value)

    def repeated(field: str, types: tuple[type, ...], item: type) -> Callable[..., Any]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            def get(t: Any) -> Any:
                pb = view_of.pb(t)
                if not isinstance(pb, types):
                    return None
                values = list(getattr(pb, field))
                # Go reads bucket counts as []uint64, which no attribute can hold.
                return UnstorableList(values, "[]uint64") if item is int else values

            def set_(t: Any, value: Any) -> None:
                if isinstance(view_of.pb(t), types) and isinstance(value, list) and all(type(v) is item for v in value):
                    getattr(view_of.mutable(t), field)[:] = value

            return get, set_

        return build

    def buckets(side: str) -> Callable[..., Any]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            which = _need_no_sub(side, sub, ("offset", "bucket_counts"))

            def get(t: Any) -> Any:
                pb = view_of.pb(t)
                if not isinstance(pb, _EXPO):
                    return None
                b = getattr(pb, side)
                if which is None:
                    return getattr(view_of(t), side)
                return b.offset if which == "offset" else UnstorableList(b.bucket_counts, "[]uint64")

            def set_(t: Any, value: Any) -> None:
                if not isinstance(view_of.pb(t), _EXPO) or which is None:
                    return
                if which == "offset" and _int(value):
                    getattr(view_of.mutable(t), side).offset = value
                elif which == "bucket_counts" and isinstance(value, list) and all(_int(v) for v in value):
                    getattr(view_of.mutable(t), side).bucket_counts[:] = value

            return get, set_

        return build

    def exemplars(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            view = view_of(t)
            return list(view.exemplars) if not isinstance(view._pb, _SUMMARY) else None

        return get, None

    def quantiles(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            view = view_of(t)
            if not isinstance(view._pb, _SUMMARY):
                return None
            return UnstorableList(view.quantile_values, "pmetric.SummaryDataPointValueAtQuantileSlice")

        return get, None

    with_counts = (_HISTO, _EXPO, _SUMMARY)
    return {
        "attributes": _common_attributes(view_of),
        "start_time_unix_nano": lambda sub, keys: _int_field(view_of, "start_time_unix_nano"),
        "time_unix_nano": lambda sub, keys: _int_field(view_of, "time_unix_nano"),
        "start_time": lambda sub, keys: _time_field(view_of, "start_time_unix_nano"),
        "time": lambda sub, keys: _time_field(view_of, "time_unix_nano"),
        "value_double": typed("as_double", (_NUMBER,), number),
        "value_int": typed("as_int", (_NUMBER,), integer),
        "flags": lambda sub, keys: _int_field(view_of, "flags"),
        "count": typed("count", with_counts, lambda v: _int(v) and v >= 0),
        "sum": typed("sum", with_counts, number),
        "bucket_counts": repeated("bucket_counts", (_HISTO,), int),
        "explicit_bounds": repeated("explicit_bounds", (_HISTO,), float),
        "scale": typed("scale", (_EXPO,), integer),
        "zero_count": typed("zero_count", (_EXPO,), lambda v: _int(v) and v >= 0),
        "positive": buckets("positive"),
        "negative": buckets("negative"),
        "exemplars": exemplars,
        "quantile_values": quantiles,
    }


def _log_paths(view_of: _Level) -> dict[str, Any]:
    body_of = attrgetter(f"{view_of.pb_path}.body")

    def body(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        if _need_no_sub("body", sub, ("string",)):
            if keys:
                raise CompileError('cannot index path "body.string"')

            def get(t: Any) -> Any:
                return Value(view_of.pb(t).body).as_string()

            def set_(t: Any, value: Any) -> None:
                if isinstance(value, str):
                    view_of.mutable(t).body.string_value = value

            return get, set_
        return _value_access(body_of, view_of.guard, keys)

    def ids(field: str, size: int, what: str) -> Callable[..., tuple[Getter, Setter | None]]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            if _need_no_sub(field, sub, ("string",)):
                return _id_string(view_of, field, size, what)
            return _id_field(view_of, field, size)

        return build

    return {
        "time_unix_nano": lambda sub, keys: _int_field(view_of, "time_unix_nano"),
        "observed_time_unix_nano": lambda sub, keys: _int_field(view_of, "observed_time_unix_nano"),
        "time": lambda sub, keys: _time_field(view_of, "time_unix_nano"),
        "observed_time": lambda sub, keys: _time_field(view_of, "observed_time_unix_nano"),
        "severity_number": lambda sub, keys: _int_field(view_of, "severity_number"),
        "severity_text": lambda sub, keys: _str_field(view_of, "severity_text"),
        "body": body,
        "attributes": _common_attributes(view_of),
        "dropped_attributes_count": lambda sub, keys: _int_field(view_of, "dropped_attributes_count"),
        "flags": lambda sub, keys: _int_field(view_of, "flags"),
        "trace_id": ids("trace_id", 16, "trace id"),
        "span_id": ids("span_id", 8, "span id"),
        "event_name": lambda sub, keys: _str_field(view_of, "event_name"),
    }


# obj -> (view attribute, protobuf attribute chain, guard attribute chain, key index slot)
_LEVELS: dict[str, tuple[str, str, str, int]] = {
    "resource": ("resource", "resource._pb", "resource._guard", IX_RESOURCE),
    "scope": ("scope", "scope._pb", "scope._guard", IX_SCOPE),
    "span": ("span", "span_pb", "span_guard", IX_ITEM),
    "spanevent": ("event", "event_pb", "event_guard", IX_SUB),
    "metric": ("metric", "metric_pb", "metric_guard", IX_ITEM),
    "datapoint": ("datapoint", "datapoint_pb", "datapoint_guard", IX_SUB),
    "log": ("log", "log_pb", "log_guard", IX_ITEM),
}


def _container(name: str) -> _Level:
    """The ResourceX / ScopeX container (``schema_url``), a view held by the context."""
    return _Level(name, f"{name}._pb", f"{name}._guard", None)


_LABELS = {
    "resource": "Resource",
    "scope": "Instrumentation Scope",
    "span": "Span",
    "spanevent": "Span Event",
    "metric": "Metric",
    "datapoint": "DataPoint",
    "log": "Log",
}


def _table(obj: str) -> dict[str, Any]:
    view_of = _Level(*_LEVELS[obj])
    if obj == "resource":
        return _resource_paths(view_of, _container("resource_container"))
    if obj == "scope":
        return _scope_paths(view_of, _container("scope_container"))
    if obj == "span":
        return _span_paths(view_of)
    if obj == "spanevent":
        return _spanevent_paths(view_of)
    if obj == "metric":
        return _metric_paths(view_of)
    if obj == "datapoint":
        return _datapoint_paths(view_of)
    return _log_paths(view_of)


_TABLES: dict[str, dict[str, Any]] = {name: _table(name) for name in _LEVELS}


def segments_of(obj: str) -> list[str]:
    """The first segments a context's paths may start with (for messages and tests)."""
    return sorted([*_TABLES[obj], "cache"])


def _cache(keys: list[Getter]) -> tuple[Getter, Setter]:
    return _map_access(lambda t: t.cache._kvs, lambda t: t.cache._guard, keys)


def resolve(obj: str, fields: list[tuple[str, list[Getter]]], own: bool, path_text: str) -> PathAccessor:
    """The accessor for ``fields`` (the path after its context prefix) of context ``obj``.
    ``own``: the path belongs to the transform context itself (only it has a ``cache``)."""
    name, keys = fields[0]
    sub = [f[0] for f in fields[1:]]
    if any(f[1] for f in fields[1:]):
        # only the first segment after the context may be indexed
        raise CompileError(f'path "{path_text}" cannot be indexed there')
    if name == "cache" and own:
        if sub:
            raise CompileError(f'path "{path_text}": cache has no fields')
        get, set_ = _cache(keys)
        return PathAccessor(get, set_, path_text)
    builder = _TABLES[obj].get(name)
    if builder is None:
        raise CompileError(
            f'segment "{name}" from path "{path_text}" is not a valid path nor a valid OTTL keyword for the {_LABELS[obj]} context'
        )
    if keys and name not in ("attributes", "metadata", "body", "trace_state"):
        raise CompileError(f'path "{path_text}" cannot be indexed')
    if sub and name not in ("kind", "trace_id", "span_id", "parent_span_id", "status", "body", "positive", "negative"):
        raise CompileError(
            f'segment "{sub[0]}" from path "{path_text}" is not a valid path nor a valid OTTL keyword for the {_LABELS[obj]} context'
        )
    built = builder(sub, keys)
    get, set_ = built
    return PathAccessor(get, set_, path_text)
