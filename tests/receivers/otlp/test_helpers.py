"""Unit tests of the shared helpers the otlp receiver is built on: bounded decompression and the
consume-error -> status mapping."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import cramjam
import lz4.frame
import pytest
import zstandard
from google.rpc import error_details_pb2, status_pb2

from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.compression import (
    BodyTooLargeError,
    DecompressError,
    check_header,
    decompress,
)
from pyotelcol.helpers.receiverhelper import (
    ErrorStatus,
    GrpcCode,
    ascii_safe,
    grpc_code_for_http,
    http_status_for_code,
    metadata_from_pairs,
    status_from_error,
)

DATA = b"OTLP payload " * 500
ENCODERS: dict[str, Any] = {
    "": lambda b: b,
    "gzip": gzip.compress,
    "zlib": zlib.compress,
    "deflate": zlib.compress,
    "zstd": lambda b: zstandard.ZstdCompressor().compress(b),
    "snappy": lambda b: bytes(cramjam.snappy.compress_raw(b)),
    "x-snappy-framed": lambda b: bytes(cramjam.snappy.compress(b)),
    "lz4": lz4.frame.compress,
}


@pytest.mark.parametrize("encoding", sorted(ENCODERS))
def test_round_trip_and_exact_limit(encoding: str) -> None:
    packed = ENCODERS[encoding](DATA)
    assert decompress(encoding, packed, len(DATA)) == DATA
    with pytest.raises(BodyTooLargeError):
        decompress(encoding, packed, len(DATA) - 1)


@pytest.mark.parametrize("encoding", ["gzip", "zstd", "lz4", "x-snappy-framed"])
def test_concatenated_streams(encoding: str) -> None:
    packed = ENCODERS[encoding](DATA[:1000]) + ENCODERS[encoding](DATA[1000:])
    assert decompress(encoding, packed, 1 << 20) == DATA


def test_snappy_accepts_the_framed_format_for_backward_compatibility() -> None:
    assert decompress("snappy", ENCODERS["x-snappy-framed"](DATA), 1 << 20) == DATA


@pytest.mark.parametrize(
    ("encoding", "body", "message"),
    [
        ("gzip", b"", "EOF"),
        ("gzip", b"\x1f\x8b", "unexpected EOF"),
        ("gzip", b"plain text body", "gzip: invalid header"),
        ("gzip", gzip.compress(DATA)[:-8], "unexpected EOF"),
        ("gzip", gzip.compress(DATA)[:-8] + b"\0\0\0\0\0\0\0\0", "gzip: invalid checksum"),
        ("gzip", gzip.compress(DATA) + b"trailing junk", "gzip: invalid header"),
        ("zlib", b"", "EOF"),
        ("zlib", b"\x78", "unexpected EOF"),
        ("zlib", b"plain", "zlib: invalid header"),
        ("deflate", zlib.compress(DATA)[2:], "zlib: invalid header"),  # raw deflate is not accepted
        ("zlib", zlib.compress(DATA)[:-4] + b"\0\0\0\0", "zlib: invalid checksum"),
        ("zstd", b"plain text", "invalid input: magic number mismatch"),
        ("zstd", zstandard.ZstdCompressor().compress(DATA)[:-3], "unexpected EOF"),
        ("snappy", b"", "snappy: corrupt input"),
        ("snappy", b"\x05\xff\xff", "snappy: corrupt input"),
        ("x-snappy-framed", b"\x00\x05\x00\x00hello", "snappy: corrupt input"),
        ("x-snappy-framed", ENCODERS["x-snappy-framed"](DATA)[:-3], "snappy: corrupt input"),
        ("lz4", b"plain text", "lz4: bad magic number"),
        ("lz4", lz4.frame.compress(DATA)[:-6], "unexpected EOF"),
    ],
)
def test_decode_errors_use_go_wording(encoding: str, body: bytes, message: str) -> None:
    with pytest.raises(DecompressError) as info:
        decompress(encoding, body, 1 << 20)
    assert str(info.value) == message


@pytest.mark.parametrize("encoding", ["zstd", "lz4", "x-snappy-framed", ""])
def test_empty_bodies_decode_to_empty_like_go(encoding: str) -> None:
    assert decompress(encoding, b"", 100) == b""


def test_header_check() -> None:
    check_header("gzip", gzip.compress(b"x")[:10])
    check_header("zlib", zlib.compress(b"x")[:2])
    check_header("zstd", b"anything")  # only gzip and zlib headers are read eagerly
    with pytest.raises(DecompressError, match="zlib: invalid dictionary"):
        check_header("zlib", bytes([0x78, 0xBB]))


def test_unknown_encoding_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        decompress("br", b"x", 10)


def test_snappy_block_checks_declared_size_before_decoding() -> None:
    bomb = bytes(cramjam.snappy.compress_raw(b"\0" * (8 << 20)))
    with pytest.raises(BodyTooLargeError, match="snappy: decoded size exceeds max request body size"):
        decompress("snappy", bomb, 1 << 20)


# -- receiverhelper ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "http"),
    [
        (1, 503),
        (2, 500),
        (3, 400),
        (4, 503),
        (5, 500),
        (7, 403),
        (8, 429),
        (10, 503),
        (11, 503),
        (12, 404),
        (13, 500),
        (14, 503),
        (15, 503),
        (16, 401),
    ],
)
def test_http_status_for_code(code: int, http: int) -> None:
    assert http_status_for_code(code) == http


def test_grpc_code_for_http() -> None:
    assert [grpc_code_for_http(s) for s in (400, 401, 403, 404, 413, 429, 500, 502, 503, 504)] == [
        GrpcCode.INVALID_ARGUMENT,
        GrpcCode.UNAUTHENTICATED,
        GrpcCode.PERMISSION_DENIED,
        GrpcCode.UNIMPLEMENTED,
        GrpcCode.UNKNOWN,
        GrpcCode.RESOURCE_EXHAUSTED,
        GrpcCode.UNKNOWN,
        GrpcCode.UNAVAILABLE,
        GrpcCode.UNAVAILABLE,
        GrpcCode.UNAVAILABLE,
    ]


@pytest.mark.parametrize(
    ("err", "code", "message"),
    [
        (ConsumerError("full"), 14, "full"),
        (PermanentError("bad"), 13, "Permanent error: bad"),
        (PermanentError("bad", grpc_code=3), 3, "Permanent error: bad"),
        (ConsumerError("auth", grpc_code=16), 16, "auth"),
        (ValueError("oops"), 14, "oops"),
        (ConsumerError("caf\u00e9 \udcff"), 14, "caf\\xe9 \\udcff"),
    ],
)
def test_status_from_error(err: BaseException, code: int, message: str) -> None:
    st = status_from_error(err)
    assert (st.code, st.message, st.retry_after) == (code, message, None)
    assert st.http_headers() == {}
    assert st.grpc_trailing_metadata() == ()


def test_retry_after_becomes_retry_info_everywhere() -> None:
    st = status_from_error(ConsumerError("slow down", retry_after=13.25))
    assert st.http_status == 503
    assert st.http_headers() == {"Retry-After": "13"}
    assert json.loads(st.to_json()) == {
        "code": 14,
        "message": "slow down",
        "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "13.250s"}],
    }
    decoded = status_pb2.Status()
    decoded.ParseFromString(st.to_wire())
    info = error_details_pb2.RetryInfo()
    assert decoded.details[0].Unpack(info)
    assert (info.retry_delay.seconds, info.retry_delay.nanos) == (13, 250_000_000)
    trailers = dict(st.grpc_trailing_metadata())
    assert trailers["grpc-status-details-bin"] == st.to_wire()
    assert trailers["google.rpc.retryinfo-bin"] == info.SerializeToString()
    # Retry-After only on 429 and 503
    assert ErrorStatus(13, "x", 5).http_headers() == {}
    assert ErrorStatus(8, "x", 0.5).http_headers() == {"Retry-After": "0"}


def test_error_status_from_http_and_ascii_safety() -> None:
    st = ErrorStatus.from_http("unsupported Content-Encoding: gz\u00edp", 400)
    assert st.code == 3 and st.message == "unsupported Content-Encoding: gz\\xedp"
    assert json.loads(st.to_json()) == {"code": 3, "message": "unsupported Content-Encoding: gz\\xedp"}
    assert ascii_safe("ok") == "ok"


def test_metadata_from_pairs() -> None:
    assert metadata_from_pairs([("X-A", "1"), ("x-a", "2"), ("Host", "h")]) == {"x-a": ["1", "2"], "host": ["h"]}
