"""The Prometheus exposition protobuf messages (``client_model.proto`` beside this file describes
them; proto2, as the published format), built from a descriptor written here rather than from
protoc output, like ``prompb``. ``write_delimited`` frames them as a scrape body."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

__all__ = ["FILE_DESCRIPTOR", "MetricFamily", "MetricType", "write_delimited"]

_F = descriptor_pb2.FieldDescriptorProto
_PACKAGE = "pyotelcol.prometheus.client"
_TIMESTAMP = ".google.protobuf.Timestamp"


def _field(name: str, number: int, kind: Any, type_name: str = "", repeated: bool = False) -> Any:
    field = _F(name=name, number=number, type=kind, label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name:
        field.type_name = type_name if type_name.startswith(".") else f".{_PACKAGE}.{type_name}"
    return field


def _message(name: str, *fields: Any) -> descriptor_pb2.DescriptorProto:
    return descriptor_pb2.DescriptorProto(name=name, field=list(fields))


def _file() -> descriptor_pb2.FileDescriptorProto:
    d, s, u64, i64, s32, s64, u32 = (
        _F.TYPE_DOUBLE,
        _F.TYPE_STRING,
        _F.TYPE_UINT64,
        _F.TYPE_INT64,
        _F.TYPE_SINT32,
        _F.TYPE_SINT64,
        _F.TYPE_UINT32,
    )
    msg = _F.TYPE_MESSAGE
    messages = [
        _message("LabelPair", _field("name", 1, s), _field("value", 2, s)),
        _message("Gauge", _field("value", 1, d)),
        _message(
            "Counter",
            _field("value", 1, d),
            _field("exemplar", 2, msg, "Exemplar"),
            _field("created_timestamp", 3, msg, _TIMESTAMP),
        ),
        _message("Quantile", _field("quantile", 1, d), _field("value", 2, d)),
        _message(
            "Summary",
            _field("sample_count", 1, u64),
            _field("sample_sum", 2, d),
            _field("quantile", 3, msg, "Quantile", repeated=True),
            _field("created_timestamp", 4, msg, _TIMESTAMP),
        ),
        _message("Untyped", _field("value", 1, d)),
        _message(
            "Histogram",
            _field("sample_count", 1, u64),
            _field("sample_count_float", 4, d),
            _field("sample_sum", 2, d),
            _field("bucket", 3, msg, "Bucket", repeated=True),
            _field("created_timestamp", 15, msg, _TIMESTAMP),
            _field("schema", 5, s32),
            _field("zero_threshold", 6, d),
            _field("zero_count", 7, u64),
            _field("zero_count_float", 8, d),
            _field("negative_span", 9, msg, "BucketSpan", repeated=True),
            _field("negative_delta", 10, s64, repeated=True),
            _field("negative_count", 11, d, repeated=True),
            _field("positive_span", 12, msg, "BucketSpan", repeated=True),
            _field("positive_delta", 13, s64, repeated=True),
            _field("positive_count", 14, d, repeated=True),
            _field("exemplars", 16, msg, "Exemplar", repeated=True),
        ),
        _message(
            "Bucket",
            _field("cumulative_count", 1, u64),
            _field("cumulative_count_float", 4, d),
            _field("upper_bound", 2, d),
            _field("exemplar", 3, msg, "Exemplar"),
        ),
        _message("BucketSpan", _field("offset", 1, s32), _field("length", 2, u32)),
        _message(
            "Exemplar",
            _field("label", 1, msg, "LabelPair", repeated=True),
            _field("value", 2, d),
            _field("timestamp", 3, msg, _TIMESTAMP),
        ),
        _message(
            "Metric",
            _field("label", 1, msg, "LabelPair", repeated=True),
            _field("gauge", 2, msg, "Gauge"),
            _field("counter", 3, msg, "Counter"),
            _field("summary", 4, msg, "Summary"),
            _field("untyped", 5, msg, "Untyped"),
            _field("histogram", 7, msg, "Histogram"),
            _field("timestamp_ms", 6, i64),
        ),
        _message(
            "MetricFamily",
            _field("name", 1, s),
            _field("help", 2, s),
            _field("type", 3, _F.TYPE_ENUM, "MetricType"),
            _field("metric", 4, msg, "Metric", repeated=True),
            _field("unit", 5, s),
        ),
    ]
    metric_type = descriptor_pb2.EnumDescriptorProto(
        name="MetricType",
        value=[
            descriptor_pb2.EnumValueDescriptorProto(name=name, number=number)
            for number, name in enumerate(("COUNTER", "GAUGE", "SUMMARY", "UNTYPED", "HISTOGRAM", "GAUGE_HISTOGRAM"))
        ],
    )
    return descriptor_pb2.FileDescriptorProto(
        name="pyotelcol/translator/prometheus/client_model.proto",
        package=_PACKAGE,
        # proto2: protoc leaves ``syntax`` unset for it
        dependency=["google/protobuf/timestamp.proto"],
        message_type=messages,
        enum_type=[metric_type],
    )


FILE_DESCRIPTOR = _file()
# A private pool (with the Timestamp type it refers to): nothing else in the process can clash.
_POOL = descriptor_pool.DescriptorPool()
_POOL.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
_POOL.AddSerializedFile(FILE_DESCRIPTOR.SerializeToString())

MetricFamily: Any = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{_PACKAGE}.MetricFamily"))
MetricType: dict[str, int] = {v.name: v.number for v in _POOL.FindEnumTypeByName(f"{_PACKAGE}.MetricType").values}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def write_delimited(families: Iterable[Any]) -> bytes:
    """Each message preceded by its size as a varint (``encoding=delimited``)."""
    parts: list[bytes] = []
    for family in families:
        body = family.SerializeToString()
        parts.append(_varint(len(body)))
        parts.append(body)
    return b"".join(parts)
