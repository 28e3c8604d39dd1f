"""Identity of metric streams: hashable keys for attribute sets, resources, scopes and metrics.

Stateful metric processors (``cumulative_to_delta``, ...) keep per-stream state keyed by what Go's
``pdata/xpdata/xhash.MapHash`` and the processors' ``MetricIdentity`` hash: the resource
attributes, the scope name, version and attributes, the metric's name, unit and kind, and the
data point attributes. Attribute sets compare regardless of key order, values compare with their
type (``1`` is not ``"1"``, ``1`` is not ``1.0``), and nested maps and lists compare deeply.

The keys are exact tuples rather than digests, so two different streams never share state.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from pyotelcol.pdata.pcommon import InstrumentationScope, Map, Resource

__all__ = [
    "AttributesKey",
    "attributes_key",
    "map_key",
    "resource_key",
    "scope_key",
    "value_key",
]

#: An attribute set as sorted ``(key, value_key)`` pairs.
AttributesKey = tuple[tuple[str, Hashable], ...]


def value_key(value: AnyValue) -> Hashable:
    """A hashable, typed form of one attribute value."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return ("s", value.string_value)
    if kind == "int_value":
        return ("i", value.int_value)
    if kind == "double_value":
        # float.hex keeps -0.0 apart from 0.0 and makes every NaN equal to itself
        return ("d", value.double_value.hex())
    if kind == "bool_value":
        return ("b", value.bool_value)
    if kind == "bytes_value":
        return ("y", value.bytes_value)
    if kind == "array_value":
        return ("a", tuple(value_key(item) for item in value.array_value.values))
    if kind == "kvlist_value":
        return ("m", attributes_key(value.kvlist_value.values))
    return ("e",)


def attributes_key(kvs: Iterable[KeyValue]) -> AttributesKey:
    """The key of an attribute list (the protobuf ``repeated KeyValue``), independent of order."""
    return _pairs_key((kv.key, kv.value) for kv in kvs)


def map_key(attributes: Map) -> AttributesKey:
    """``attributes_key`` of a ``pcommon.Map`` view."""
    return _pairs_key((key, value.proto) for key, value in attributes.items())


def _pairs_key(pairs: Iterable[tuple[str, AnyValue]]) -> AttributesKey:
    # A key listed twice counts once, with its first value, as Go's ``Map.Get`` finds it.
    seen: dict[str, Hashable] = {}
    for key, value in pairs:
        if key not in seen:
            seen[key] = value_key(value)
    return tuple(sorted(seen.items()))


def resource_key(resource: Resource) -> AttributesKey:
    """A resource's identity: its attributes (Go hashes only those)."""
    return attributes_key(resource.proto.attributes)


def scope_key(scope: InstrumentationScope) -> tuple[str, str, AttributesKey]:
    """A scope's identity: name, version and attributes."""
    pb = scope.proto
    return (pb.name, pb.version, attributes_key(pb.attributes))
