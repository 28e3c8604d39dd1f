"""Thin containers over the OTLP export requests that keep the received wire bytes.

The receiver's bytes are reused by exporters for as long as nothing has changed the data. Data is
read and changed through the views (``traces.resource_spans``, ``metrics.resource_metrics``,
``logs.resource_logs``; see ``ptrace``, ``pmetric``, ``plog``, ``pcommon``): every change asks the
container first, which refuses when the data is shared read-only between consumers and otherwise
drops the cached bytes. ``message`` is the raw request for reading; ``mutable()`` hands it out for
a direct change and drops the bytes the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Generic, Self, TypeVar

from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ..component.ids import Signal
from .pcommon import ReadOnlyError, Resource, ViewSlice
from .plog import ResourceLogs
from .pmetric import ResourceMetrics
from .ptrace import ResourceSpans

M = TypeVar("M", ExportTraceServiceRequest, ExportMetricsServiceRequest, ExportLogsServiceRequest)


class InvalidDataError(ValueError):
    """The bytes do not decode as an OTLP export request, or break an OTLP invariant."""


class LimitError(InvalidDataError):
    """Well-formed data beyond a limit this collector enforces and Go's does not (nesting depth)."""


MAX_DEPTH = 100
"""How deep messages may nest below the request (the request itself is level 0): upb's default
decode limit (``kUpb_WireFormat_DefaultDepthLimit``), which the Python binding applies to every
``ParseFromString``. Data nested deeper serializes but no longer parses, so no decoder may accept
it. Go's protobuf decoder has no such limit."""

DEPTH_MESSAGE = f"messages nested more than {MAX_DEPTH} levels deep"


def _parse_error(exc: Exception) -> InvalidDataError:
    text = str(exc)
    if "MaxDepth" in text:  # upb: "... Exceeded upb_DecodeOptions_MaxDepth"
        return LimitError(f"proto: cannot parse invalid wire-format data: {DEPTH_MESSAGE}")
    return InvalidDataError(f"proto: cannot parse invalid wire-format data: {text}")


class PData(Generic[M]):
    """Base for Traces, Metrics and Logs; ``signal`` and ``message_type`` are set per subclass."""

    __slots__ = ("_checked", "_count", "_msg", "_read_only", "_wire", "write_generation")
    signal: ClassVar[Signal]
    message_type: ClassVar[type[Message]]
    # The repeated fields from the request down to the items ("resource_spans", "scope_spans",
    # "spans"; for metrics the leaf is "metrics", whose data points are the items).
    resource_field: ClassVar[str]
    scope_field: ClassVar[str]
    item_field: ClassVar[str]

    def __init__(self, message: M, wire: bytes | None = None) -> None:
        # ``_msg`` is None only for data built by ``from_trusted_wire``: parsed on first use.
        self._msg: M | None = message
        self._wire = wire
        self._read_only = False
        self._count: int | None = None
        # True when ``to_wire()`` is known to parse back: the bytes were parsed, the message came
        # from them or from a decoder that enforces the same limits (OTLP/JSON).
        self._checked = False
        # Counts the writes: whoever derived something from the contents (OTTL's attribute key
        # index) knows it is still true while this number has not moved.
        self.write_generation = 0

    @classmethod
    def from_wire(cls, body: bytes) -> Self:
        msg = cls.message_type()
        try:
            msg.ParseFromString(body)
        except (DecodeError, RuntimeError, ValueError) as exc:
            raise _parse_error(exc) from None
        data = cls(msg, bytes(body))  # type: ignore[arg-type]
        data._checked = True
        data._check_ids()
        return data

    @classmethod
    def from_trusted_wire(cls, wire: bytes, count: int | None = None, checked: bool = False) -> Self:
        """Data over bytes believed to be a valid request (e.g. the concatenated wire bytes of
        requests that each came through ``from_wire``). Nothing is parsed until something reads
        ``message``: a pass-through pipeline forwards the bytes without ever decoding them.
        ``checked`` vouches that the bytes parse (``wire_checked``); a parse that fails later
        raises InvalidDataError."""
        data = cls.__new__(cls)
        data._msg = None
        data._wire = wire
        data._read_only = False
        data._count = count
        data._checked = checked
        data.write_generation = 0
        return data

    @classmethod
    def empty(cls) -> Self:
        return cls(cls.message_type())  # type: ignore[arg-type]

    @property
    def message(self) -> M:
        """The request message, for reading. Call ``mutable()`` before changing anything."""
        msg = self._msg
        if msg is None:
            parsed: Any = self.message_type()
            try:
                parsed.ParseFromString(self._wire)
            except (DecodeError, RuntimeError, ValueError) as exc:
                raise _parse_error(exc) from None
            self._msg = msg = parsed
            self._checked = True
        return msg

    def mutable(self) -> M:
        """The request message for a change made directly on the protobuf (the views in
        ``ptrace``/``pmetric``/``plog`` are the safer way): drops the cached wire bytes."""
        self.before_write()  # parses first when only the bytes are there
        return self.message

    def before_write(self) -> None:
        """The write guard every view of this data runs before a change (Go's ``State``):
        shared read-only data refuses; owned data forgets its wire bytes and item count."""
        if self._read_only:  # checked here first: this runs on every write
            self.ensure_writable()
        if self._msg is None:
            self.message  # noqa: B018 - parse now: the bytes are about to be dropped
        self._wire = None
        self._count = None
        self._checked = False
        self.write_generation += 1

    def ensure_writable(self) -> None:
        """Raise ReadOnlyError when the data is shared read-only between consumers."""
        if self._read_only:
            raise ReadOnlyError(f"{self.signal.value} data is shared read-only between consumers")

    def replace_wire(self, wire: bytes, checked: bool) -> None:
        """Swap the wire bytes for edited ones without a full serialize (``splice``): the read-only
        check runs, the item count is kept (the edit must not add or remove items), ``checked``
        says whether the new bytes are known to parse back. A parsed message must already hold
        the same change."""
        self.ensure_writable()
        self._wire = wire
        self._checked = checked

    def replace_all_wire(self, wire: bytes) -> None:
        """The data becomes ``wire``, a whole request re-encoded from this one's bytes with the same
        items (OTTL statements run over the bytes, ``ottl.wireprogram``): the parsed message is
        dropped and parsed again on the next read; the caller vouches that the bytes parse."""
        self.ensure_writable()
        self._msg = None
        self._wire = wire
        self._checked = True
        self.write_generation += 1

    def mark_read_only(self) -> None:
        self._read_only = True

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def has_wire(self) -> bool:
        return self._wire is not None

    @property
    def wire_only(self) -> bool:
        """Bytes only, not parsed yet (``from_trusted_wire`` data nothing has read)."""
        return self._msg is None

    @property
    def wire_checked(self) -> bool:
        """Whether ``to_wire()`` is known to parse back: the data came through ``from_wire`` or
        the OTLP/JSON decoder, was parsed since, or was vouched for
        (``from_trusted_wire(checked=True)``). Any change clears it."""
        return self._checked

    @property
    def unverified_wire(self) -> bool:
        """Bytes only, never parsed and not vouched for: ``to_wire()`` may not parse back.
        (Data backed by a message is trusted to serialize into bytes that parse.)"""
        return self._msg is None and not self._checked

    def mark_checked(self) -> None:
        """For decoders that enforce every limit ``from_wire`` does (see ``otlpjson``)."""
        self._checked = True

    def check_wire(self, force: bool = False) -> None:
        """Prove that ``to_wire()`` parses back (a full parse unless already known, or ``force``):
        raises InvalidDataError otherwise. For error paths and for bytes nobody vouched for."""
        if self._checked and not force:
            return
        wire = self.to_wire()
        probe = self.message_type()
        try:
            probe.ParseFromString(wire)
        except (DecodeError, RuntimeError, ValueError) as exc:
            raise _parse_error(exc) from None
        self._checked = True

    def to_wire(self) -> bytes:
        if self._wire is None:
            self._wire = self.message.SerializeToString()
        return self._wire

    def clone(self) -> Self:
        if self._wire is not None:
            return type(self).from_trusted_wire(self._wire, self._count, self._checked)
        msg = self.message_type()
        msg.CopyFrom(self.message)
        copy = type(self)(msg)  # type: ignore[arg-type]
        copy._count = self._count
        copy._checked = self._checked
        return copy

    def item_count(self) -> int:
        if self._count is None:
            self._count = self._count_items()
        return self._count

    def resources(self) -> Iterator[Resource]:
        """The resource of every top-level entry, whatever the signal: for changes that touch
        only resources (a resource attribute added to everything, ...)."""
        for entry in getattr(self.message, self.resource_field):
            yield Resource(entry.resource, self)

    def items(self) -> Iterator[tuple[Resource, Any, Any]]:
        """Every item (span, metric, log record) with its resource and scope, whatever the
        signal, as views: ``(Resource, InstrumentationScope, Span | Metric | LogRecord)``."""
        for entry in getattr(self, self.resource_field):
            resource = entry.resource
            for scoped in getattr(entry, self.scope_field):
                scope = scoped.scope
                for item in getattr(scoped, self.item_field):
                    yield resource, scope, item

    def resource_count(self) -> int:
        raise NotImplementedError

    def _count_items(self) -> int:
        raise NotImplementedError

    def _check_ids(self) -> None:
        """Binary trace/span ids must be empty or of the right length (Go rejects them)."""

    def __len__(self) -> int:
        return self.item_count()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(items={self.item_count()}, wire={self._wire is not None})"


def _bad_id(value: bytes, size: int) -> bool:
    return len(value) not in (0, size)


_SPAN_ID_SHAPES = frozenset((t, s, p) for t in (0, 16) for s in (0, 8) for p in (0, 8))


class Traces(PData[ExportTraceServiceRequest]):
    __slots__ = ()
    signal = Signal.TRACES
    resource_field = "resource_spans"
    scope_field = "scope_spans"
    item_field = "spans"
    message_type = ExportTraceServiceRequest

    @property
    def resource_spans(self) -> ViewSlice[ResourceSpans]:
        return ViewSlice(self.message.resource_spans, ResourceSpans, self)

    def resource_count(self) -> int:
        return len(self.message.resource_spans)

    def _count_items(self) -> int:
        return sum(len(ss.spans) for rs in self.message.resource_spans for ss in rs.scope_spans)

    def _check_ids(self) -> None:
        # One set comprehension per scope collects the distinct (trace id, span id, parent id,
        # link count) length shapes. Only a scope with a bad shape or with links is walked span
        # by span (in wire order, so the first bad id decides the message, as in Go). Counting
        # the spans on the way saves a second walk for ``item_count()``.
        count = 0
        for rs in self.message.resource_spans:
            for ss in rs.scope_spans:
                spans = ss.spans
                count += len(spans)
                shapes = {(len(s.trace_id), len(s.span_id), len(s.parent_span_id), len(s.links)) for s in spans}
                if any(shape[:3] not in _SPAN_ID_SHAPES or shape[3] for shape in shapes):
                    self._check_spans(spans)
        self._count = count

    @staticmethod
    def _check_spans(spans: Any) -> None:
        for span in spans:
            if _bad_id(span.trace_id, 16) or _bad_id(span.span_id, 8) or _bad_id(span.parent_span_id, 8):
                raise InvalidDataError("invalid length for ID in span")
            for link in span.links:
                if _bad_id(link.trace_id, 16) or _bad_id(link.span_id, 8):
                    raise InvalidDataError("invalid length for ID in span link")


def _metric_points(metric: object) -> int:
    kind = metric.WhichOneof("data")  # type: ignore[attr-defined]
    if kind is None:
        return 0
    return len(getattr(metric, kind).data_points)


class Metrics(PData[ExportMetricsServiceRequest]):
    __slots__ = ()
    signal = Signal.METRICS
    resource_field = "resource_metrics"
    scope_field = "scope_metrics"
    item_field = "metrics"
    message_type = ExportMetricsServiceRequest

    @property
    def resource_metrics(self) -> ViewSlice[ResourceMetrics]:
        return ViewSlice(self.message.resource_metrics, ResourceMetrics, self)

    def resource_count(self) -> int:
        return len(self.message.resource_metrics)

    def metric_count(self) -> int:
        return sum(len(sm.metrics) for rm in self.message.resource_metrics for sm in rm.scope_metrics)

    def _count_items(self) -> int:
        return sum(
            _metric_points(m) for rm in self.message.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
        )


class Logs(PData[ExportLogsServiceRequest]):
    __slots__ = ()
    signal = Signal.LOGS
    resource_field = "resource_logs"
    scope_field = "scope_logs"
    item_field = "log_records"
    message_type = ExportLogsServiceRequest

    @property
    def resource_logs(self) -> ViewSlice[ResourceLogs]:
        return ViewSlice(self.message.resource_logs, ResourceLogs, self)

    def resource_count(self) -> int:
        return len(self.message.resource_logs)

    def _count_items(self) -> int:
        return sum(len(sl.log_records) for rl in self.message.resource_logs for sl in rl.scope_logs)

    def _check_ids(self) -> None:
        for rl in self.message.resource_logs:
            for sl in rl.scope_logs:
                for rec in sl.log_records:
                    if _bad_id(rec.trace_id, 16) or _bad_id(rec.span_id, 8):
                        raise InvalidDataError("invalid length for ID in log record")


AnyData = Traces | Metrics | Logs

BY_SIGNAL: dict[Signal, type[Traces] | type[Metrics] | type[Logs]] = {
    Signal.TRACES: Traces,
    Signal.METRICS: Metrics,
    Signal.LOGS: Logs,
}
