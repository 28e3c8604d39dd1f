"""What the OTLP exporters (gRPC and HTTP) share, as Go's otlpexporter and otlphttpexporter do it.

- ``user_agent``: Go's ``<description>/<version> (<os>/<arch>)``.
- ``RESPONSES``: each signal's export response and its partial-success fields; a partial
  success that rejected items or carries a message is logged at warning
  ``Partial success response`` (fields ``message`` and ``dropped_<items>``), the data counts as sent.
- Which refusals are worth retrying: gRPC CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE,
  UNAVAILABLE, DATA_LOSS, and RESOURCE_EXHAUSTED only when the server sent RetryInfo; HTTP 429,
  502, 503 and 504 (with ``Retry-After`` honoured on 429 and 503). Everything else is permanent.
- ``export_error``: the error both return, worded as grpc-go's status error
  (``rpc error: code = Unavailable desc = ...``) and carrying the gRPC code, so a receiver
  upstream can answer with it.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from ...component import Settings, Signal
from ...consumer import ConsumerError, PermanentError
from ..grpcstatus import GrpcCode, go_code_name

__all__ = [
    "RESPONSES",
    "RETRYABLE_GRPC_CODES",
    "RETRYABLE_HTTP_STATUSES",
    "THROTTLE_HTTP_STATUSES",
    "ExportResponse",
    "export_error",
    "grpc_code_retryable",
    "user_agent",
]


def user_agent(settings: Settings) -> str:
    """Go's ``<description>/<version> (<os>/<arch>)``."""
    info = settings.build_info
    return f"{info.description}/{info.version} ({platform.system().lower()}/{platform.machine().lower()})"


@dataclass(frozen=True, slots=True)
class ExportResponse:
    """A signal's ``Export*ServiceResponse`` and the names of its partial-success count."""

    message_type: type[Message]
    rejected_field: str
    dropped_key: str

    def log_partial_success(self, response: Message, logger: logging.Logger | logging.LoggerAdapter[Any]) -> None:
        partial: Any = response.partial_success  # type: ignore[attr-defined]
        rejected = int(getattr(partial, self.rejected_field))
        if partial.error_message or rejected:
            logger.warning(
                "Partial success response",
                extra={"fields": {"message": partial.error_message, self.dropped_key: rejected}},
            )


RESPONSES: dict[Signal, ExportResponse] = {
    Signal.TRACES: ExportResponse(ExportTraceServiceResponse, "rejected_spans", "dropped_spans"),
    Signal.METRICS: ExportResponse(ExportMetricsServiceResponse, "rejected_data_points", "dropped_data_points"),
    Signal.LOGS: ExportResponse(ExportLogsServiceResponse, "rejected_log_records", "dropped_log_records"),
}

RETRYABLE_GRPC_CODES = frozenset(
    {
        GrpcCode.CANCELLED,
        GrpcCode.DEADLINE_EXCEEDED,
        GrpcCode.ABORTED,
        GrpcCode.OUT_OF_RANGE,
        GrpcCode.UNAVAILABLE,
        GrpcCode.DATA_LOSS,
    }
)
RETRYABLE_HTTP_STATUSES = frozenset({429, 502, 503, 504})
#: The statuses whose ``Retry-After`` sets the next retry's delay.
THROTTLE_HTTP_STATUSES = frozenset({429, 503})


def grpc_code_retryable(code: int, has_retry_info: bool) -> bool:
    """Go's otlpexporter ``shouldRetry``."""
    return code in RETRYABLE_GRPC_CODES or (code == GrpcCode.RESOURCE_EXHAUSTED and has_retry_info)


def export_error(code: int, desc: str, *, retryable: bool, retry_after: float | None = None) -> ConsumerError:
    """``rpc error: code = <Code> desc = <desc>``: retryable (with the server's delay as
    ``retry_after``) or permanent, carrying ``code``."""
    message = f"rpc error: code = {go_code_name(code)} desc = {desc}"
    if not retryable:
        return PermanentError(message, grpc_code=code)
    return ConsumerError(message, retry_after=retry_after, grpc_code=code)
