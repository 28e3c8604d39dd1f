"""The per-item attribute key index behind ``attributes["literal"]`` paths: statements must see
exactly what a linear scan would, whatever wrote the list before (another statement, a
whole-map editor, a previous item), and duplicate keys behave as a scan finds them."""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import KeyValueList
from ottl.engine_data import attrs, first_span, logs, plain_attrs, record, span, traces

from pyotelcol.ottl import SpanContext, parse_statements
from pyotelcol.ottl.keyindex import KeyIndex
from pyotelcol.pdata import Traces
from pyotelcol.pdata.pcommon import Map, key_value
from pyotelcol.pdata.ptrace import Span


def run(statements: list[str], data: Any, signal: str = "traces") -> None:
    parse_statements(statements, signal, error_mode="propagate").execute(data)


def pairs(kvs: Any) -> list[tuple[str, Any]]:
    return [(kv.key, kv.value.string_value or kv.value.int_value) for kv in kvs]


def test_index_scans_lazily_and_keeps_first_positions() -> None:
    kvs = KeyValueList(values=[key_value(k, i) for i, k in enumerate(["a", "b", "a", "c"])]).values
    index = KeyIndex.of(kvs)
    assert index.find("b") == 1
    assert not index.complete and len(index.entries) == 2
    assert index.find("a") == 0  # the first of the repeated key
    assert index.find("zz") is None and index.complete
    assert dict(index) == {"a": 0, "b": 1, "c": 3}


def test_index_removal_moves_positions_and_promotes_the_next_duplicate() -> None:
    kvs = KeyValueList(values=[key_value(k, i) for i, k in enumerate(["a", "b", "a", "c"])]).values
    index = KeyIndex.of(kvs)
    index.find("zz")
    del kvs[0]
    index.remove(0, "a")
    assert dict(index) == {"b": 0, "a": 1, "c": 2}
    assert [kv.key for kv in index.entries] == ["b", "a", "c"]
    del kvs[index["b"]]
    index.remove(0, "b")
    assert dict(index) == {"a": 0, "c": 1}


def test_removal_before_the_rest_is_scanned() -> None:
    kvs = KeyValueList(values=[key_value(k, i) for i, k in enumerate(["a", "b", "a"])]).values
    index = KeyIndex.of(kvs)
    assert index.find("a") == 0
    del kvs[0]
    index.remove(0, "a")
    assert "a" not in index  # its next entry is not seen yet: the scan finds it
    assert index.find("a") == 1


def duplicated(*keys: str) -> dict[str, Any]:
    item = span()
    item["attributes"] = [attrs(**{k: f"{k}{i}"})[0] for i, k in enumerate(keys)]
    return item


def test_duplicate_keys_read_set_and_delete_as_a_scan_does() -> None:
    data = traces(duplicated("a", "b", "a"))
    run(
        [
            'set(span.attributes["first"], span.attributes["a"])',
            'set(span.attributes["a"], "x")',
            'delete_key(span.attributes, "a")',
            'set(span.attributes["second"], span.attributes["a"])',
        ],
        data,
    )
    got = first_span(data)["attributes"]
    assert [(a["key"], a["value"]["stringValue"]) for a in got] == [
        ("b", "b1"),
        ("a", "a2"),
        ("first", "a0"),
        ("second", "a2"),
    ]


def test_a_whole_map_editor_between_reads_is_seen() -> None:
    data = traces(span(a="1", b="2", c="3"))
    run(
        [
            'set(span.attributes["x"], span.attributes["a"])',
            'keep_keys(span.attributes, ["b", "x"])',
            'set(span.attributes["gone"], span.attributes["a"])',
            'merge_maps(span.attributes, {"a": "merged"}, "upsert")',
            'set(span.attributes["back"], span.attributes["a"])',
            'set(span.attributes, {"only": span.attributes["back"]})',
            'set(span.attributes["after"], span.attributes["only"])',
        ],
        data,
    )
    assert plain_attrs(first_span(data)["attributes"]) == {"only": "merged", "after": "merged"}


def test_scalar_writes_keep_reads_true() -> None:
    data = traces(span(a="1"))
    run(
        [
            'set(span.name, span.attributes["a"])',
            'set(span.attributes["a"], "2")',
            "set(span.status.code, 2)",
            'set(span.attributes["b"], Concat([span.name, span.attributes["a"]], "-"))',
            'delete_key(span.attributes, "a")',
            'set(span.attributes["c"], span.attributes["a"])',
        ],
        data,
    )
    got = first_span(data)
    assert got["name"] == "1"
    assert plain_attrs(got["attributes"]) == {"b": "1-2", "c": None}


def test_every_item_gets_its_own_index_and_the_resource_one_follows_writes() -> None:
    data = traces(span(name="s1", a="1"), span(name="s2", b="2"), span(name="s3", a="3"))
    run(
        [
            'set(span.attributes["copy"], span.attributes["a"])',
            'set(resource.attributes["last_a"], span.attributes["a"]) where span.attributes["a"] != nil',
            'set(span.attributes["seen"], resource.attributes["last_a"])',
            'delete_key(resource.attributes, "last_a") where span.name == "s2"',
        ],
        data,
    )
    spans = data.message.resource_spans[0].scope_spans[0].spans
    assert [pairs(s.attributes) for s in spans] == [
        [("a", "1"), ("copy", "1"), ("seen", "1")],
        [("b", "2"), ("copy", 0), ("seen", "1")],  # read before the delete below
        [("a", "3"), ("copy", "3"), ("seen", "3")],
    ]
    assert pairs(data.message.resource_spans[0].resource.attributes) == [("service.name", "svc"), ("last_a", "3")]


def test_span_event_context_indexes_span_and_event_attributes_apart() -> None:
    events = [{"name": "e1", "attributes": attrs(k="v1")}, {"name": "e2", "attributes": attrs(k="v2")}]
    data = traces(span(name="s1", events=events, k="span"), span(name="s2", events=events[:1], k="other"))
    run(
        [
            'set(spanevent.attributes["from_span"], span.attributes["k"])',
            'set(span.attributes["last_event"], spanevent.attributes["k"])',
        ],
        data,
    )
    spans = data.message.resource_spans[0].scope_spans[0].spans
    assert [pairs(e.attributes) for e in spans[0].events] == [
        [("k", "v1"), ("from_span", "span")],
        [("k", "v2"), ("from_span", "span")],
    ]
    assert pairs(spans[0].attributes) == [("k", "span"), ("last_event", "v2")]
    assert pairs(spans[1].attributes) == [("k", "other"), ("last_event", "v1")]


def test_log_records_and_nested_maps() -> None:
    data = logs(record(m={"x": "1"}, k="a"), record(k="b"))
    run(
        [
            'set(log.attributes["m"]["y"], log.attributes["k"])',
            'set(log.attributes["copy"], log.attributes["m"])',
        ],
        data,
        "logs",
    )
    records = data.message.resource_logs[0].scope_logs[0].log_records
    assert Map(records[0].attributes).as_raw() == {"m": {"x": "1", "y": "a"}, "k": "a", "copy": {"x": "1", "y": "a"}}
    assert Map(records[1].attributes).as_raw() == {"k": "b", "m": {"y": "b"}, "copy": {"y": "b"}}


def test_contexts_over_standalone_views_scan_without_an_index() -> None:
    # views built directly have no write generation: the paths scan the list each time
    item = Span.new()
    item.attributes.put_str("a", "1")
    data = Traces.empty()
    rs = data.resource_spans.append_empty()
    ss = rs.scope_spans.append_empty()
    t = SpanContext(rs, ss, item)
    group = parse_statements(
        ['set(span.attributes["b"], span.attributes["a"])', 'delete_key(span.attributes, "a")'],
        "traces",
        error_mode="propagate",
    )
    group.run(t)
    assert item.attributes.as_raw() == {"b": "1"}
    assert t.span == item
