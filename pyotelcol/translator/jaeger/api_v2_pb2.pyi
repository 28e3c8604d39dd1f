# Generated from api_v2.proto by grpcio-tools 1.85.1 (the .pyi only) (from the repository root):
#   .venv/bin/python -m grpc_tools.protoc -I. --python_out=. --pyi_out=. pyotelcol/translator/jaeger/api_v2.proto
import datetime
from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from typing import Any as _Any
from typing import ClassVar as _ClassVar

from google.protobuf import descriptor as _descriptor
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import message as _message
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper

DESCRIPTOR: _descriptor.FileDescriptor

class ValueType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STRING: _ClassVar[ValueType]
    BOOL: _ClassVar[ValueType]
    INT64: _ClassVar[ValueType]
    FLOAT64: _ClassVar[ValueType]
    BINARY: _ClassVar[ValueType]

class SpanRefType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHILD_OF: _ClassVar[SpanRefType]
    FOLLOWS_FROM: _ClassVar[SpanRefType]

STRING: ValueType
BOOL: ValueType
INT64: ValueType
FLOAT64: ValueType
BINARY: ValueType
CHILD_OF: SpanRefType
FOLLOWS_FROM: SpanRefType

class KeyValue(_message.Message):
    __slots__ = ("key", "v_binary", "v_bool", "v_float64", "v_int64", "v_str", "v_type")
    KEY_FIELD_NUMBER: _ClassVar[int]
    V_TYPE_FIELD_NUMBER: _ClassVar[int]
    V_STR_FIELD_NUMBER: _ClassVar[int]
    V_BOOL_FIELD_NUMBER: _ClassVar[int]
    V_INT64_FIELD_NUMBER: _ClassVar[int]
    V_FLOAT64_FIELD_NUMBER: _ClassVar[int]
    V_BINARY_FIELD_NUMBER: _ClassVar[int]
    key: str
    v_type: ValueType
    v_str: str
    v_bool: bool
    v_int64: int
    v_float64: float
    v_binary: bytes
    def __init__(
        self,
        key: str | None = ...,
        v_type: ValueType | str | None = ...,
        v_str: str | None = ...,
        v_bool: bool | None = ...,
        v_int64: int | None = ...,
        v_float64: float | None = ...,
        v_binary: bytes | None = ...,
    ) -> None: ...

class Log(_message.Message):
    __slots__ = ("fields", "timestamp")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    fields: _containers.RepeatedCompositeFieldContainer[KeyValue]
    def __init__(
        self,
        timestamp: datetime.datetime | _timestamp_pb2.Timestamp | _Mapping[str, _Any] | None = ...,
        fields: _Iterable[KeyValue | _Mapping[str, _Any]] | None = ...,
    ) -> None: ...

class SpanRef(_message.Message):
    __slots__ = ("ref_type", "span_id", "trace_id")
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SPAN_ID_FIELD_NUMBER: _ClassVar[int]
    REF_TYPE_FIELD_NUMBER: _ClassVar[int]
    trace_id: bytes
    span_id: bytes
    ref_type: SpanRefType
    def __init__(
        self,
        trace_id: bytes | None = ...,
        span_id: bytes | None = ...,
        ref_type: SpanRefType | str | None = ...,
    ) -> None: ...

class Process(_message.Message):
    __slots__ = ("service_name", "tags")
    SERVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    service_name: str
    tags: _containers.RepeatedCompositeFieldContainer[KeyValue]
    def __init__(
        self, service_name: str | None = ..., tags: _Iterable[KeyValue | _Mapping[str, _Any]] | None = ...
    ) -> None: ...

class Span(_message.Message):
    __slots__ = (
        "duration",
        "flags",
        "logs",
        "operation_name",
        "process",
        "process_id",
        "references",
        "span_id",
        "start_time",
        "tags",
        "trace_id",
        "warnings",
    )
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    SPAN_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_NAME_FIELD_NUMBER: _ClassVar[int]
    REFERENCES_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    PROCESS_FIELD_NUMBER: _ClassVar[int]
    PROCESS_ID_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    trace_id: bytes
    span_id: bytes
    operation_name: str
    references: _containers.RepeatedCompositeFieldContainer[SpanRef]
    flags: int
    start_time: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    tags: _containers.RepeatedCompositeFieldContainer[KeyValue]
    logs: _containers.RepeatedCompositeFieldContainer[Log]
    process: Process
    process_id: str
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(
        self,
        trace_id: bytes | None = ...,
        span_id: bytes | None = ...,
        operation_name: str | None = ...,
        references: _Iterable[SpanRef | _Mapping[str, _Any]] | None = ...,
        flags: int | None = ...,
        start_time: datetime.datetime | _timestamp_pb2.Timestamp | _Mapping[str, _Any] | None = ...,
        duration: datetime.timedelta | _duration_pb2.Duration | _Mapping[str, _Any] | None = ...,
        tags: _Iterable[KeyValue | _Mapping[str, _Any]] | None = ...,
        logs: _Iterable[Log | _Mapping[str, _Any]] | None = ...,
        process: Process | _Mapping[str, _Any] | None = ...,
        process_id: str | None = ...,
        warnings: _Iterable[str] | None = ...,
    ) -> None: ...

class Batch(_message.Message):
    __slots__ = ("process", "spans")
    SPANS_FIELD_NUMBER: _ClassVar[int]
    PROCESS_FIELD_NUMBER: _ClassVar[int]
    spans: _containers.RepeatedCompositeFieldContainer[Span]
    process: Process
    def __init__(
        self,
        spans: _Iterable[Span | _Mapping[str, _Any]] | None = ...,
        process: Process | _Mapping[str, _Any] | None = ...,
    ) -> None: ...

class PostSpansRequest(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: Batch
    def __init__(self, batch: Batch | _Mapping[str, _Any] | None = ...) -> None: ...

class PostSpansResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
