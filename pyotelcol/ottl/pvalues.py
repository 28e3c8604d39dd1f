"""Reading and writing OTLP ``AnyValue`` / ``KeyValue`` messages as OTTL values.

These work on the protobuf messages under a view, with the view's write guard: what a path
getter returns for an attribute (``str``, ``int``, ..., a ``Map``/``ValueSlice`` view for nested
maps and slices, ``None`` for an empty value) and what a setter stores (Go's ``SetValue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValueList

from ..pdata.pcommon import Map, Value, ValueSlice, WriteGuard, _set_raw
from .functions import ExecutionError
from .values import IdBytes, UnstorableList

__all__ = ["descend_for_set", "find_kv", "index_value", "put_kv", "read_value", "write_value"]


def read_value(pb: AnyValue, guard: WriteGuard) -> Any:
    """An attribute value as OTTL sees it (Go's ``GetValue``)."""
    kind = pb.WhichOneof("value")
    if kind is None:
        return None
    if kind == "kvlist_value":
        return Map(pb.kvlist_value.values, guard)
    if kind == "array_value":
        return ValueSlice(pb.array_value.values, guard)
    return getattr(pb, kind)


def find_kv(kvs: Any, key: str) -> AnyValue | None:
    for kv in kvs:
        if kv.key == key:
            return kv.value  # type: ignore[no-any-return]
    return None


def put_kv(kvs: Any, key: str) -> AnyValue:
    """The value slot of ``key``, added (empty) when missing. The caller ran the guard."""
    for kv in kvs:
        if kv.key == key:
            return kv.value  # type: ignore[no-any-return]
    kv = kvs.add()
    kv.key = key
    return kv.value  # type: ignore[no-any-return]


def _key_kind(key: Any) -> str:
    if isinstance(key, str):
        return "string"
    if isinstance(key, int) and not isinstance(key, bool):
        return "int"
    return "other"


def index_value(pb: AnyValue, key: Any) -> AnyValue | None:
    """One ``[key]`` step below an attribute value; None when a map has no such key."""
    kind = pb.WhichOneof("value")
    key_kind = _key_kind(key)
    if kind == "kvlist_value":
        if key_kind != "string":
            raise ExecutionError("map must be indexed by a string")
        return find_kv(pb.kvlist_value.values, key)
    if kind == "array_value":
        if key_kind != "int":
            raise ExecutionError("slice must be indexed by an int")
        items = pb.array_value.values
        if key < 0 or key >= len(items):
            raise ExecutionError(f"index {key} out of bounds")
        return items[key]  # type: ignore[no-any-return]
    if kind is None:
        return None
    type_name = {"string_value": "Str", "int_value": "Int", "double_value": "Double", "bool_value": "Bool"}.get(
        kind, "Bytes"
    )
    raise ExecutionError(f"type {type_name} does not support {key_kind} indexing")


def descend_for_set(pb: AnyValue, key: Any) -> AnyValue:
    """One ``[key]`` step for a write: an empty value becomes a map (string key) or a slice
    grown to the index (int key), as Go's ``setIndexableValue`` does. The caller ran the guard."""
    kind = pb.WhichOneof("value")
    key_kind = _key_kind(key)
    if kind == "kvlist_value":
        if key_kind != "string":
            raise ExecutionError("map must be indexed by a string")
        return put_kv(pb.kvlist_value.values, key)
    if kind == "array_value":
        if key_kind != "int":
            raise ExecutionError("slice must be indexed by an int")
        items = pb.array_value.values
        if key < 0 or key >= len(items):
            raise ExecutionError(f"index {key} out of bounds")
        return items[key]  # type: ignore[no-any-return]
    if kind is None:
        if key_kind == "string":
            pb.kvlist_value.SetInParent()
            return put_kv(pb.kvlist_value.values, key)
        if key_kind == "int" and key >= 0:
            pb.array_value.SetInParent()
            items = pb.array_value.values
            for _ in range(key):
                items.add()
            return items.add()
        raise ExecutionError(f"invalid key {key!r}")
    raise ExecutionError(f"type {_TYPE_NAMES.get(kind, kind)} does not support {key_kind} indexing")


_TYPE_NAMES = {"string_value": "Str", "int_value": "Int", "double_value": "Double", "bool_value": "Bool"}


def write_value(pb: AnyValue, value: Any) -> bool:
    """Store an OTTL value into an attribute slot (Go's ``SetValue``). A type Go cannot store
    (a time, a duration, a trace or span ID, bucket counts, quantile values) leaves the slot as
    it was and fails the statement, as Go's "unsupported type ... for set operation" does. The caller ran the guard. Map and
    slice views are copied, so the source may be the target itself."""
    if isinstance(value, IdBytes | UnstorableList):
        raise _unsupported(value)
    if isinstance(value, str):
        pb.string_value = value
    elif isinstance(value, bool):
        pb.bool_value = value
    elif isinstance(value, int):
        pb.int_value = value
    elif isinstance(value, float):
        pb.double_value = value
    elif isinstance(value, bytes | bytearray):
        pb.bytes_value = bytes(value)
    elif isinstance(value, Map):
        copy = KeyValueList()
        copy.values.extend(value._kvs)
        pb.kvlist_value.CopyFrom(copy)
    elif isinstance(value, ValueSlice):
        copy_slice = ArrayValue()
        copy_slice.values.extend(value._items)
        pb.array_value.CopyFrom(copy_slice)
    elif isinstance(value, Value):
        snapshot = AnyValue()
        snapshot.CopyFrom(value._pb)
        pb.CopyFrom(snapshot)
    elif value is None:
        pb.ClearField("value")
    elif isinstance(value, Mapping | list | tuple):
        try:
            _set_raw(pb, _plain(value))
        except TypeError:
            raise _unsupported(value) from None
    else:
        raise _unsupported(value)
    return True


def _unsupported(value: Any) -> ExecutionError:
    from .values import go_type_name

    return ExecutionError(f"unsupported type {go_type_name(value)} for set operation")


def _plain(value: Any) -> Any:
    if isinstance(value, Map | ValueSlice | Value):
        return value.as_raw()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def write_map(kvs: Any, value: Any) -> bool:
    """Replace a whole attribute map with a Map view or a dict; False for other types."""
    if isinstance(value, Map):
        copy = KeyValueList()
        copy.values.extend(value._kvs)
        del kvs[:]
        kvs.extend(copy.values)
        return True
    if isinstance(value, Mapping):
        raw = _plain(value)
        del kvs[:]
        for key, item in raw.items():
            kv = kvs.add()
            kv.key = key
            _set_raw(kv.value, item)
        return True
    return False
