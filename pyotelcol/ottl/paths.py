"""Path getters and setters for every OTTL context (Go's ``contexts/internal/ctx*`` packages).

``resolve(obj, fields, keys_of, own)`` turns the path segments after the context prefix into a
:class:`PathAccessor` whose ``get(tctx)`` / ``set(tctx, value)`` read and write the pdata views
held by the transform context. Everything is decided here, once: the per-item work is a chain of
attribute reads on the protobuf messages under the views. Setters ignore values of the wrong
type, as Go's do; writes run the data's write guard first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from opentelemetry.proto.metrics.v1 import metrics_pb2

from ..pdata.pcommon import Map
from .functions import CompileError, ExecutionError, Getter
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


def _scalar(view_of: Callable[[Any], Any], field: str, check: Callable[[Any], bool]) -> tuple[Getter, Setter]:
    def get(t: Any) -> Any:
        return getattr(view_of(t)._pb, field)

    def set_(t: Any, value: Any) -> None:
        if check(value):
            setattr(view_of(t).mutable_proto(), field, value)

    return get, set_


def _str_field(view_of: Callable[[Any], Any], field: str) -> tuple[Getter, Setter]:
    return _scalar(view_of, field, lambda v: isinstance(v, str))


def _int_field(view_of: Callable[[Any], Any], field: str) -> tuple[Getter, Setter]:
    def check(value: Any) -> bool:
        return _int(value)

    return _scalar(view_of, field, check)


def _time_field(view_of: Callable[[Any], Any], field: str) -> tuple[Getter, Setter]:
    def get(t: Any) -> Any:
        return time_from_unix_nanos(getattr(view_of(t)._pb, field))

    def set_(t: Any, value: Any) -> None:
        if isinstance(value, Time) or hasattr(value, "tzinfo"):
            setattr(view_of(t).mutable_proto(), field, max(0, unix_nanos(value)))

    return get, set_


def _id_field(view_of: Callable[[Any], Any], field: str, size: int) -> tuple[Getter, Setter]:
    def get(t: Any) -> Any:
        # Go reads a fixed-size ID array: an unset ID is all zeros.
        raw = getattr(view_of(t)._pb, field)
        return IdBytes(raw) if len(raw) == size else IdBytes(size)

    def set_(t: Any, value: Any) -> None:
        if isinstance(value, bytes | bytearray) and len(value) == size:
            # pdata writes an all-zero (empty) ID as no bytes at all.
            setattr(view_of(t).mutable_proto(), field, bytes(value) if any(value) else b"")

    return get, set_


def _id_string(view_of: Callable[[Any], Any], field: str, size: int, what: str) -> tuple[Getter, Setter]:
    def get(t: Any) -> Any:
        raw = getattr(view_of(t)._pb, field)
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
        setattr(view_of(t).mutable_proto(), field, raw)

    return get, set_


def _key_getter(keys: list[Getter]) -> Callable[[Any], list[Any]]:
    return lambda t: [k(t) for k in keys]


def _map_access(
    kvs_of: Callable[[Any], Any],
    guard_of: Callable[[Any], Any],
    keys: list[Getter],
    pair_of: Callable[[Any], tuple[Any, Any]] | None = None,
) -> tuple[Getter, Setter]:
    """``attributes``, ``attributes["k"]``, ``attributes["k"][0]["x"]``... over a KeyValue list.
    ``pair_of`` (optional) gives the list and its guard in one call: the hot literal-key path uses it."""
    if pair_of is None:
        pair_of = lambda t: (kvs_of(t), guard_of(t))  # noqa: E731
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

        get_all.ottl_remove_key = _remove_key(pair_of)  # type: ignore[attr-defined]
        return get_all, set_all

    first, rest = keys[0], keys[1:]
    constant = getattr(first, "ottl_constant", None)
    if constant is not None and isinstance(constant[0], str) and not rest:
        return _map_key_access(pair_of, constant[0])

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


def _map_key_access(pair_of: Callable[[Any], tuple[Any, Any]], key: str) -> tuple[Getter, Setter]:
    """``attributes["literal"]``, the most common path. Statements on one item usually touch the
    same attribute list several times; each scan walks protobuf wrappers (about as costly as a
    statement), so the first access indexes the list's keys for the item and later ones look
    them up, while the data's write generation says nothing else changed it."""

    def get(t: Any) -> Any:
        kvs, guard = pair_of(t)
        index = _key_index(t, kvs, guard)
        if index is None:
            for kv in kvs:
                if kv.key == key:
                    return read_value(kv.value, guard)
            return None
        position = index.positions.get(key)
        return None if position is None else read_value(index.items[position].value, guard)

    def set_(t: Any, value: Any) -> None:
        kvs, guard = pair_of(t)
        index = _key_index(t, kvs, guard)
        guard.before_write()
        if index is None:
            write_value(put_kv(kvs, key), value)
            return
        position = index.positions.get(key)
        if position is None:
            kv = kvs.add()
            kv.key = key
            index.append(key, kv)
        else:
            kv = index.items[position]
        write_value(kv.value, value)
        index.generation = guard.write_generation  # this write kept it true

    return get, set_


def _remove_key(pair_of: Callable[[Any], tuple[Any, Any]]) -> Callable[[Any, str], bool]:
    """``delete_key`` on an attribute map through the item's key index: the removal finds its
    position without a scan and keeps the index true instead of forcing a rebuild."""

    def remove(t: Any, key: str) -> bool:
        kvs, guard = pair_of(t)
        index = _key_index(t, kvs, guard)
        if index is None:
            return Map(kvs, guard).remove(key)
        position = index.positions.get(key)
        if position is None:
            return False
        guard.before_write()
        del kvs[position]
        index.remove(position)
        index.generation = guard.write_generation
        return True

    return remove


#: indexes an item context keeps at most (its attributes, its resource's, its scope's, ...)
_INDEXES_PER_CONTEXT = 6


class _KeyIndex:
    """The KeyValue wrappers of one attribute list in order, and each key's first position (the
    entry a scan would find). Holds ``kvs`` so that its id stays unique while the index is kept."""

    __slots__ = ("generation", "items", "keys", "kvs", "positions")

    def __init__(self, kvs: Any, generation: int) -> None:
        self.kvs = kvs
        self.generation = generation
        self.items: list[Any] = list(kvs)
        self.keys: list[str] = [kv.key for kv in self.items]
        self.positions: dict[str, int] = {}
        self._reposition()

    def _reposition(self) -> None:
        positions = self.positions
        positions.clear()
        for i, k in enumerate(self.keys):
            positions.setdefault(k, i)

    def append(self, key: str, kv: Any) -> None:
        self.items.append(kv)
        self.keys.append(key)
        self.positions.setdefault(key, len(self.keys) - 1)

    def remove(self, position: int) -> None:
        del self.items[position]
        del self.keys[position]
        self._reposition()


def _key_index(t: Any, kvs: Any, guard: Any) -> _KeyIndex | None:
    """The key index of the list ``kvs`` for the item ``t``, rebuilt when the data was written
    since; None for data without a write generation (standalone views)."""
    generation = getattr(guard, "write_generation", None)
    if generation is None:
        return None
    indexes: dict[int, _KeyIndex] | None = t._kvindex
    if indexes is None:
        indexes = t._kvindex = {}
    index = indexes.get(id(kvs))
    if index is not None and index.generation == generation:
        return index
    if len(indexes) >= _INDEXES_PER_CONTEXT:
        indexes.clear()
    index = indexes[id(kvs)] = _KeyIndex(kvs, generation)
    return index


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


def _guard(view_of: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda t: view_of(t)._guard


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


def _common_attributes(view_of: Callable[[Any], Any], field: str = "attributes") -> Callable[..., Any]:
    getter = attrgetter("_pb." + field)

    def pair_of(t: Any) -> tuple[Any, Any]:
        view = view_of(t)
        return getattr(view._pb, field), view._guard

    def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        return _map_access(lambda t: getter(view_of(t)), _guard(view_of), keys, pair_of)

    return build


def _resource_paths(view_of: Callable[[Any], Any], container_of: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        "attributes": _common_attributes(view_of),
        "dropped_attributes_count": lambda sub, keys: _int_field(view_of, "dropped_attributes_count"),
        "schema_url": lambda sub, keys: _str_field(container_of, "schema_url"),
    }


def _scope_paths(view_of: Callable[[Any], Any], container_of: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        "name": lambda sub, keys: _str_field(view_of, "name"),
        "version": lambda sub, keys: _str_field(view_of, "version"),
        "attributes": _common_attributes(view_of),
        "dropped_attributes_count": lambda sub, keys: _int_field(view_of, "dropped_attributes_count"),
        "schema_url": lambda sub, keys: _str_field(container_of, "schema_url"),
    }


def _trace_state(view_of: Callable[[Any], Any], keys: list[Getter]) -> tuple[Getter, Setter | None]:
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
        for k, v in parse(view_of(t)._pb.trace_state):
            if k == key:
                return v
        return None

    def set_(t: Any, value: Any) -> None:
        if not isinstance(value, str):
            return
        key = key_of(t)
        members = [(k, v) for k, v in parse(view_of(t)._pb.trace_state) if k != key]
        members.insert(0, (key, value))
        view_of(t).mutable_proto().trace_state = ",".join(f"{k}={v}" for k, v in members)

    return get, set_


def _span_paths(view_of: Callable[[Any], Any]) -> dict[str, Any]:
    def kind(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        which = _need_no_sub("kind", sub, ("string", "deprecated_string"))
        if which is None:
            return _int_field(view_of, "kind")
        names = _KIND_NAMES if which == "string" else _KIND_DEPRECATED

        def get(t: Any) -> Any:
            value = view_of(t)._pb.kind
            return names[value] if 0 <= value < len(names) else ""

        def set_(t: Any, value: Any) -> None:
            if isinstance(value, str) and value in names:
                view_of(t).mutable_proto().kind = names.index(value)

        return get, set_

    def ids(field: str, size: int, what: str) -> Callable[..., tuple[Getter, Setter | None]]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            if _need_no_sub(field, sub, ("string",)):
                return _id_string(view_of, field, size, what)
            return _id_field(view_of, field, size)

        return build

    def status(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        status_of = attrgetter("status")
        if not sub:

            def get(t: Any) -> Any:
                return status_of(view_of(t))

            return get, None
        if sub == ["code"]:
            return _int_field(lambda t: status_of(view_of(t)), "code")
        if sub == ["message"]:
            return _str_field(lambda t: status_of(view_of(t)), "message")
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


def _spanevent_paths(view_of: Callable[[Any], Any]) -> dict[str, Any]:
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


def _metric_paths(view_of: Callable[[Any], Any]) -> dict[str, Any]:
    def mtype(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            return _METRIC_TYPES[view_of(t)._pb.WhichOneof("data")]

        return get, None

    def temporality(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            pb = view_of(t)._pb
            kind = pb.WhichOneof("data")
            if kind in ("sum", "histogram", "exponential_histogram"):
                return getattr(pb, kind).aggregation_temporality
            return 0

        def set_(t: Any, value: Any) -> None:
            if not _int(value):
                return
            pb = view_of(t)._pb
            kind = pb.WhichOneof("data")
            if kind in ("sum", "histogram", "exponential_histogram"):
                getattr(view_of(t).mutable_proto(), kind).aggregation_temporality = value

        return get, set_

    def monotonic(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        def get(t: Any) -> Any:
            pb = view_of(t)._pb
            return pb.sum.is_monotonic if pb.WhichOneof("data") == "sum" else False

        def set_(t: Any, value: Any) -> None:
            if isinstance(value, bool) and view_of(t)._pb.WhichOneof("data") == "sum":
                view_of(t).mutable_proto().sum.is_monotonic = value

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


def _datapoint_paths(view_of: Callable[[Any], Any]) -> dict[str, Any]:
    def typed(field: str, types: tuple[type, ...], check: Callable[[Any], bool]) -> Callable[..., Any]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            def get(t: Any) -> Any:
                pb = view_of(t)._pb
                return getattr(pb, field) if isinstance(pb, types) else None

            def set_(t: Any, value: Any) -> None:
                view = view_of(t)
                if isinstance(view._pb, types) and check(value):
                    setattr(view.mutable_proto(), field, value)

            return get, set_

        return build

    def number(value: Any) -> bool:
        return isinstance(value, float)

    def integer(value: Any) -> bool:
        return _int(value)

    def repeated(field: str, types: tuple[type, ...], item: type) -> Callable[..., Any]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            def get(t: Any) -> Any:
                pb = view_of(t)._pb
                if not isinstance(pb, types):
                    return None
                values = list(getattr(pb, field))
                # Go reads bucket counts as []uint64, which no attribute can hold.
                return UnstorableList(values, "[]uint64") if item is int else values

            def set_(t: Any, value: Any) -> None:
                view = view_of(t)
                if isinstance(view._pb, types) and isinstance(value, list) and all(type(v) is item for v in value):
                    getattr(view.mutable_proto(), field)[:] = value

            return get, set_

        return build

    def buckets(side: str) -> Callable[..., Any]:
        def build(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
            which = _need_no_sub(side, sub, ("offset", "bucket_counts"))

            def get(t: Any) -> Any:
                pb = view_of(t)._pb
                if not isinstance(pb, _EXPO):
                    return None
                b = getattr(pb, side)
                if which is None:
                    return getattr(view_of(t), side)
                return b.offset if which == "offset" else UnstorableList(b.bucket_counts, "[]uint64")

            def set_(t: Any, value: Any) -> None:
                view = view_of(t)
                if not isinstance(view._pb, _EXPO) or which is None:
                    return
                if which == "offset" and _int(value):
                    getattr(view.mutable_proto(), side).offset = value
                elif which == "bucket_counts" and isinstance(value, list) and all(_int(v) for v in value):
                    getattr(view.mutable_proto(), side).bucket_counts[:] = value

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


def _log_paths(view_of: Callable[[Any], Any]) -> dict[str, Any]:
    body_of = attrgetter("_pb.body")

    def body(sub: list[str], keys: list[Getter]) -> tuple[Getter, Setter | None]:
        if _need_no_sub("body", sub, ("string",)):
            if keys:
                raise CompileError('cannot index path "body.string"')

            def get(t: Any) -> Any:
                return view_of(t).body.as_string()

            def set_(t: Any, value: Any) -> None:
                if isinstance(value, str):
                    view_of(t).mutable_proto().body.string_value = value

            return get, set_
        return _value_access(lambda t: body_of(view_of(t)), _guard(view_of), keys)

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


_VIEW_ATTR = {
    "resource": "resource",
    "scope": "scope",
    "span": "span",
    "spanevent": "event",
    "metric": "metric",
    "datapoint": "datapoint",
    "log": "log",
}

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
    view_of = attrgetter(_VIEW_ATTR[obj])
    if obj == "resource":
        return _resource_paths(view_of, attrgetter("resource_container"))
    if obj == "scope":
        return _scope_paths(view_of, attrgetter("scope_container"))
    if obj == "span":
        return _span_paths(view_of)
    if obj == "spanevent":
        return _spanevent_paths(view_of)
    if obj == "metric":
        return _metric_paths(view_of)
    if obj == "datapoint":
        return _datapoint_paths(view_of)
    return _log_paths(view_of)


_TABLES: dict[str, dict[str, Any]] = {name: _table(name) for name in _VIEW_ATTR}


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
