"""The ``grpc.health.v1`` messages, built from their descriptor in a private pool (the
grpcio-health-checking package is not a dependency; a private pool cannot clash with it)."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

SERVICE = "grpc.health.v1.Health"

UNKNOWN = 0
SERVING = 1
NOT_SERVING = 2
SERVICE_UNKNOWN = 3


def _build() -> tuple[Any, Any]:
    fdp = descriptor_pb2.FileDescriptorProto(
        name="pyotelcol/grpc/health/v1/health.proto", package="grpc.health.v1", syntax="proto3"
    )
    fdp.message_type.add(name="HealthCheckRequest").field.add(
        name="service",
        number=1,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
        label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
    )
    response = fdp.message_type.add(name="HealthCheckResponse")
    enum = response.enum_type.add(name="ServingStatus")
    for name, number in (
        ("UNKNOWN", UNKNOWN),
        ("SERVING", SERVING),
        ("NOT_SERVING", NOT_SERVING),
        ("SERVICE_UNKNOWN", SERVICE_UNKNOWN),
    ):
        enum.value.add(name=name, number=number)
    response.field.add(
        name="status",
        number=1,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_ENUM,
        type_name=".grpc.health.v1.HealthCheckResponse.ServingStatus",
        label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    request_cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckRequest"))
    response_cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("grpc.health.v1.HealthCheckResponse"))
    return request_cls, response_cls


_REQUEST, _RESPONSE = _build()


def decode_request(raw: bytes) -> str:
    """The ``service`` of a HealthCheckRequest; ValueError when the bytes do not parse."""
    message = _REQUEST()
    try:
        message.ParseFromString(raw)
    except Exception as exc:  # protobuf's DecodeError
        raise ValueError(str(exc)) from None
    return str(message.service)


def encode_response(status: int) -> bytes:
    return bytes(_RESPONSE(status=status).SerializeToString())
