"""The Zipkin v2 protobuf messages (``zipkin.proto`` beside this file describes them), built from a
descriptor written here rather than from protoc output: generated modules pin the protobuf
runtime to the generator's version, and this package supports protobuf 5 to 7."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = ["FILE_DESCRIPTOR", "ListOfSpans", "SpanKindNames"]

_F = descriptor_pb2.FieldDescriptorProto
_PACKAGE = "pyotelcol.zipkin.proto3"


def _field(name: str, number: int, kind: Any, type_name: str = "", repeated: bool = False) -> Any:
    field = _F(name=name, number=number, type=kind, label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name:
        field.type_name = f".{_PACKAGE}.{type_name}"
    return field


def _file() -> descriptor_pb2.FileDescriptorProto:
    endpoint = descriptor_pb2.DescriptorProto(
        name="Endpoint",
        field=[
            _field("service_name", 1, _F.TYPE_STRING),
            _field("ipv4", 2, _F.TYPE_BYTES),
            _field("ipv6", 3, _F.TYPE_BYTES),
            _field("port", 4, _F.TYPE_INT32),
        ],
    )
    annotation = descriptor_pb2.DescriptorProto(
        name="Annotation",
        field=[_field("timestamp", 1, _F.TYPE_FIXED64), _field("value", 2, _F.TYPE_STRING)],
    )
    tags_entry = descriptor_pb2.DescriptorProto(
        name="TagsEntry",
        field=[_field("key", 1, _F.TYPE_STRING), _field("value", 2, _F.TYPE_STRING)],
        options=descriptor_pb2.MessageOptions(map_entry=True),
    )
    kind = descriptor_pb2.EnumDescriptorProto(
        name="Kind",
        value=[
            descriptor_pb2.EnumValueDescriptorProto(name=name, number=number)
            for number, name in enumerate(("SPAN_KIND_UNSPECIFIED", "CLIENT", "SERVER", "PRODUCER", "CONSUMER"))
        ],
    )
    span = descriptor_pb2.DescriptorProto(
        name="Span",
        field=[
            _field("trace_id", 1, _F.TYPE_BYTES),
            _field("parent_id", 2, _F.TYPE_BYTES),
            _field("id", 3, _F.TYPE_BYTES),
            _field("kind", 4, _F.TYPE_ENUM, "Span.Kind"),
            _field("name", 5, _F.TYPE_STRING),
            _field("timestamp", 6, _F.TYPE_FIXED64),
            _field("duration", 7, _F.TYPE_UINT64),
            _field("local_endpoint", 8, _F.TYPE_MESSAGE, "Endpoint"),
            _field("remote_endpoint", 9, _F.TYPE_MESSAGE, "Endpoint"),
            _field("annotations", 10, _F.TYPE_MESSAGE, "Annotation", repeated=True),
            _field("tags", 11, _F.TYPE_MESSAGE, "Span.TagsEntry", repeated=True),
            _field("debug", 12, _F.TYPE_BOOL),
            _field("shared", 13, _F.TYPE_BOOL),
        ],
        nested_type=[tags_entry],
        enum_type=[kind],
    )
    list_of_spans = descriptor_pb2.DescriptorProto(
        name="ListOfSpans", field=[_field("spans", 1, _F.TYPE_MESSAGE, "Span", repeated=True)]
    )
    return descriptor_pb2.FileDescriptorProto(
        name="pyotelcol/translator/zipkin/zipkin.proto",
        package=_PACKAGE,
        syntax="proto3",
        message_type=[endpoint, annotation, span, list_of_spans],
    )


FILE_DESCRIPTOR = _file()
# A private pool: nothing else registered in the process can clash with these names.
_POOL = descriptor_pool.DescriptorPool()
_POOL.AddSerializedFile(FILE_DESCRIPTOR.SerializeToString())

ListOfSpans: Any = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{_PACKAGE}.ListOfSpans"))
SpanKindNames: dict[int, str] = {
    value.number: value.name for value in _POOL.FindEnumTypeByName(f"{_PACKAGE}.Span.Kind").values
}
