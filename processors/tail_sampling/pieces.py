"""Splitting incoming requests by trace ID without copying spans.

A ``Piece`` is the part of one incoming ``ResourceSpans`` that belongs to one trace: references to
the original resource, to each original scope the trace's spans appear under (in order) and to
those spans. The request is not changed and is owned by this processor once ``consume`` returns,
so the references stay valid; spans are copied only when a trace is forwarded (``materialize``),
which for most sampling setups is a small share of what comes in. References keep the whole
request in memory, so when less than half of a request's spans are buffered (the rest were late
spans forwarded or dropped at once) the buffered pieces are copied instead (``detach``). Go copies the resource and
scopes when it splits; the pieces read the same.

A piece has the attribute names of a ``ResourceSpans`` message (``resource``, ``scope_spans`` →
``scope``, ``spans``), so policies walk pieces as they would walk protobuf.
"""

from __future__ import annotations

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1 import trace_pb2

__all__ = ["Piece", "ScopePart", "detach", "materialize", "piece_size", "split_by_trace", "traces_size"]

# An empty trace ID is the all-zero ID, as pdata reads it (and hashes it, for probabilistic).
_ZERO_ID = bytes(16)


class ScopePart:
    __slots__ = ("spans", "ss")

    def __init__(self, ss: trace_pb2.ScopeSpans) -> None:
        self.ss = ss
        self.spans: list[trace_pb2.Span] = []

    @property
    def scope(self) -> InstrumentationScope:
        return self.ss.scope


class Piece:
    __slots__ = ("buffered", "has_root", "rs", "scope_spans", "span_count", "trace_id")

    def __init__(self, trace_id: bytes, rs: trace_pb2.ResourceSpans) -> None:
        self.trace_id = trace_id
        self.rs = rs
        self.scope_spans: list[ScopePart] = []
        self.span_count = 0
        self.has_root = False
        # Set when the processor keeps the piece for a trace still waiting for its decision.
        self.buffered = False

    @property
    def resource(self) -> Resource:
        return self.rs.resource


def split_by_trace(message: ExportTraceServiceRequest, find_roots: bool = True) -> list[Piece]:
    """One piece per (incoming ResourceSpans, trace ID), in order of first appearance;
    ``has_root`` is only worked out with ``find_roots``."""
    pieces: list[Piece] = []
    for rs in message.resource_spans:
        by_id: dict[bytes, tuple[Piece, list[ScopePart]]] = {}
        for ss in rs.scope_spans:
            for span in ss.spans:
                trace_id = span.trace_id or _ZERO_ID
                entry = by_id.get(trace_id)
                if entry is None:
                    piece = Piece(trace_id, rs)
                    entry = by_id[trace_id] = (piece, piece.scope_spans)
                    pieces.append(piece)
                parts = entry[1]
                if not parts or parts[-1].ss is not ss:
                    parts.append(ScopePart(ss))
                parts[-1].spans.append(span)
        for piece, parts in by_id.values():
            count = 0
            for part in parts:
                count += len(part.spans)
                if find_roots and not piece.has_root:
                    piece.has_root = any(not span.parent_span_id for span in part.spans)
            piece.span_count = count
    return pieces


def materialize(piece: Piece, out: trace_pb2.ResourceSpans) -> None:
    """Fills an empty ResourceSpans with copies of the piece's resource, scopes and spans."""
    out.schema_url = piece.rs.schema_url
    out.resource.CopyFrom(piece.rs.resource)
    for part in piece.scope_spans:
        scope = out.scope_spans.add(schema_url=part.ss.schema_url)
        scope.scope.CopyFrom(part.ss.scope)
        scope.spans.extend(part.spans)


def detach(piece: Piece) -> None:
    """Makes the piece hold copies of its resource, scopes and spans instead of references into
    the request, so that the request can be freed."""
    rs = trace_pb2.ResourceSpans()
    materialize(piece, rs)
    piece.rs = rs
    parts = []
    for ss in rs.scope_spans:
        part = ScopePart(ss)
        part.spans = list(ss.spans)
        parts.append(part)
    piece.scope_spans = parts


def _varint_len(n: int) -> int:
    return max(1, (n.bit_length() + 6) // 7)


def _field(size: int) -> int:
    """A length-delimited field with a one-byte tag."""
    return 1 + _varint_len(size) + size


def _text(value: str) -> int:
    return _field(len(value.encode())) if value else 0


def piece_size(piece: Piece) -> int:
    """The protobuf size of the piece as a ResourceSpans message (resource and scope always
    written, as Go's marshaler does)."""
    total = _field(piece.rs.resource.ByteSize()) + _text(piece.rs.schema_url)
    for part in piece.scope_spans:
        size = _field(part.ss.scope.ByteSize()) + _text(part.ss.schema_url)
        size += sum(_field(span.ByteSize()) for span in part.spans)
        total += _field(size)
    return total


def traces_size(pieces: list[Piece]) -> int:
    """The protobuf size of a traces request holding these pieces."""
    return sum(_field(piece_size(piece)) for piece in pieces)
