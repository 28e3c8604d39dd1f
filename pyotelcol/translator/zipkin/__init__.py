"""Zipkin (v1 JSON, v1 thrift, v2 JSON and v2 protobuf) to OTLP traces, as the Go collector's contrib
``pkg/translator/zipkin`` translates them for the ``zipkin`` receiver."""

from .errors import ZipkinError
from .v1 import v1_json_to_traces
from .v1_thrift import v1_thrift_to_traces
from .v2 import v2_json_to_traces, v2_proto_to_traces

__all__ = ["ZipkinError", "v1_json_to_traces", "v1_thrift_to_traces", "v2_json_to_traces", "v2_proto_to_traces"]
