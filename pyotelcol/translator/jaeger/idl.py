"""The Jaeger thrift IDL (``jaeger.thrift`` and the agent's ``emitBatch``), loaded with thriftpy2.

Kept as Python text rather than ``.thrift`` files so that it ships in the wheel with the code that
loads it. Field ids and types are those of the published Jaeger wire format; the agent service
declares only ``emitBatch`` because Go's receiver rejects ``emitZipkinBatch``.
"""

from __future__ import annotations

import io
import types

import thriftpy2

JAEGER_THRIFT = """
enum TagType { STRING, DOUBLE, BOOL, LONG, BINARY }

struct Tag {
  1: required string  key
  2: required TagType vType
  3: optional string  vStr
  4: optional double  vDouble
  5: optional bool    vBool
  6: optional i64     vLong
  7: optional binary  vBinary
}

struct Log {
  1: required i64       timestamp
  2: required list<Tag> fields
}

enum SpanRefType { CHILD_OF, FOLLOWS_FROM }

struct SpanRef {
  1: required SpanRefType refType
  2: required i64         traceIdLow
  3: required i64         traceIdHigh
  4: required i64         spanId
}

struct Span {
  1:  required i64           traceIdLow
  2:  required i64           traceIdHigh
  3:  required i64           spanId
  4:  required i64           parentSpanId
  5:  required string        operationName
  6:  optional list<SpanRef> references
  7:  required i32           flags
  8:  required i64           startTime
  9:  required i64           duration
  10: optional list<Tag>     tags
  11: optional list<Log>     logs
}

struct Process {
  1: required string    serviceName
  2: optional list<Tag> tags
}

struct ClientStats {
  1: required i64 fullQueueDroppedSpans
  2: required i64 tooLargeDroppedSpans
  3: required i64 failedToEmitSpans
}

struct Batch {
  1: required Process     process
  2: required list<Span>  spans
  3: optional i64         seqNo
  4: optional ClientStats stats
}
"""

AGENT_THRIFT = """
service Agent {
  oneway void emitBatch(1: Batch batch)
}
"""


def load() -> types.ModuleType:
    """The thriftpy2 module holding ``Batch``, ``Span`` ... and the ``Agent`` service."""
    return thriftpy2.load_fp(io.StringIO(JAEGER_THRIFT + AGENT_THRIFT), module_name="pyotelcol_jaeger_thrift")
