"""The Prometheus remote-write 1.0 messages (``prompb.proto`` beside this file describes them),
built from a descriptor written here rather than from protoc output: generated modules pin the
protobuf runtime to the generator's version, and pyotelcol supports protobuf 5 to 7."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = [
    "FILE_DESCRIPTOR",
    "BucketSpan",
    "Exemplar",
    "Histogram",
    "Label",
    "MetricMetadata",
    "Sample",
    "TimeSeries",
    "WriteRequest",
]

_F = descriptor_pb2.FieldDescriptorProto
_PACKAGE = "pyotelcol.prometheus.prompb"


def _field(
    name: str, number: int, kind: Any, type_name: str = "", repeated: bool = False, oneof: int | None = None
) -> Any:
    field = _F(name=name, number=number, type=kind, label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name:
        field.type_name = f".{_PACKAGE}.{type_name}"
    if oneof is not None:
        field.oneof_index = oneof
    return field


def _enum(name: str, values: tuple[str, ...]) -> descriptor_pb2.EnumDescriptorProto:
    return descriptor_pb2.EnumDescriptorProto(
        name=name,
        value=[descriptor_pb2.EnumValueDescriptorProto(name=v, number=i) for i, v in enumerate(values)],
    )


def _file() -> descriptor_pb2.FileDescriptorProto:
    label = descriptor_pb2.DescriptorProto(
        name="Label", field=[_field("name", 1, _F.TYPE_STRING), _field("value", 2, _F.TYPE_STRING)]
    )
    sample = descriptor_pb2.DescriptorProto(
        name="Sample", field=[_field("value", 1, _F.TYPE_DOUBLE), _field("timestamp", 2, _F.TYPE_INT64)]
    )
    exemplar = descriptor_pb2.DescriptorProto(
        name="Exemplar",
        field=[
            _field("labels", 1, _F.TYPE_MESSAGE, "Label", repeated=True),
            _field("value", 2, _F.TYPE_DOUBLE),
            _field("timestamp", 3, _F.TYPE_INT64),
        ],
    )
    span = descriptor_pb2.DescriptorProto(
        name="BucketSpan", field=[_field("offset", 1, _F.TYPE_SINT32), _field("length", 2, _F.TYPE_UINT32)]
    )
    histogram = descriptor_pb2.DescriptorProto(
        name="Histogram",
        field=[
            _field("count_int", 1, _F.TYPE_UINT64, oneof=0),
            _field("count_float", 2, _F.TYPE_DOUBLE, oneof=0),
            _field("sum", 3, _F.TYPE_DOUBLE),
            _field("schema", 4, _F.TYPE_SINT32),
            _field("zero_threshold", 5, _F.TYPE_DOUBLE),
            _field("zero_count_int", 6, _F.TYPE_UINT64, oneof=1),
            _field("zero_count_float", 7, _F.TYPE_DOUBLE, oneof=1),
            _field("negative_spans", 8, _F.TYPE_MESSAGE, "BucketSpan", repeated=True),
            _field("negative_deltas", 9, _F.TYPE_SINT64, repeated=True),
            _field("negative_counts", 10, _F.TYPE_DOUBLE, repeated=True),
            _field("positive_spans", 11, _F.TYPE_MESSAGE, "BucketSpan", repeated=True),
            _field("positive_deltas", 12, _F.TYPE_SINT64, repeated=True),
            _field("positive_counts", 13, _F.TYPE_DOUBLE, repeated=True),
            _field("reset_hint", 14, _F.TYPE_ENUM, "Histogram.ResetHint"),
            _field("timestamp", 15, _F.TYPE_INT64),
            _field("custom_values", 16, _F.TYPE_DOUBLE, repeated=True),
        ],
        oneof_decl=[
            descriptor_pb2.OneofDescriptorProto(name="count"),
            descriptor_pb2.OneofDescriptorProto(name="zero_count"),
        ],
        enum_type=[_enum("ResetHint", ("UNKNOWN", "YES", "NO", "GAUGE"))],
    )
    series = descriptor_pb2.DescriptorProto(
        name="TimeSeries",
        field=[
            _field("labels", 1, _F.TYPE_MESSAGE, "Label", repeated=True),
            _field("samples", 2, _F.TYPE_MESSAGE, "Sample", repeated=True),
            _field("exemplars", 3, _F.TYPE_MESSAGE, "Exemplar", repeated=True),
            _field("histograms", 4, _F.TYPE_MESSAGE, "Histogram", repeated=True),
        ],
    )
    metadata = descriptor_pb2.DescriptorProto(
        name="MetricMetadata",
        field=[
            _field("type", 1, _F.TYPE_ENUM, "MetricMetadata.MetricType"),
            _field("metric_family_name", 2, _F.TYPE_STRING),
            _field("help", 4, _F.TYPE_STRING),
            _field("unit", 5, _F.TYPE_STRING),
        ],
        enum_type=[
            _enum(
                "MetricType",
                ("UNKNOWN", "COUNTER", "GAUGE", "HISTOGRAM", "GAUGEHISTOGRAM", "SUMMARY", "INFO", "STATESET"),
            )
        ],
    )
    write_request = descriptor_pb2.DescriptorProto(
        name="WriteRequest",
        field=[
            _field("timeseries", 1, _F.TYPE_MESSAGE, "TimeSeries", repeated=True),
            _field("metadata", 3, _F.TYPE_MESSAGE, "MetricMetadata", repeated=True),
        ],
        reserved_range=[descriptor_pb2.DescriptorProto.ReservedRange(start=2, end=3)],
    )
    return descriptor_pb2.FileDescriptorProto(
        name="pyotelcol/translator/prometheus/prompb.proto",
        package=_PACKAGE,
        syntax="proto3",
        message_type=[label, sample, exemplar, span, histogram, series, metadata, write_request],
    )


FILE_DESCRIPTOR = _file()
# A private pool: nothing else registered in the process can clash with these names.
_POOL = descriptor_pool.DescriptorPool()
_POOL.AddSerializedFile(FILE_DESCRIPTOR.SerializeToString())


def _message(name: str) -> Any:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{_PACKAGE}.{name}"))


Label: Any = _message("Label")
Sample: Any = _message("Sample")
Exemplar: Any = _message("Exemplar")
BucketSpan: Any = _message("BucketSpan")
Histogram: Any = _message("Histogram")
TimeSeries: Any = _message("TimeSeries")
MetricMetadata: Any = _message("MetricMetadata")
WriteRequest: Any = _message("WriteRequest")
