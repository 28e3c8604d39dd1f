"""Unit tests of the Fluent Forward event conversion (msgpack objects -> OTLP log records)."""

from __future__ import annotations

import gzip
from typing import Any

import msgpack  # type: ignore[import-untyped]  # no stubs published
import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.logs.v1.logs_pb2 import ScopeLogs
from pyotelcol.receivers.fluent_forward._convert import ForwardError, decode_event, unpacker


def roundtrip(event: Any) -> Any:
    """The event as the server sees it: packed by a client, unpacked by the receiver's reader."""
    stream = unpacker()
    stream.feed(msgpack.packb(event, use_bin_type=True))
    return next(stream)


def decode(event: Any) -> tuple[str | None, list[dict[str, Any]]]:
    out = ScopeLogs()
    chunk = decode_event(roundtrip(event), out.log_records)
    return chunk, [MessageToDict(r) for r in out.log_records]


def attrs(record: dict[str, Any]) -> dict[str, Any]:
    return {a["key"]: a.get("value", {}) for a in record.get("attributes", [])}


def test_value_types_follow_go() -> None:
    record = {
        "big": 2**64 - 1,
        "neg": -5,
        "bin": b"raw\xffbytes",
        "nested": {"a": [1, "x", None], b"binkey": True},
        "f": 0.5,
        "nil": None,
        "ext": msgpack.ExtType(5, b"\x01\x02"),
    }
    _, [rec] = decode(["t", 1, record])
    got = attrs(rec)
    assert got["big"] == {"stringValue": str(2**64 - 1)}  # above int64: its decimal text
    assert got["neg"] == {"intValue": "-5"}
    assert got["bin"] == {"stringValue": "raw\ufffdbytes"}  # bin is text; invalid UTF-8 replaced
    assert got["nested"] == {
        "kvlistValue": {
            "values": [
                {"key": "a", "value": {"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "x"}, {}]}}},
                {"key": "binkey", "value": {"boolValue": True}},
            ]
        }
    }
    assert got["f"] == {"doubleValue": 0.5}
    assert got["nil"] == {}
    assert got["ext"] == {"stringValue": "ext(5):0102"}


def test_invalid_utf8_in_str_is_replaced_not_fatal() -> None:
    raw = b"\x93\xa1t\x01\x81\xa7message\xa3a\xffb"  # ["t", 1, {"message": "a\xffb"}] with a bad str
    stream = unpacker()
    stream.feed(raw)
    out = ScopeLogs()
    decode_event(next(stream), out.log_records)
    assert out.log_records[0].body.string_value == "a\ufffdb"


def test_body_is_the_last_of_message_and_log_and_tag_position() -> None:
    _, [rec] = decode(["t", 1, {"log": "first", "x": 1, "message": "second", "fluent.tag": "mine"}])
    assert rec["body"] == {"stringValue": "second"}
    assert [a["key"] for a in rec["attributes"]] == ["fluent.tag", "x"]
    assert attrs(rec)["fluent.tag"] == {"stringValue": "mine"}  # Message mode: the record overrides the tag
    _, [fwd] = decode(["t", [[1, {"fluent.tag": "mine", "x": 1}]]])
    assert [a["key"] for a in fwd["attributes"]] == ["fluent.tag", "x"]
    assert attrs(fwd)["fluent.tag"] == {"stringValue": "t"}  # other modes: the tag is put last and wins


def test_event_time_and_options() -> None:
    when = msgpack.ExtType(0, (10).to_bytes(4, "big") + (5).to_bytes(4, "big"))
    chunk, [rec] = decode(["t", when, {}, {"chunk": "abc", "size": 1}])
    assert chunk == "abc"
    assert rec["timeUnixNano"] == str(10 * 10**9 + 5)
    assert "body" not in rec
    chunk, _ = decode(["t", [[1, {}]], {"chunk": ""}])
    assert chunk is None  # Go: an empty chunk asks for no ack


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (["t"], "could not determine event mode"),
        ({"t": 1}, "could not determine event mode"),
        ([b"t", 1, {}], "malformed tag field"),
        (["t", 1.5, {}], "unable to determine next event mode for type float"),
        (["t", True, {}], "unable to determine next event mode for type bool"),
        (["t", 1, {}, {}, {}], "wanted array of size 3; got 5"),
        (["t", 1], "wanted array of size 3; got 2"),
        (["t", 1, "not a map"], "Record: got str, want map"),
        (["t", 1, {1: "int key"}], "map key of type int"),
        (["t", [[1, {}, 3]]], "wanted array of size 2; got 3"),
        (["t", [[1.5, {}]]], "Time: unknown type of value: float"),
        (["t", [[msgpack.ExtType(0, b"\x00" * 7), {}]]], "exactly 8 bytes"),
        (["t", [], "options"], "Option: got str, want map"),
        (["t", [], {1: 2}], "Option: map key of type int"),
        (["t", 1, {}, {str(i): i for i in range(1001)}], "option count 1001 exceeds maximum 1000"),
        (["t", msgpack.packb([1, {}])[:-1]], "Entries: unexpected EOF"),
        (["t", b"\xc1"], "Entries:"),
        (["t", gzip.compress(msgpack.packb([1, {}]))[:-4], {"compressed": "gzip"}], "gzip:"),
        (["t", b"not gzip", {"compressed": "gzip"}], "gzip:"),
    ],
)
def test_malformed_events_are_refused(event: Any, message: str) -> None:
    with pytest.raises(ForwardError, match=message.replace("(", r"\(").replace(")", r"\)")):
        decode(event)


def test_packed_entries_as_str_keep_their_bytes() -> None:
    packed = msgpack.packb([1, {"message": "é"}]) + msgpack.packb([2, {"message": "\xff"}])
    # Old clients send the entries as a msgpack str although they are not UTF-8.
    header = b"\x92\xa1t\xd9" + bytes([len(packed)])
    stream = unpacker()
    stream.feed(header + packed)
    out = ScopeLogs()
    decode_event(next(stream), out.log_records)
    assert [r.body.string_value for r in out.log_records] == ["é", "\xff"]
