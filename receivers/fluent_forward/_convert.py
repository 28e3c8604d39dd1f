"""Fluent Forward events (already unpacked from msgpack) → OTLP log records, as Go builds them.

The server finds an event's mode from its second element (the spec's rule): an integer or an
extension (the EventTime) is Message mode ``[tag, time, record, option?]``, an array is Forward
mode ``[tag, [[time, record], ...], option?]``, a str/bin is PackedForward mode
``[tag, entries, option?]`` whose entries are concatenated msgpack ``[time, record]`` arrays,
gzip-compressed when ``option.compressed`` is ``"gzip"`` (CompressedPackedForward).

Each record becomes one log record: ``message`` or ``log`` (the last one present) is the body,
every other key an attribute, the tag the ``fluent.tag`` attribute (first in Message mode, last in
the other modes, as Go puts it), the event time the timestamp. Strings are unpacked with
``surrogateescape`` so raw bytes survive to this point; invalid UTF-8 becomes U+FFFD here.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import msgpack  # type: ignore[import-untyped]  # no stubs published
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

TAG_KEY = "fluent.tag"
MAX_ENTRY_COUNT = 1_000_000  # Go's bounds on a Forward-mode entry array and an option map
MAX_OPTION_COUNT = 1_000
MAX_EVENT_BYTES = 100 * 1024 * 1024  # msgpack's default buffer bound, also for gunzipped entries
EVENT_TIME_EXT = 0
_UINT64 = (1 << 64) - 1
_INT64_MAX = (1 << 63) - 1
_NS = 1_000_000_000


class ForwardError(ValueError):
    """An event that does not follow the Forward protocol; the server closes the connection."""


def unpacker(max_buffer_size: int = MAX_EVENT_BYTES) -> msgpack.Unpacker:
    """A streaming msgpack reader keeping str and bin apart (the protocol tells modes by them)."""
    return msgpack.Unpacker(
        raw=False,
        unicode_errors="surrogateescape",
        strict_map_key=False,
        timestamp=0,
        max_buffer_size=max_buffer_size,
    )


def has_partial_object(stream: msgpack.Unpacker) -> bool:
    """Whether bytes fed to ``stream`` are left over after its last complete object (call it only
    once the stream is done). msgpack refuses ``read_bytes`` in the middle of an object."""
    try:
        return bool(stream.read_bytes(1))
    except ValueError:
        return True


def _clean(text: str) -> str:
    """Raw bytes carried as surrogates → UTF-8 text with U+FFFD for what does not decode."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _set_key(kv: KeyValue, key: str) -> None:
    try:
        kv.key = key
    except UnicodeEncodeError:
        kv.key = _clean(key)


def _key(key: Any, where: str) -> str:
    """Map keys may be str or bin (Go reads either); anything else breaks the event."""
    if isinstance(key, str):
        return key
    if isinstance(key, bytes):
        return key.decode("utf-8", "replace")
    raise ForwardError(f"{where}: map key of type {_type_name(key)}, want str or bin")


def _type_name(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, msgpack.ExtType):
        return f"ext({value.code})"
    return {bool: "bool", int: "int", float: "float", str: "str", bytes: "bin", list: "array", dict: "map"}.get(
        type(value), type(value).__name__
    )


def put_value(pb: AnyValue, value: Any) -> None:
    """Go's parseToAttributeValue: nil leaves the value empty, bin becomes a string, an unsigned
    integer above int64 becomes its decimal string, other types their text."""
    if value is None:
        return
    kind = type(value)
    if kind is str:
        try:
            pb.string_value = value
        except UnicodeEncodeError:
            pb.string_value = _clean(value)
    elif kind is bool:
        pb.bool_value = value
    elif kind is int:
        if value > _INT64_MAX:
            pb.string_value = str(value)
        else:
            pb.int_value = value
    elif kind is float:
        pb.double_value = value
    elif kind is bytes:
        pb.string_value = value.decode("utf-8", "replace")
    elif kind is dict:
        kvlist = pb.kvlist_value
        kvlist.SetInParent()
        for key, item in value.items():
            kv = kvlist.values.add()
            _set_key(kv, _key(key, "Record"))
            put_value(kv.value, item)
    elif kind is list:
        array = pb.array_value
        array.SetInParent()
        for item in value:
            put_value(array.values.add(), item)
    elif kind is msgpack.ExtType:
        pb.string_value = f"ext({value.code}):{value.data.hex()}"
    elif kind is msgpack.Timestamp:
        pb.string_value = value.to_datetime().isoformat()
    else:
        pb.string_value = str(value)


def timestamp_ns(value: Any) -> int:
    """Event time → Unix nanoseconds: integer seconds, or the EventTime extension (type 0,
    big-endian uint32 seconds and nanoseconds). Go keeps the wrapped uint64 for odd values."""
    kind = type(value)
    if kind is int:
        return int(value * _NS) & _UINT64
    if kind is msgpack.ExtType and value.code == EVENT_TIME_EXT:
        if len(value.data) != 8:
            raise ForwardError("Time: data should be exactly 8 bytes")
        seconds, nanos = struct.unpack(">II", value.data)
        return int(seconds * _NS + nanos) & _UINT64
    raise ForwardError(f"Time: unknown type of value: {_type_name(value)}")


def _fill(rec: LogRecord, entry_time: Any, record: Any, tag: str, tag_first: bool) -> None:
    rec.time_unix_nano = timestamp_ns(entry_time)
    if type(record) is not dict:
        raise ForwardError(f"Record: got {_type_name(record)}, want map")
    # A dict keeps a key's first position and its last value, as Go's Map.PutEmpty does.
    attrs: dict[str, Any] = {TAG_KEY: tag} if tag_first else {}
    for raw_key, value in record.items():
        key = _key(raw_key, "Record")
        if key == "message" or key == "log":  # fluentd uses message, fluent-bit log
            if value is not None:
                rec.body.Clear()
                put_value(rec.body, value)
        else:
            attrs[key] = value
    if not tag_first:
        attrs[TAG_KEY] = tag
    out = rec.attributes
    for key, value in attrs.items():
        kv = out.add()
        _set_key(kv, key)
        put_value(kv.value, value)


def _entry(records: Any, entry: Any, tag: str) -> None:
    if type(entry) is not list or len(entry) != 2:
        got = len(entry) if type(entry) is list else _type_name(entry)
        raise ForwardError(f"Entries: msgp: wanted array of size 2; got {got}")
    _fill(records.add(), entry[0], entry[1], tag, tag_first=False)


def _options(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise ForwardError(f"Option: got {_type_name(value)}, want map")
    if len(value) > MAX_OPTION_COUNT:
        raise ForwardError(f"option count {len(value)} exceeds maximum {MAX_OPTION_COUNT}")
    for key in value:
        if type(key) is not str:
            raise ForwardError(f"Option: map key of type {_type_name(key)}, want str")
    return value


def _gunzip(data: bytes) -> bytes:
    """Every gzip member in ``data`` (Go's reader is multistream), bounded by MAX_EVENT_BYTES."""
    out = bytearray()
    try:
        while data:
            member = zlib.decompressobj(wbits=31)
            out += member.decompress(data, MAX_EVENT_BYTES + 1 - len(out))
            if len(out) > MAX_EVENT_BYTES:
                raise ForwardError(f"decompressed entries exceed {MAX_EVENT_BYTES} bytes")
            if not member.eof:
                raise ForwardError("gzip: unexpected EOF")
            data = member.unused_data
    except zlib.error as exc:
        raise ForwardError(f"gzip: {exc}") from None
    return bytes(out)


def _packed_entries(records: Any, data: bytes, tag: str) -> None:
    stream = unpacker(max(len(data), 1))
    stream.feed(data)
    try:
        for entry in stream:
            _entry(records, entry, tag)
    except ForwardError:
        raise
    except Exception as exc:  # msgpack's FormatError, StackError, ValueError on bad bytes
        raise ForwardError(f"Entries: {exc}") from None
    if has_partial_object(stream):
        raise ForwardError("Entries: unexpected EOF")


def decode_event(event: Any, records: Any) -> str | None:
    """Append the log records of one event to ``records`` (a repeated LogRecord field) and return
    its ``chunk`` option (None without one). ForwardError when the event is malformed; records
    already appended for it are then the caller's to drop."""
    if type(event) is not list or len(event) < 2:
        raise ForwardError("could not determine event mode")
    tag = event[0]
    if type(tag) is not str:
        raise ForwardError("malformed tag field")
    second = event[1]
    kind = type(second)
    options: dict[str, Any] = {}
    if kind is int or kind is msgpack.ExtType or kind is msgpack.Timestamp:  # Message mode
        if not 3 <= len(event) <= 4:
            raise ForwardError(f"failed to parse message mode event: msgp: wanted array of size 3; got {len(event)}")
        _fill(records.add(), second, event[2], tag, tag_first=True)
        if len(event) == 4:
            options = _options(event[3])
    elif kind is list:  # Forward mode
        if not 2 <= len(event) <= 3:
            raise ForwardError(f"failed to parse forward mode event: msgp: wanted array of size 2; got {len(event)}")
        if len(second) > MAX_ENTRY_COUNT:
            raise ForwardError(f"entry count {len(second)} exceeds maximum {MAX_ENTRY_COUNT}")
        for entry in second:
            _entry(records, entry, tag)
        if len(event) == 3:
            options = _options(event[2])
    elif kind is bytes or kind is str:  # PackedForward mode
        if not 2 <= len(event) <= 3:
            raise ForwardError(
                f"failed to parse packedforward mode event: msgp: wanted array of size 2; got {len(event)}"
            )
        if len(event) == 3:
            options = _options(event[2])
        data = second if kind is bytes else second.encode("utf-8", "surrogateescape")
        if options.get("compressed") == "gzip":
            data = _gunzip(data)
        _packed_entries(records, data, tag)
    else:
        raise ForwardError(f"unable to determine next event mode for type {_type_name(second)}")
    chunk = options.get("chunk")
    return chunk if type(chunk) is str and chunk else None
