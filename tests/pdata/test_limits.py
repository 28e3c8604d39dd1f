"""What the decoders accept must parse back from protobuf at every later stage: nesting depth,
huge numbers, ids, lone surrogates. Every refusal is an InvalidDataError naming the problem."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.component import Signal
from pyotelcol.pdata import MAX_DEPTH, InvalidDataError, LimitError, Traces
from pyotelcol.pdata.otlpjson import JSONError, decode_request, from_json

HUGE = "9" * 100_000


def nested_value(levels: int, kind: str, inner: dict[str, Any] | None = None) -> dict[str, Any]:
    """An OTLP/JSON AnyValue with ``levels`` array or kvlist wrappers around ``inner``."""
    value: dict[str, Any] = inner if inner is not None else {"stringValue": "x"}
    for _ in range(levels):
        if kind == "array":
            value = {"arrayValue": {"values": [value]}}
        else:
            value = {"kvlistValue": {"values": [{"key": "k", "value": value}]}}
    return value


def span_body(value: dict[str, Any]) -> bytes:
    span = {"name": "s", "attributes": [{"key": "a", "value": value}]}
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()


def resource_body(value: dict[str, Any]) -> bytes:
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [{"key": "a", "value": value}]}}]}).encode()


def log_body(value: dict[str, Any]) -> bytes:
    return json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": value}]}]}]}).encode()


def protobuf_parses(message: Any) -> bool:
    try:
        type(message).FromString(message.SerializeToString())
    except Exception:
        return False
    return True


# -- nesting depth ------------------------------------------------------------------------------

SHAPES: list[tuple[str, Any, Any, str, dict[str, Any] | None]] = [
    ("span attribute, arrays", span_body, ExportTraceServiceRequest, "array", None),
    ("span attribute, kvlists", span_body, ExportTraceServiceRequest, "kvlist", None),
    ("resource attribute, arrays", resource_body, ExportTraceServiceRequest, "array", None),
    ("log body, kvlists", log_body, ExportLogsServiceRequest, "kvlist", None),
    ("empty array innermost", span_body, ExportTraceServiceRequest, "array", {"arrayValue": {}}),
    ("empty kvlist innermost", log_body, ExportLogsServiceRequest, "array", {"kvlistValue": {}}),
    ("empty value innermost", span_body, ExportTraceServiceRequest, "array", {}),
    ("kv without value innermost", span_body, ExportTraceServiceRequest, "kvlist", {"kvlistValue": {"values": [{}]}}),
]


@pytest.mark.parametrize(("name", "body", "message_type", "kind", "inner"), SHAPES, ids=[s[0] for s in SHAPES])
def test_json_accepts_exactly_the_nesting_protobuf_parses(
    name: str, body: Any, message_type: Any, kind: str, inner: dict[str, Any] | None
) -> None:
    accepted = []
    for levels in range(25, 56):
        raw = body(nested_value(levels, kind, inner))
        try:
            message = from_json(raw, message_type)
        except JSONError as exc:
            assert "nested more than 100 levels deep" in str(exc)
            assert len(str(exc)) < 300 and str(exc).isascii()
            # the same data built by protobuf's own JSON parser does not parse back either
            built = json_format.ParseDict(json.loads(raw), message_type(), max_recursion_depth=10_000)
            assert not protobuf_parses(built), f"{name}: {levels} levels refused but parse back"
            accepted.append(False)
            continue
        assert protobuf_parses(message), f"{name}: {levels} levels accepted but do not parse back"
        accepted.append(True)
    # the limit is inside the range tried: some accepted, then none
    assert accepted[0] and not accepted[-1]
    assert accepted == sorted(accepted, reverse=True)


def test_the_limit_is_upb_s() -> None:
    """A request nested exactly MAX_DEPTH levels parses; one level more does not."""
    deepest = nested_value((MAX_DEPTH - 4) // 2, "array")  # resource spans 1, resource 2, kv 3, value 4
    ok = from_json(resource_body(deepest), ExportTraceServiceRequest)
    assert protobuf_parses(ok)
    too_deep = nested_value((MAX_DEPTH - 4) // 2, "array", {"arrayValue": {}})
    with pytest.raises(JSONError, match="nested more than 100 levels deep"):
        from_json(resource_body(too_deep), ExportTraceServiceRequest)
    # the same message built in protobuf does not parse
    msg = ExportTraceServiceRequest()
    msg.MergeFrom(ok)
    value = msg.resource_spans[0].resource.attributes[0].value
    while value.WhichOneof("value") == "array_value":
        value = value.array_value.values[0]
    value.array_value.SetInParent()
    assert not protobuf_parses(msg)


def test_protobuf_nesting_beyond_the_limit_is_a_limit_error() -> None:
    msg = from_json(span_body(nested_value(47, "array")), ExportTraceServiceRequest)
    wire = msg.SerializeToString()
    assert len(Traces.from_wire(wire)) == 1
    value = msg.resource_spans[0].scope_spans[0].spans[0].attributes[0].value
    while value.WhichOneof("value") == "array_value":
        value = value.array_value.values[0]
    value.array_value.values.add().string_value = "one level too deep"
    with pytest.raises(LimitError, match="nested more than 100 levels deep"):
        Traces.from_wire(msg.SerializeToString())


def test_depth_errors_name_where_and_stay_short() -> None:
    with pytest.raises(JSONError) as info:
        decode_request(Signal.TRACES, span_body(nested_value(200, "array")))
    text = str(info.value)
    assert text.startswith("invalid OTLP/JSON at resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value")
    assert text.endswith("messages nested more than 100 levels deep") and len(text) < 300


def test_depth_error_in_a_later_array_element_names_its_index() -> None:
    attrs = [{"key": "ok", "value": {"intValue": 1}}, {"key": "deep", "value": nested_value(60, "array")}]
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{}, {"attributes": attrs}]}]}]})
    with pytest.raises(JSONError, match=r"spans\[1\]\.attributes\[1\]\.value\.arrayValue\.values\[0\]"):
        from_json(body, ExportTraceServiceRequest)


# -- numbers ------------------------------------------------------------------------------------


def span_with(**fields: Any) -> bytes:
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [fields]}]}]}).encode()


def raw_span_with(field: str, literal: str) -> bytes:
    return b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"%s":%s}]}]}]}' % (field.encode(), literal.encode())


def raw_attr_with(kind: str, literal: str) -> bytes:
    attr = b'{"key":"a","value":{"%s":%s}}' % (kind.encode(), literal.encode())
    return b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[' + attr + b"]}]}]}]}"


@pytest.mark.parametrize("quoted", [False, True], ids=["number", "string"])
@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda lit: raw_span_with("startTimeUnixNano", lit), "startTimeUnixNano"),
        (lambda lit: raw_span_with("kind", lit), "kind"),
        (lambda lit: raw_span_with("flags", lit), "flags"),
        (lambda lit: raw_span_with("droppedAttributesCount", lit), "droppedAttributesCount"),
        (lambda lit: raw_attr_with("intValue", lit), "intValue"),
        (lambda lit: raw_attr_with("doubleValue", lit), "doubleValue"),
    ],
)
def test_numbers_with_huge_digit_counts_are_refused_naming_the_field(make: Any, field: str, quoted: bool) -> None:
    literal = f'"{HUGE}"' if quoted else HUGE
    if field == "kind" and quoted:
        literal = f'"{HUGE}"'  # not an enum name
    with pytest.raises(JSONError) as info:
        from_json(make(literal), ExportTraceServiceRequest)
    text = str(info.value)
    assert f".{field}: " in text and len(text) < 300 and text.isascii()


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("1." + "0" * 100_000, 1.0),  # many digits, but a double: Go's ParseFloat takes it
        ('"1.' + "0" * 100_000 + '"', 1.0),
        ("0." + "0" * 100_000 + "1", 0.0),  # underflow is not an error in Go
        ("1e-400", 0.0),
        ('"Infinity"', math.inf),
        ('"-inf"', -math.inf),
        ("1.7976931348623157e308", 1.7976931348623157e308),
    ],
)
def test_doubles_go_accepts(literal: str, expected: float) -> None:
    msg = from_json(raw_attr_with("doubleValue", literal), ExportTraceServiceRequest)
    assert msg.resource_spans[0].scope_spans[0].spans[0].attributes[0].value.double_value == expected


@pytest.mark.parametrize("literal", ["1e400", '"1e400"', "-1e400", '"-1e309"', "1" * 400, '"' + "1" * 400 + '"'])
def test_doubles_overflowing_are_refused_as_in_go(literal: str) -> None:
    with pytest.raises(JSONError, match=r"doubleValue: number out of range for a double"):
        from_json(raw_attr_with("doubleValue", literal), ExportTraceServiceRequest)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"startTimeUnixNano": "18446744073709551616"}, "startTimeUnixNano: integer out of range"),
        ({"startTimeUnixNano": 18446744073709551616}, "startTimeUnixNano: integer out of range"),
        ({"flags": 4294967296}, "flags: integer out of range"),
        ({"kind": 2147483648}, "kind: integer out of range"),
        ({"droppedEventsCount": -1}, "droppedEventsCount: integer out of range"),
        ({"events": [{}, {"droppedAttributesCount": "4294967296"}]}, "events[1].droppedAttributesCount: integer"),
    ],
)
def test_out_of_range_integers_name_the_field(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(JSONError) as info:
        from_json(span_with(**fields), ExportTraceServiceRequest)
    assert where in str(info.value)


def test_leading_zeros_do_not_count_as_digits() -> None:
    msg = from_json(span_with(startTimeUnixNano="0" * 5000 + "17"), ExportTraceServiceRequest)
    assert msg.resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano == 17


def test_huge_integer_in_an_unknown_field_is_ignored() -> None:
    body = b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"n","futureField":' + HUGE.encode() + b"}]}]}]}"
    msg = from_json(body, ExportTraceServiceRequest)
    assert msg.resource_spans[0].scope_spans[0].spans[0].name == "n"


# -- strings and ids ----------------------------------------------------------------------------


def test_lone_surrogates_become_replacement_characters_that_parse_back() -> None:
    span = {"name": "a\ud800b", "attributes": [{"key": "k\udfff", "value": {"stringValue": "\ud800"}}]}
    data = decode_request(Signal.TRACES, span_with(**span))
    parsed = ExportTraceServiceRequest.FromString(data.to_wire())
    got = parsed.resource_spans[0].scope_spans[0].spans[0]
    assert got.name == "a\ufffdb" and got.attributes[0].key == "k\ufffd"


def test_unparsable_trusted_bytes_fail_as_invalid_data() -> None:
    data = Traces.from_trusted_wire(b"\xff\xff\xff", count=1)
    assert not data.wire_checked
    with pytest.raises(InvalidDataError):
        data.check_wire()
    with pytest.raises(InvalidDataError):
        data.message  # noqa: B018


def test_decoded_data_is_known_to_parse_back() -> None:
    assert decode_request(Signal.TRACES, span_with(name="x")).wire_checked
    good = Traces.from_wire(from_json(span_with(name="x"), ExportTraceServiceRequest).SerializeToString())
    assert good.wire_checked
    good.resource_spans[0].scope_spans[0].spans[0].name = "changed"
    assert not good.wire_checked
    good.check_wire()
    assert good.wire_checked
