"""Jaeger -> OTLP translation as Go's contrib ``pkg/translator/jaeger`` does it.

Decode with ``thrift_codec`` (``decode_batch`` for thrift_http bodies, ``decode_agent_message``
for the UDP agent ports) or ``decode_post_spans`` (gRPC ``PostSpans``), then translate with
``thrift_to_traces`` / ``proto_to_traces`` into one ``ExportTraceServiceRequest``. Bad input raises
``JaegerDecodeError``.
"""

from __future__ import annotations

from .attributes import DEFAULT_HTTP_STATUS_KEYS, DONT_EMIT_V0_HTTP_GATE, EMIT_V1_HTTP_GATE, http_status_keys
from .errors import JaegerDecodeError
from .from_proto import decode_post_spans, proto_to_traces
from .from_thrift import thrift_to_traces
from .thrift_codec import decode_agent_message, decode_batch

__all__ = [
    "DEFAULT_HTTP_STATUS_KEYS",
    "DONT_EMIT_V0_HTTP_GATE",
    "EMIT_V1_HTTP_GATE",
    "JaegerDecodeError",
    "decode_agent_message",
    "decode_batch",
    "decode_post_spans",
    "http_status_keys",
    "proto_to_traces",
    "thrift_to_traces",
]
