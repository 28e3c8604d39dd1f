"""Direct checks of the Zipkin translators' public interface, beyond the Go fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from pyotelcol.pdata import Traces
from pyotelcol.translator.zipkin import (
    ZipkinError,
    v1_json_to_traces,
    v2_json_to_traces,
    v2_proto_to_traces,
)
from pyotelcol.translator.zipkin._proto import FILE_DESCRIPTOR, ListOfSpans


def _only_span(traces: Traces) -> object:
    (rs,) = traces.message.resource_spans
    (ss,) = rs.scope_spans
    (span,) = ss.spans
    return span


def test_error_is_a_value_error_with_go_text() -> None:
    with pytest.raises(ValueError, match=r'^strconv.ParseUint: parsing "xyz": invalid syntax$'):
        v2_json_to_traces(b'[{"traceId":"1","id":"xyz"}]')
    assert issubclass(ZipkinError, ValueError)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"traceId":"1","id":"1","name":"\\q"}]', "invalid character 'q' in string escape code"),
        (b'[{"traceId":"1","id":"1","name":"\\u12x4"}]', "invalid character 'x' in \\u hexadecimal character escape"),
        (b'[{"traceId":"1","id":"1","name":"a\nb"}]', "invalid character '\\n' in string literal"),
        (b'[{"traceId":"1","id":"1"}', "unexpected end of JSON input"),
        (b'[{"traceId" "1"}]', "invalid character '\"' after object key"),
        (b"[1.]", "invalid character ']' after decimal point in numeric literal"),
        (b"[-]", "invalid character ']' in numeric literal"),
        (b"\xef\xbb\xbf[]", "invalid character '\u00ef' looking for beginning of value"),
        (
            b'[{"traceId":"1","id":"' + b"f" * 17 + b'"}]',
            f'strconv.ParseUint: parsing "{"f" * 17}": value out of range',
        ),
    ],
)
def test_v2_json_syntax_and_id_errors_match_go(body: bytes, message: str) -> None:
    with pytest.raises(ZipkinError) as info:
        v2_json_to_traces(body)
    assert str(info.value) == message


def test_v2_json_invalid_utf8_in_strings_is_replaced_like_go() -> None:
    span = _only_span(v2_json_to_traces(b'[{"traceId":"1","id":"1","name":"a\xffb"}]'))
    assert span.name == "a\ufffdb"  # type: ignore[attr-defined]


def test_v2_json_ids_are_zero_padded_big_endian() -> None:
    span = _only_span(v2_json_to_traces(b'[{"traceId":"abc","id":"1","parentId":"ff","timestamp":2,"duration":3}]'))
    assert span.trace_id == bytes(14) + b"\x0a\xbc"  # type: ignore[attr-defined]
    assert span.span_id == bytes(7) + b"\x01"  # type: ignore[attr-defined]
    assert span.parent_span_id == bytes(7) + b"\xff"  # type: ignore[attr-defined]
    assert (span.start_time_unix_nano, span.end_time_unix_nano) == (2000, 5000)  # type: ignore[attr-defined]


def test_v2_parse_string_tags_types_values() -> None:
    body = json.dumps([{"traceId": "1", "id": "1", "tags": {"i": "-3", "d": "2.50", "b": "false", "s": "1e3"}}])
    plain = {kv.key: kv.value for kv in _only_span(v2_json_to_traces(body)).attributes}  # type: ignore[attr-defined]
    parsed = {kv.key: kv.value for kv in _only_span(v2_json_to_traces(body, True)).attributes}  # type: ignore[attr-defined]
    assert plain["i"].string_value == "-3"
    assert (parsed["i"].int_value, parsed["d"].double_value, parsed["b"].WhichOneof("value")) == (-3, 2.5, "bool_value")
    assert parsed["s"].string_value == "1e3"


def test_v2_spans_of_one_service_keep_go_order_and_first_span_resource() -> None:
    # Go's sort leaves a group of up to 12 equal keys in reverse order; its first span gives the resource.
    spans = [
        {"traceId": "1", "id": str(i), "localEndpoint": {"serviceName": "s"}, "tags": {"host.name": f"h{i}"}}
        for i in (1, 2, 3)
    ]
    traces = v2_json_to_traces(json.dumps(spans))
    (rs,) = traces.message.resource_spans
    assert [s.span_id[-1] for s in rs.scope_spans[0].spans] == [3, 2, 1]
    assert {kv.key: kv.value.string_value for kv in rs.resource.attributes} == {"service.name": "s", "host.name": "h3"}


def test_v2_proto_garbage_and_empty() -> None:
    with pytest.raises(ZipkinError, match=r"^proto: cannot parse invalid wire-format data$"):
        v2_proto_to_traces(b"\x0a\xff")
    assert v2_proto_to_traces(ListOfSpans().SerializeToString()).item_count() == 0


@pytest.mark.parametrize(
    "body", [b"[null]", b'[{"traceId":"0000000000000001","id":"0000000000000001","binaryAnnotations":[null]}]']
)
def test_v1_null_items_are_refused(body: bytes) -> None:
    # Go's handler dereferences nil here and drops the connection; we answer with an error instead.
    with pytest.raises(ZipkinError):
        v1_json_to_traces(body)


def test_v1_span_without_timestamps_gets_now() -> None:
    traces = v1_json_to_traces(b'[{"traceId":"0000000000000001","id":"0000000000000002"}]')
    span = _only_span(traces)
    assert span.start_time_unix_nano == span.end_time_unix_nano > 1_600_000_000 * 10**9  # type: ignore[attr-defined]
    assert [(kv.key, kv.value.bool_value) for kv in span.attributes] == [("otel.zipkin.absentField.startTime", True)]  # type: ignore[attr-defined]


def test_descriptor_in_code_matches_zipkin_proto(tmp_path: Path) -> None:
    protoc = pytest.importorskip("grpc_tools.protoc")
    root = Path(__file__).resolve().parents[3]
    out = tmp_path / "set.pb"
    rc = protoc.main(["protoc", f"-I{root}", f"--descriptor_set_out={out}", "pyotelcol/translator/zipkin/zipkin.proto"])
    assert rc == 0
    compiled = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]
    for message in compiled.message_type:  # protoc adds json names; the wire format does not use them
        for field in message.field:
            field.ClearField("json_name")
        for nested in message.nested_type:
            for field in nested.field:
                field.ClearField("json_name")
    assert compiled == FILE_DESCRIPTOR
