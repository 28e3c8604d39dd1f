"""Type, hash and ID converters against Go's documented behaviour and known test vectors."""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

import pytest

from pyotelcol.ottl.functions import CONVERTERS, CompileError, ExecutionError
from pyotelcol.ottl.values import IdBytes, duration_from_nanos
from pyotelcol.pdata.pcommon import Map, Value, any_value
from pyotelcol.pdata.ptrace import Span

EMPTY_VALUE = Value(any_value(None))

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    # Int: IntLikeGetter (float truncated, bool 1/0, unparsable string nil).
    ("Int", (42,), 42),
    ("Int", (-2.9,), -2),
    ("Int", (2.9,), 2),
    ("Int", ("123",), 123),
    ("Int", (True,), 1),
    ("Int", (None,), None),
    ("Int", (math.nan,), -(2**63)),
    # Double: FloatLikeGetter.
    ("Double", ("2.0",), 2.0),
    ("Double", ("1e3",), 1000.0),
    ("Double", ("0x1p-2",), 0.25),
    ("Double", (5,), 5.0),
    ("Double", (False,), 0.0),
    ("Double", (None,), None),
    # Bool: BoolLikeGetter.
    ("Bool", ("true",), True),
    ("Bool", ("T",), True),
    ("Bool", ("0",), False),
    ("Bool", (0.0,), False),
    ("Bool", (7,), True),
    ("Bool", (None,), None),
    # String: StringLikeGetter.
    ("String", ("test",), "test"),
    ("String", (False,), "false"),
    ("String", (1.5,), "1.5"),
    ("String", (1e21,), "1e+21"),
    ("String", (1e-7,), "1e-7"),
    ("String", (b"\x01\x02\x03\x04\x05\x06\x07\x08",), "0102030405060708"),
    ("String", ([1, 2, 3],), "[1,2,3]"),
    ("String", ({"b": "<x>", "a": 1.0},), '{"a":1,"b":"\\u003cx\\u003e"}'),
    ("String", (None,), None),
    # Hex: ByteSliceLikeGetter (numbers as 8 big-endian bytes).
    ("Hex", (1.1,), "3ff199999999999a"),
    ("Hex", ("1",), "31"),
    ("Hex", (True,), "01"),
    ("Hex", (12,), "000000000000000c"),
    ("Hex", (b"\x02",), "02"),
    ("Hex", (None,), None),
    # Is*.
    ("IsString", ("x",), True),
    ("IsString", (1,), False),
    ("IsInt", (1,), True),
    ("IsInt", (True,), False),
    ("IsInt", (1.0,), False),
    ("IsDouble", (1.0,), True),
    ("IsBool", (False,), True),
    ("IsBool", (42,), False),
    ("IsMap", ({"a": 1},), True),
    ("IsMap", (Map.from_raw({}),), True),
    ("IsMap", ([1],), False),
    ("IsList", ([1],), True),
    ("IsList", ("abc",), False),
    ("IsEmpty", (None,), True),
    ("IsEmpty", ("",), True),
    ("IsEmpty", (0,), True),
    ("IsEmpty", (False,), True),
    ("IsEmpty", ([],), True),
    ("IsEmpty", ({},), True),
    ("IsEmpty", (b"",), True),
    ("IsEmpty", (EMPTY_VALUE,), True),
    ("IsEmpty", (duration_from_nanos(0),), True),
    ("IsEmpty", ("x",), False),
    ("IsEmpty", ([None],), False),
    ("IsEmpty", (0.5,), False),
    # Coalesce, Log, ParseInt, IsValidLuhn.
    ("Coalesce", ([None, None, "unknown"],), "unknown"),
    ("Coalesce", ([None, 0, "x"],), 0),
    ("Coalesce", ([None],), None),
    ("Log", (math.e,), 1.0),
    ("Log", ("1",), 0.0),
    ("ParseInt", ("12345", 10), 12345),
    ("ParseInt", ("0xAA", 0), 170),
    ("ParseInt", ("AA", 16), 170),
    ("ParseInt", ("-20", 8), -16),
    ("ParseInt", ("0b1111_0000", 0), 240),
    ("ParseInt", ("0b10110", 0), 22),
    ("ParseInt", ("-0xFF", 0), -255),
    ("ParseInt", ("-0o123", 0), -83),
    ("ParseInt", ("0123", 0), 83),
    ("IsValidLuhn", ("17893729974",), True),
    ("IsValidLuhn", ("17893729975",), False),
    ("IsValidLuhn", (17893729974,), True),
    # Hashes: known vectors.
    ("SHA1", ("hello world",), "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    (
        "SHA256",
        ("hello world",),
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    ),
    (
        "SHA512",
        ("hello world",),
        "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f"
        "989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f",
    ),
    ("MD5", ("hello world",), "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ("SHA256", ("",), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),  # pkg/ottl v1.4.0 hashes ""
    ("FNV", ("hello world",), 8618312879776256743),
    ("Murmur3Hash", ("Hello World",), "ce837619"),
    ("Murmur3Hash", ("hello",), "47fa8b24"),
    ("Murmur3Hash128", ("hello",), "029bbd41b3a7d8cb191dae486a901e5b"),
    ("Murmur3Hash", ("",), "00000000"),
    # IDs.
    # IDs are Go's fixed-size arrays, not []byte: IdBytes.
    ("TraceID", ("a389023abaa839283293ed323892389d",), IdBytes.fromhex("a389023abaa839283293ed323892389d")),
    ("TraceID", (bytes(16),), IdBytes(16)),
    ("SpanID", ("0102030405060708",), IdBytes(range(1, 9))),
    ("ProfileID", (bytes(range(16)),), IdBytes(range(16))),
    # CommunityID: the specification's TCP vector, from either direction.
    (
        "CommunityID",
        ("128.232.110.120", 34855, "66.35.250.204", 80, "TCP", 0),
        "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
    ),
    ("CommunityID", ("66.35.250.204", 80, "128.232.110.120", 34855), "1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
    # IsInCIDR.
    ("IsInCIDR", ("192.168.1.10", ["192.168.0.0/16"]), True),
    ("IsInCIDR", ("10.1.2.3", ["192.168.0.0/16", "10.0.0.0/8"]), True),
    ("IsInCIDR", ("172.16.0.1", ["192.168.0.0/16", "10.0.0.0/8"]), False),
    ("IsInCIDR", ("not-an-ip", ["10.0.0.0/8"]), False),
    ("IsInCIDR", ("2001:db8::1", ["2001:db8::/32"]), True),
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES)
def test_converter(call: Any, name: str, args: tuple[Any, ...], expected: Any) -> None:
    result = call(name, *args)
    assert result == expected
    assert type(result) is type(expected)


RUN_ERRORS: list[tuple[str, tuple[Any, ...], str]] = [
    ("Int", ({"a": 1},), "unsupported type: map[string]interface {}"),
    # Go's IntLikeGetter: a string that does not parse is an error (README: "an error is returned").
    ("Int", ("2.0",), 'strconv.ParseInt: parsing "2.0": invalid syntax'),
    ("Int", (" 1",), 'strconv.ParseInt: parsing " 1": invalid syntax'),
    ("Double", ("abc",), 'strconv.ParseFloat: parsing "abc": invalid syntax'),
    ("Double", ("1e400",), 'strconv.ParseFloat: parsing "1e400": value out of range'),
    ("Bool", ("yes",), 'strconv.ParseBool: parsing "yes": invalid syntax'),
    ("Bool", ([1],), "unsupported type: []interface {}"),
    ("Hex", ([1],), "unsupported type: []interface {}"),
    ("Log", (0,), "value must be greater than zero"),
    ("ParseInt", ("12a", 10), 'strconv.ParseInt: parsing "12a": invalid syntax'),
    ("ParseInt", ("1", 1), 'strconv.ParseInt: parsing "1": invalid base 1'),
    ("ParseInt", ("9223372036854775808", 10), "value out of range"),
    ("ParseInt", ("1__0", 0), "invalid syntax"),
    ("IsValidLuhn", ("12a4",), "the string must contain only digits"),
    ("SHA256", (5,), "expected string but got int64"),
    ("TraceID", ("abc",), "TraceID must be 32 hex characters, got 3"),
    ("SpanID", (bytes(3),), "SpanID must be 8 bytes, got 3"),
    ("TraceID", ("zz" * 16,), "TraceID: invalid hex string"),
    ("IsInCIDR", ("10.0.0.1", ["10.0.0.0/33"]), "invalid CIDR address: 10.0.0.0/33"),
    ("CommunityID", ("1.1.1.1", 70000, "2.2.2.2", 80), "source port must be between 0 and 65535"),
    ("CommunityID", ("1.1.1.1", 1, "2.2.2.2", 80, "GRE"), "unsupported protocol: GRE"),
]


@pytest.mark.parametrize(("name", "args", "message"), RUN_ERRORS)
def test_execution_errors(call: Any, name: str, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ExecutionError) as caught:
        call(name, *args)
    assert message in str(caught.value)


def test_coalesce_needs_a_value(compile_converter: Any) -> None:
    with pytest.raises(CompileError, match="at least one value"):
        compile_converter("Coalesce", [])


def test_uuids(call: Any) -> None:
    first, second = call("UUID"), call("UUID")
    assert first != second
    assert uuid.UUID(first).version == 4
    v7 = call("UUIDv7")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", v7)


def test_is_root_span_is_a_span_context_function() -> None:
    spec = CONVERTERS["IsRootSpan"]
    assert spec.contexts == frozenset({"span"})

    class Ctx:  # the engine's span context carries the span view as ``span``
        def __init__(self, parent: bytes) -> None:
            self.span = Span.new()
            self.span.parent_span_id = parent

    run = spec.build()
    assert run(Ctx(b"")) is True
    assert run(Ctx(bytes(8))) is True
    assert run(Ctx(b"\x00" * 7 + b"\x01")) is False


def test_xxh3_when_the_library_is_installed(call: Any) -> None:
    pytest.importorskip("xxhash")
    # Reference digests of the empty input (xxHash's published values).
    assert call("XXH3", "") == "2d06800538d394c2"
    assert call("XXH128", "") == "99aa06d3014798d86001c324468d497f"
