"""Stream identity keys: equal for the same attributes in any order, different for any other
value or type."""

from __future__ import annotations

import math
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import KeyValue

from pyotelcol.helpers.metricstreams import attributes_key, map_key, scope_key, value_key
from pyotelcol.pdata.pcommon import InstrumentationScope, Map, any_value, key_value


def kvs(*pairs: tuple[str, Any]) -> list[KeyValue]:
    return [key_value(k, v) for k, v in pairs]


def test_order_does_not_matter_and_the_first_duplicate_wins() -> None:
    assert attributes_key(kvs(("a", 1), ("b", "x"))) == attributes_key(kvs(("b", "x"), ("a", 1)))
    assert attributes_key(kvs(("a", 1), ("a", 2))) == attributes_key(kvs(("a", 1)))
    assert map_key(Map.from_raw({"b": "x", "a": 1})) == attributes_key(kvs(("a", 1), ("b", "x")))


def test_values_compare_with_their_types() -> None:
    keys = [value_key(any_value(v)) for v in (1, 1.0, "1", True, b"1", [1], {"k": 1}, None, -0.0, 0.0, math.nan)]
    assert len(set(keys)) == len(keys)
    assert value_key(any_value(math.nan)) == value_key(any_value(math.nan))
    assert value_key(any_value({"a": [1, {"b": 2}], "c": 3})) == value_key(any_value({"c": 3, "a": [1, {"b": 2}]}))


def test_scope_key() -> None:
    scope = InstrumentationScope.new()
    scope.name, scope.version = "lib", "1.0"
    scope.attributes.put_str("x", "y")
    assert scope_key(scope) == ("lib", "1.0", (("x", ("s", "y")),))
