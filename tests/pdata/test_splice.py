"""``edit_resources`` / ``edit_scopes``: resource and scope edits on wire-only data without
decoding the items, checked against a full parse + the same edit + serialize."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.pdata import MAX_DEPTH, InvalidDataError, Logs, Metrics, ReadOnlyError, Traces
from pyotelcol.pdata.pcommon import InstrumentationScope, Resource, key_value
from pyotelcol.pdata.splice import _varint, edit_resources, edit_scopes


def _traces_request(entries: int = 3, spans: int = 50, blob: int = 0) -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    for r in range(entries):
        rs = req.resource_spans.add(schema_url=f"https://schema/{r}")
        rs.resource.attributes.append(key_value("service.name", f"svc-{r}"))
        rs.resource.dropped_attributes_count = r
        for s in range(2):
            ss = rs.scope_spans.add()
            ss.scope.name = f"lib-{s}"
            for i in range(spans):
                span = ss.spans.add(name=f"span-{i}", trace_id=bytes(range(16)), span_id=bytes([i % 250 + 1]) * 8)
                span.attributes.append(key_value("payload", "x" * blob))
    return req


def _add_env(resource: Resource) -> None:
    resource.attributes.put_str("deployment.environment", "prod")


def _full_path(wire: bytes, cls: type[Traces] | type[Metrics] | type[Logs], edit: Callable[[Resource], None]) -> bytes:
    data = cls.from_wire(wire)
    for resource in data.resources():
        edit(resource)
    return data.to_wire()


def _spliced(wire: bytes, cls: Any, edit: Callable[[Resource], None], checked: bool = True) -> Any:
    data = cls.from_trusted_wire(wire, count=None, checked=checked)
    edit_resources(data, edit)
    return data


def test_a_resource_edit_on_traces_gives_the_bytes_of_a_full_parse_edit_serialize() -> None:
    # 200 spans of ~1 KiB per scope: entries longer than 2**16, so multi-byte length prefixes
    wire = _traces_request(entries=3, spans=200, blob=1000).SerializeToString()
    data = _spliced(wire, Traces, _add_env)
    assert data.wire_only  # nothing was parsed
    assert data.to_wire() == _full_path(wire, Traces, _add_env)
    assert data.item_count() == 3 * 2 * 200
    assert data.wire_checked


def test_metrics_and_logs_are_spliced_the_same_way() -> None:
    metrics = ExportMetricsServiceRequest()
    rm = metrics.resource_metrics.add()
    rm.resource.attributes.append(key_value("host.name", "a"))
    metric = rm.scope_metrics.add().metrics.add(name="m")
    metric.gauge.data_points.add(as_int=3)
    logs = ExportLogsServiceRequest()
    rl = logs.resource_logs.add()
    rl.scope_logs.add().log_records.add().body.string_value = "hello"
    for cls, request in ((Metrics, metrics), (Logs, logs)):
        wire = request.SerializeToString()
        data = _spliced(wire, cls, _add_env)
        assert data.wire_only
        assert data.to_wire() == _full_path(wire, cls, _add_env)


def test_the_items_section_is_copied_byte_for_byte_without_being_decoded() -> None:
    req = _traces_request(entries=1, spans=3)
    scope_bytes = req.resource_spans[0].scope_spans[0].SerializeToString()
    # Field 2 of the entry holds bytes that are not a valid ScopeSpans (a truncated varint): a
    # full parse would fail; the splice never looks inside, so they pass through unchanged.
    garbage = b"\x0a\xff"
    entry = (
        b"\x0a"
        + _varint(len(req.resource_spans[0].resource.SerializeToString()))
        + req.resource_spans[0].resource.SerializeToString()
        + b"\x12"
        + _varint(len(scope_bytes))
        + scope_bytes
        + b"\x12"
        + _varint(len(garbage))
        + garbage
    )
    wire = b"\x0a" + _varint(len(entry)) + entry
    data = _spliced(wire, Traces, _add_env, checked=False)
    out = data.to_wire()
    assert data.wire_only
    assert out.endswith(b"\x12" + _varint(len(scope_bytes)) + scope_bytes + b"\x12\x02" + garbage)
    assert not data.wire_checked  # unchecked bytes stay unchecked
    with pytest.raises(InvalidDataError):
        data.check_wire()


def test_unknown_fields_survive_at_every_level() -> None:
    req = _traces_request(entries=2, spans=2)
    entry = req.resource_spans[0].SerializeToString() + b"\xf8\x06\x2a"  # field 111, varint 42
    second = req.resource_spans[1].SerializeToString() + b"\x9d\x07\x01\x02\x03\x04"  # field 115, fixed32
    wire = b"\x0a" + _varint(len(entry)) + entry + b"\xa1\x06" + bytes(8) + b"\x0a" + _varint(len(second)) + second
    data = _spliced(wire, Traces, _add_env)
    expected = ExportTraceServiceRequest.FromString(_full_path(wire, Traces, _add_env))
    assert ExportTraceServiceRequest.FromString(data.to_wire()) == expected
    assert b"\xf8\x06\x2a" in data.to_wire() and b"\x9d\x07\x01\x02\x03\x04" in data.to_wire()
    assert b"\xa1\x06" + bytes(8) in data.to_wire()


def test_an_empty_or_missing_resource_is_created_first_in_its_entry() -> None:
    req = ExportTraceServiceRequest()
    req.resource_spans.add().scope_spans.add().spans.add(name="no resource field")
    present = req.resource_spans.add()
    present.resource.SetInParent()  # an empty resource: field 1 with length 0
    present.scope_spans.add().spans.add(name="empty resource")
    wire = req.SerializeToString()
    assert b"\x0a\x00" in wire
    data = _spliced(wire, Traces, _add_env)
    assert data.to_wire() == _full_path(wire, Traces, _add_env)
    assert [r.attributes.as_raw() for r in data.resources()] == [{"deployment.environment": "prod"}] * 2


def test_a_resource_written_twice_is_merged_as_a_parser_merges_it() -> None:
    first = Resource.new()
    first.attributes.put_str("a", "1")
    second = Resource.new()
    second.attributes.put_str("b", "2")
    second.dropped_attributes_count = 7
    scope = b"\x12\x02\x0a\x00"
    parts = [first.proto.SerializeToString(), second.proto.SerializeToString()]
    entry = b"".join(b"\x0a" + _varint(len(p)) + p for p in parts[:1]) + scope
    entry += b"\x0a" + _varint(len(parts[1])) + parts[1]
    wire = b"\x0a" + _varint(len(entry)) + entry
    data = _spliced(wire, Traces, _add_env)
    assert Traces.from_wire(data.to_wire()).message == Traces.from_wire(_full_path(wire, Traces, _add_env)).message
    assert next(data.resources()).attributes.as_raw() == {"a": "1", "b": "2", "deployment.environment": "prod"}


def test_an_edit_that_changes_nothing_keeps_the_very_same_bytes() -> None:
    wire = _traces_request().SerializeToString()

    def remove_absent(resource: Resource) -> None:
        resource.attributes.remove("absent")

    data = _spliced(wire, Traces, remove_absent)
    assert data.to_wire() is wire


def test_read_only_data_refuses_a_change_and_keeps_its_bytes() -> None:
    wire = _traces_request().SerializeToString()
    data = Traces.from_trusted_wire(wire, checked=True)
    data.mark_read_only()
    seen: list[str] = []
    edit_resources(data, lambda r: seen.append(r.attributes.as_raw()["service.name"]))
    assert seen == ["svc-0", "svc-1", "svc-2"]
    with pytest.raises(ReadOnlyError):
        edit_resources(data, _add_env)
    assert data.to_wire() is wire and data.wire_only


def test_parsed_data_keeps_message_and_bytes_in_step_without_a_full_serialize() -> None:
    wire = _traces_request().SerializeToString()
    data = Traces.from_wire(wire)  # what a receiver hands on: the message and its bytes
    edit_resources(data, _add_env)
    assert not data.wire_only and data.has_wire  # a view write would have dropped the bytes
    expected = _full_path(wire, Traces, _add_env)
    assert data.to_wire() == expected
    assert data.message.SerializeToString() == expected
    assert data.wire_checked and data.item_count() == 300


def test_data_without_bytes_is_edited_through_the_views() -> None:
    data = Traces(_traces_request())
    edit_resources(data, _add_env)
    assert not data.has_wire
    assert data.to_wire() == _full_path(_traces_request().SerializeToString(), Traces, _add_env)


def test_an_edit_failing_halfway_on_parsed_data_drops_the_stale_bytes() -> None:
    data = Traces.from_wire(_traces_request().SerializeToString())

    def fail_on_second(resource: Resource) -> None:
        if resource.attributes.as_raw()["service.name"] == "svc-1":
            raise RuntimeError("boom")
        _add_env(resource)

    with pytest.raises(RuntimeError):
        edit_resources(data, fail_on_second)
    assert not data.has_wire
    assert [r.attributes.get("deployment.environment") is not None for r in data.resources()] == [True, False, False]
    assert Traces.from_wire(data.to_wire()).message == data.message


def test_malformed_bytes_fail_as_a_full_parse_does() -> None:
    wire = _traces_request().SerializeToString()[:-5]
    data = Traces.from_trusted_wire(wire)
    with pytest.raises(InvalidDataError):
        edit_resources(data, _add_env)


def test_bytes_with_a_group_are_parsed_in_full_and_still_edited() -> None:
    entry = _traces_request(entries=1, spans=1).resource_spans[0].SerializeToString()
    entry += b"\xa3\x06\x08\x01\xa4\x06"  # an unknown group (field 100) holding a varint
    wire = b"\x0a" + _varint(len(entry)) + entry
    data = _spliced(wire, Traces, _add_env)
    assert next(data.resources()).attributes.get("deployment.environment").as_string() == "prod"


def test_an_edit_nesting_values_too_deep_leaves_the_bytes_unchecked() -> None:
    def deep(resource: Resource) -> None:
        value: Any = "leaf"
        for _ in range(MAX_DEPTH // 2):
            value = [value]
        resource.attributes.put("deep", value)

    data = _spliced(_traces_request(entries=1, spans=1).SerializeToString(), Traces, deep)
    assert not data.wire_checked
    with pytest.raises(InvalidDataError):
        data.check_wire()


def test_scopes_are_spliced_one_level_deeper() -> None:
    wire = _traces_request(entries=2, spans=5, blob=300).SerializeToString()

    def rename(scope: InstrumentationScope) -> None:
        scope.version = "1.2.3"
        scope.attributes.put_int("n", 1)

    data = Traces.from_trusted_wire(wire, checked=True)
    edit_scopes(data, rename)
    assert data.wire_only
    full = Traces.from_wire(wire)
    for rs in full.resource_spans:
        for ss in rs.scope_spans:
            rename(ss.scope)
    assert data.to_wire() == full.to_wire()


@pytest.mark.parametrize("boundary", [2**7, 2**14, 2**21])
def test_length_prefixes_that_grow_a_byte_are_rewritten(boundary: int) -> None:
    # An entry one byte short of needing a longer length prefix; the edit pushes it over.
    def request(pad: int) -> ExportTraceServiceRequest:
        req = ExportTraceServiceRequest()
        rs = req.resource_spans.add()
        rs.scope_spans.add().spans.add(name="x" * pad)
        return req

    pad = 0
    while len(request(pad).resource_spans[0].SerializeToString()) < boundary - 1:
        pad += max(1, (boundary - 1 - len(request(pad).resource_spans[0].SerializeToString())) // 2)
    wire = request(pad).SerializeToString()
    assert len(request(pad).resource_spans[0].SerializeToString()) == boundary - 1
    data = _spliced(wire, Traces, _add_env)
    assert data.to_wire() == _full_path(wire, Traces, _add_env)
    assert len(data.to_wire()) > len(wire) + 1  # the entry's length prefix grew


def test_random_requests_splice_like_a_full_parse() -> None:
    rnd = random.Random(7)
    for _ in range(60):
        req = ExportTraceServiceRequest()
        for _ in range(rnd.randint(0, 4)):
            rs = req.resource_spans.add()
            if rnd.random() < 0.7:
                for k in range(rnd.randint(0, 5)):
                    rs.resource.attributes.append(key_value(f"k{k}", rnd.choice(["v", 1, 2.5, True, [1, 2], {"m": 1}])))
            for _ in range(rnd.randint(0, 3)):
                ss = rs.scope_spans.add()
                for _ in range(rnd.randint(0, 20)):
                    ss.spans.add(name="s" * rnd.randint(0, 300))
        wire = req.SerializeToString()

        def edit(resource: Resource) -> None:
            if rnd.random() < 0.5:
                resource.attributes.put_str("added", "y" * rnd.randint(0, 200))
            if rnd.random() < 0.3:
                resource.attributes.remove("k0")

        state = rnd.getstate()
        data = _spliced(wire, Traces, edit)
        rnd.setstate(state)  # the full path makes the same random choices
        assert data.to_wire() == _full_path(wire, Traces, edit)
