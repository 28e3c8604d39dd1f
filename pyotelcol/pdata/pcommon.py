"""Views over OTLP messages: ``Value``, ``Map``, ``ValueSlice``, ``Resource``, ``InstrumentationScope``
and the generic pieces the signal views (``ptrace``, ``pmetric``, ``plog``) are built from.

A view wraps one protobuf message and the *write guard* of the data it belongs to. Every change
made through a view asks the guard first: data shared read-only between consumers refuses the
change with ``ReadOnlyError``, and owned data drops its cached wire bytes so that ``to_wire()``
serializes the change. That is Go pdata's shared ``State`` (``pdata/internal/state.go``): no write
can be silently lost, and no consumer can change what another one reads.

Reading never copies: the getters return the protobuf's own values, and the views of nested
messages wrap the nested protobuf objects in place.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, Protocol, Self, TypeVar, overload

from google.protobuf.message import Message
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList
from opentelemetry.proto.resource.v1 import resource_pb2

__all__ = [
    "OWNED",
    "Field",
    "InstrumentationScope",
    "Map",
    "MapField",
    "MessageField",
    "ReadOnlyError",
    "Resource",
    "SliceField",
    "Value",
    "ValueSlice",
    "ValueType",
    "View",
    "ViewSlice",
    "WriteGuard",
    "any_value",
    "float_to_string",
    "key_value",
]


class ReadOnlyError(RuntimeError):
    """A change was attempted on data shared read-only between consumers."""


class WriteGuard(Protocol):
    """What a view asks before every change: raise if the data is read-only, else forget
    whatever was derived from the old contents (the received wire bytes, the item count)."""

    def before_write(self) -> None: ...


class _Owned:
    """The guard of data built directly from views (``Span.new()``, ...): always writable."""

    __slots__ = ()

    def before_write(self) -> None:
        return None


OWNED: WriteGuard = _Owned()

P = TypeVar("P", bound=Message)


class View(Generic[P]):
    """Base of every view: the wrapped message and the guard of the data it belongs to."""

    __slots__ = ("_guard", "_pb")
    proto_type: type[Message]

    def __init__(self, pb: P, guard: WriteGuard = OWNED) -> None:
        self._pb = pb
        self._guard = guard

    @classmethod
    def new(cls) -> Self:
        """A new, empty, writable value of this type, not attached to any data."""
        return cls(cls.proto_type())  # type: ignore[arg-type]

    @property
    def proto(self) -> P:
        """The wrapped protobuf, for reading (and for fast serialization). Never change it
        directly: use the view's setters, or ``mutable_proto()``."""
        return self._pb

    def mutable_proto(self) -> P:
        """The wrapped protobuf for a change the views do not offer (the guard runs first)."""
        self._guard.before_write()
        return self._pb

    def copy_to(self, dest: Self) -> None:
        """Replace ``dest``'s contents with a deep copy of this one (Go's ``CopyTo``)."""
        dest._guard.before_write()
        dest._pb.CopyFrom(self._pb)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._pb == other._pb

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._pb!r})".replace("\n", " ").strip()


T = TypeVar("T")


class Field(Generic[T]):
    """A scalar field of the wrapped message as a typed attribute: reads return the protobuf's
    value; assignments run the write guard first."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, view: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, view: View[Any], owner: type[Any]) -> T: ...
    def __get__(self, view: View[Any] | None, owner: type[Any]) -> T | Self:
        if view is None:
            return self
        value: T = getattr(view._pb, self._name)
        return value

    def __set__(self, view: View[Any], value: T) -> None:
        view._guard.before_write()
        setattr(view._pb, self._name, value)


V = TypeVar("V", bound=View[Any])


class ViewSlice(Generic[V]):
    """A repeated message field as a list of views (Go's ``XxxSlice``): index, iterate, append,
    remove by predicate, sort, move everything to another slice."""

    __slots__ = ("_guard", "_items", "_view")

    def __init__(self, items: Any, view: Callable[[Any, WriteGuard], V], guard: WriteGuard) -> None:
        self._items = items
        self._view = view
        self._guard = guard

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int) -> V:
        return self._view(self._items[index], self._guard)

    def __iter__(self) -> Iterator[V]:
        view, guard = self._view, self._guard
        for item in self._items:
            yield view(item, guard)

    def append_empty(self) -> V:
        """Add an empty element at the end and return its view (Go's ``AppendEmpty``)."""
        self._guard.before_write()
        return self._view(self._items.add(), self._guard)

    def append_copy(self, item: V) -> V:
        """Add a deep copy of ``item`` at the end and return its view."""
        self._guard.before_write()
        added = self._items.add()
        added.CopyFrom(item._pb)
        return self._view(added, self._guard)

    def remove_if(self, predicate: Callable[[V], bool]) -> int:
        """Remove every element for which ``predicate`` is true; return how many were removed.
        The guard runs only when something is removed."""
        view, guard = self._view, self._guard
        doomed = [i for i, item in enumerate(self._items) if predicate(view(item, guard))]
        if doomed:
            guard.before_write()
            for i in reversed(doomed):
                del self._items[i]
        return len(doomed)

    def sort(self, key: Callable[[V], Any]) -> None:
        """Sort in place by ``key`` (stable)."""
        view, guard = self._view, self._guard
        order = sorted(range(len(self._items)), key=lambda i: key(view(self._items[i], guard)))
        if order == list(range(len(order))):
            return
        guard.before_write()
        copies = [type(self._items[i])() for i in order]
        for copy, i in zip(copies, order, strict=True):
            copy.CopyFrom(self._items[i])
        del self._items[:]
        self._items.extend(copies)

    def move_and_append_to(self, dest: ViewSlice[V]) -> None:
        """Move every element to the end of ``dest``, leaving this slice empty (Go's
        ``MoveAndAppendTo``)."""
        if not len(self._items):
            return
        self._guard.before_write()
        dest._guard.before_write()
        dest._items.extend(self._items)
        del self._items[:]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(len={len(self)})"


class SliceField(Generic[V]):
    """A repeated message field of the wrapped message, read as a ``ViewSlice`` of ``view``s."""

    __slots__ = ("_name", "_view")

    def __init__(self, name: str, view: Callable[[Any, WriteGuard], V]) -> None:
        self._name = name
        self._view = view

    @overload
    def __get__(self, owner_view: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, owner_view: View[Any], owner: type[Any]) -> ViewSlice[V]: ...
    def __get__(self, owner_view: View[Any] | None, owner: type[Any]) -> ViewSlice[V] | Self:
        if owner_view is None:
            return self
        return ViewSlice(getattr(owner_view._pb, self._name), self._view, owner_view._guard)


class MessageField(Generic[V]):
    """A singular message field of the wrapped message, read as a ``view`` of it in place
    (Go's ``Span.Status()``, ``ResourceSpans.Resource()``)."""

    __slots__ = ("_name", "_view")

    def __init__(self, name: str, view: Callable[[Any, WriteGuard], V]) -> None:
        self._name = name
        self._view = view

    @overload
    def __get__(self, owner_view: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, owner_view: View[Any], owner: type[Any]) -> V: ...
    def __get__(self, owner_view: View[Any] | None, owner: type[Any]) -> V | Self:
        if owner_view is None:
            return self
        return self._view(getattr(owner_view._pb, self._name), owner_view._guard)


# --- values -------------------------------------------------------------------------------------


class ValueType(Enum):
    """The type of a ``Value``, named as Go's ``pcommon.ValueType`` prints it."""

    EMPTY = "Empty"
    STR = "Str"
    INT = "Int"
    DOUBLE = "Double"
    BOOL = "Bool"
    MAP = "Map"
    SLICE = "Slice"
    BYTES = "Bytes"


_TYPE_BY_ONEOF = {
    None: ValueType.EMPTY,
    "string_value": ValueType.STR,
    "int_value": ValueType.INT,
    "double_value": ValueType.DOUBLE,
    "bool_value": ValueType.BOOL,
    "kvlist_value": ValueType.MAP,
    "array_value": ValueType.SLICE,
    "bytes_value": ValueType.BYTES,
}


def float_to_string(value: float) -> str:
    """A float64 as Go's ``Value.AsString`` and JSON encoders print it (ES6 number-to-string:
    shortest round-trip digits, exponent form below 1e-6 and from 1e21, ``e-7`` not ``e-07``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign_bit, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    sign = "-" if sign_bit else ""
    digits = "".join(map(str, digit_tuple))
    exp10 = len(digits) - 1 + int(exponent)
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10)}"
    if exp10 >= 0:
        whole = digits[: exp10 + 1].ljust(exp10 + 1, "0")
        frac = digits[exp10 + 1 :]
    else:
        whole, frac = "0", "0" * (-exp10 - 1) + digits
    return sign + whole + ("." + frac if frac else "")


def _json_text(raw: Any) -> str:
    """Go's ``json.Marshal`` of an ``AsRaw`` result: sorted map keys, bytes in base64, and NaN or
    infinities (which Go's encoder refuses) as ``null``."""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return float_to_string(raw) if math.isfinite(raw) else "null"
    if isinstance(raw, str):
        return json.dumps(raw, ensure_ascii=False)
    if isinstance(raw, bytes):
        return '"' + base64.b64encode(raw).decode() + '"'
    if isinstance(raw, dict):
        return "{" + ",".join(f"{_json_text(k)}:{_json_text(raw[k])}" for k in sorted(raw)) + "}"
    return "[" + ",".join(_json_text(v) for v in raw) + "]"


def _raw(pb: AnyValue) -> Any:
    kind = pb.WhichOneof("value")
    if kind is None:
        return None
    if kind == "kvlist_value":
        return {kv.key: _raw(kv.value) for kv in pb.kvlist_value.values}
    if kind == "array_value":
        return [_raw(v) for v in pb.array_value.values]
    return getattr(pb, kind)


def _set_raw(pb: AnyValue, raw: Any) -> None:
    """Fill ``pb`` from a plain Python value (Go's ``Value.FromRaw``)."""
    if raw is None:
        pb.ClearField("value")
    elif isinstance(raw, bool):
        pb.bool_value = raw
    elif isinstance(raw, int):
        pb.int_value = raw
    elif isinstance(raw, float):
        pb.double_value = raw
    elif isinstance(raw, str):
        pb.string_value = raw
    elif isinstance(raw, bytes | bytearray | memoryview):
        pb.bytes_value = bytes(raw)
    elif isinstance(raw, Mapping):
        pb.kvlist_value.Clear()
        values = pb.kvlist_value.values
        for key, item in raw.items():
            kv = values.add()
            kv.key = str(key)
            _set_raw(kv.value, item)
    elif isinstance(raw, Sequence):
        pb.array_value.Clear()
        items = pb.array_value.values
        for item in raw:
            _set_raw(items.add(), item)
    else:
        raise TypeError(f"cannot store a {type(raw).__name__} in an OTLP value")


class Value(View[AnyValue]):
    """One attribute value (Go's ``pcommon.Value``). Typed getters return the zero value when
    the value holds another type, as Go's do."""

    __slots__ = ()
    proto_type = AnyValue

    @property
    def type(self) -> ValueType:
        return _TYPE_BY_ONEOF[self._pb.WhichOneof("value")]

    # Typed getters return the zero value when the value holds another type; assigning one of them
    # (``value.str_value = "x"``) is the same as its ``set_*`` method.
    str_value = Field[str]("string_value")
    int_value = Field[int]("int_value")
    double_value = Field[float]("double_value")
    bool_value = Field[bool]("bool_value")
    bytes_value = Field[bytes]("bytes_value")

    @property
    def map(self) -> Map:
        """The map this value holds (empty and detached-looking when it holds no map)."""
        return Map(self._pb.kvlist_value.values, self._guard)

    @property
    def slice(self) -> ValueSlice:
        return ValueSlice(self._pb.array_value.values, self._guard)

    def set_str(self, value: str) -> None:
        self.str_value = value

    def set_int(self, value: int) -> None:
        self.int_value = value

    def set_double(self, value: float) -> None:
        self.double_value = value

    def set_bool(self, value: bool) -> None:
        self.bool_value = value

    def set_bytes(self, value: bytes) -> None:
        self.bytes_value = value

    def set_empty(self) -> None:
        self._guard.before_write()
        self._pb.ClearField("value")

    def set_empty_map(self) -> Map:
        self._guard.before_write()
        self._pb.ClearField("value")
        self._pb.kvlist_value.SetInParent()
        return Map(self._pb.kvlist_value.values, self._guard)

    def set_empty_slice(self) -> ValueSlice:
        self._guard.before_write()
        self._pb.ClearField("value")
        self._pb.array_value.SetInParent()
        return ValueSlice(self._pb.array_value.values, self._guard)

    def from_raw(self, raw: Any) -> None:
        """Replace the value with a plain Python one: None, bool, int, float, str, bytes, a
        mapping or a sequence (Go's ``FromRaw``)."""
        self._guard.before_write()
        _set_raw(self._pb, raw)

    def as_raw(self) -> Any:
        """The value as plain Python: None, bool, int, float, str, bytes, dict or list."""
        return _raw(self._pb)

    def as_string(self) -> str:
        """Go's ``Value.AsString``: strings as they are, numbers and booleans as Go prints them,
        bytes in base64, maps and slices as compact JSON with sorted keys, empty as ""."""
        pb = self._pb
        kind = pb.WhichOneof("value")
        if kind is None:
            return ""
        if kind == "string_value":
            return pb.string_value
        if kind == "bool_value":
            return "true" if pb.bool_value else "false"
        if kind == "int_value":
            return str(pb.int_value)
        if kind == "double_value":
            return float_to_string(pb.double_value)
        if kind == "bytes_value":
            return base64.b64encode(pb.bytes_value).decode()
        return _json_text(_raw(pb))


def _value_view(pb: Any, guard: WriteGuard) -> Value:
    return Value(pb, guard)


class ValueSlice(ViewSlice[Value]):
    """The values of an array attribute (Go's ``pcommon.Slice``)."""

    __slots__ = ()

    def __init__(self, items: Any, guard: WriteGuard = OWNED) -> None:
        super().__init__(items, _value_view, guard)

    @classmethod
    def new(cls) -> ValueSlice:
        return cls(ArrayValue().values)

    def as_raw(self) -> list[Any]:
        return [_raw(v) for v in self._items]

    def from_raw(self, raw: Sequence[Any]) -> None:
        self._guard.before_write()
        del self._items[:]
        for item in raw:
            _set_raw(self._items.add(), item)


class Map:
    """Attributes (Go's ``pcommon.Map``): string keys, ``Value`` values, insertion order kept.
    Lookups are linear, like Go's; the ``put_*`` methods replace an existing key's value."""

    __slots__ = ("_guard", "_kvs")

    def __init__(self, kvs: Any, guard: WriteGuard = OWNED) -> None:
        self._kvs = kvs
        self._guard = guard

    @classmethod
    def new(cls) -> Map:
        return cls(KeyValueList().values)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> Map:
        attrs = cls.new()
        attrs.put_all(raw)
        return attrs

    def __len__(self) -> int:
        return len(self._kvs)

    def __contains__(self, key: object) -> bool:
        return any(kv.key == key for kv in self._kvs)

    def __iter__(self) -> Iterator[str]:
        for kv in self._kvs:
            yield kv.key

    def items(self) -> Iterator[tuple[str, Value]]:
        guard = self._guard
        for kv in self._kvs:
            yield kv.key, Value(kv.value, guard)

    def get(self, key: str) -> Value | None:
        for kv in self._kvs:
            if kv.key == key:
                return Value(kv.value, self._guard)
        return None

    def _slot(self, key: str) -> AnyValue:
        """The value message for ``key``, created (empty) when missing; guard already run."""
        for kv in self._kvs:
            if kv.key == key:
                return kv.value  # type: ignore[no-any-return]
        kv = self._kvs.add()
        kv.key = key
        return kv.value  # type: ignore[no-any-return]

    def put_empty(self, key: str) -> Value:
        self._guard.before_write()
        slot = self._slot(key)
        slot.ClearField("value")
        return Value(slot, self._guard)

    def put_str(self, key: str, value: str) -> None:
        self._guard.before_write()
        self._slot(key).string_value = value

    def put_int(self, key: str, value: int) -> None:
        self._guard.before_write()
        self._slot(key).int_value = value

    def put_double(self, key: str, value: float) -> None:
        self._guard.before_write()
        self._slot(key).double_value = value

    def put_bool(self, key: str, value: bool) -> None:
        self._guard.before_write()
        self._slot(key).bool_value = value

    def put_bytes(self, key: str, value: bytes) -> None:
        self._guard.before_write()
        self._slot(key).bytes_value = value

    def put_empty_map(self, key: str) -> Map:
        return self.put_empty(key).set_empty_map()

    def put_empty_slice(self, key: str) -> ValueSlice:
        return self.put_empty(key).set_empty_slice()

    def put(self, key: str, raw: Any) -> None:
        """Store a plain Python value (see ``Value.from_raw``)."""
        self._guard.before_write()
        _set_raw(self._slot(key), raw)

    def put_all(self, raw: Mapping[str, Any]) -> None:
        for key, value in raw.items():
            self.put(key, value)

    def put_copy(self, key: str, value: Value) -> None:
        """Store a deep copy of ``value`` under ``key``."""
        self._guard.before_write()
        self._slot(key).CopyFrom(value._pb)

    def remove(self, key: str) -> bool:
        """Remove ``key``; ``False`` when it was not there."""
        for i, kv in enumerate(self._kvs):
            if kv.key == key:
                self._guard.before_write()
                del self._kvs[i]
                return True
        return False

    def remove_if(self, predicate: Callable[[str, Value], bool]) -> int:
        """Remove every entry for which ``predicate(key, value)`` is true; return how many."""
        guard = self._guard
        doomed = [i for i, kv in enumerate(self._kvs) if predicate(kv.key, Value(kv.value, guard))]
        if doomed:
            guard.before_write()
            for i in reversed(doomed):
                del self._kvs[i]
        return len(doomed)

    def clear(self) -> None:
        if len(self._kvs):
            self._guard.before_write()
            del self._kvs[:]

    def copy_to(self, dest: Map) -> None:
        """Replace ``dest``'s entries with deep copies of these."""
        dest._guard.before_write()
        del dest._kvs[:]
        for kv in self._kvs:
            dest._kvs.add().CopyFrom(kv)

    def as_raw(self) -> dict[str, Any]:
        return {kv.key: _raw(kv.value) for kv in self._kvs}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Map) and list(self._kvs) == list(other._kvs)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Map({self.as_raw()!r})"


class MapField:
    """An attributes field (``repeated KeyValue``) of the wrapped message, read as a ``Map``."""

    __slots__ = ("_name",)

    def __init__(self, name: str = "attributes") -> None:
        self._name = name

    @overload
    def __get__(self, owner_view: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, owner_view: View[Any], owner: type[Any]) -> Map: ...
    def __get__(self, owner_view: View[Any] | None, owner: type[Any]) -> Map | Self:
        if owner_view is None:
            return self
        return Map(getattr(owner_view._pb, self._name), owner_view._guard)


# --- resource and scope -------------------------------------------------------------------------


class Resource(View[resource_pb2.Resource]):
    """The entity that produced the data (Go's ``pcommon.Resource``)."""

    __slots__ = ()
    proto_type = resource_pb2.Resource
    attributes = MapField()
    dropped_attributes_count = Field[int]("dropped_attributes_count")


class InstrumentationScope(View[common_pb2.InstrumentationScope]):
    """The library that produced the data (Go's ``pcommon.InstrumentationScope``)."""

    __slots__ = ()
    proto_type = common_pb2.InstrumentationScope
    name = Field[str]("name")
    version = Field[str]("version")
    attributes = MapField()
    dropped_attributes_count = Field[int]("dropped_attributes_count")


# --- builders (also used by tests and plug-in authors) -------------------------------------------


def any_value(value: Any) -> AnyValue:
    """An OTLP ``AnyValue`` message from a plain Python value (see ``Value.from_raw``)."""
    pb = AnyValue()
    _set_raw(pb, value)
    return pb


def key_value(key: str, value: Any) -> KeyValue:
    """An OTLP attribute message: ``key_value("http.status_code", 200)``."""
    kv = KeyValue(key=key)
    _set_raw(kv.value, value)
    return kv
