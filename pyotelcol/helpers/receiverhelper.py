"""What every push receiver shares: consume-error mapping and client metadata.

``status_from_error`` turns what ``consume`` raised into the status the Go collector answers
with (Go's receiver/otlpreceiver errors and the OTLP spec's failure handling): an error's own
``grpc_code`` passes through; otherwise a ``PermanentError`` is INTERNAL and anything else UNAVAILABLE. A ``retry_after`` hint becomes a
``google.rpc.RetryInfo`` detail: in the ``grpc-status-details-bin`` trailer (what Go clients
read), in a ``google.rpc.retryinfo-bin`` trailer (what the Python SDK exporter reads), in the
HTTP Status body and, on 429/503, as a ``Retry-After`` header in whole seconds.

``metadata_from_pairs`` collects a request's headers (lower-case keys, every value) for
``pyotelcol.client``, which carries them into the pipeline while ``consume`` runs when the
receiver's ``include_metadata`` is on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass

from google.rpc import error_details_pb2, status_pb2

from ..consumer import PermanentError
from .grpcstatus import (
    RETRY_INFO_TRAILER,
    STATUS_DETAILS_TRAILER,
    GrpcCode,
    grpc_code_for_http,
    http_status_for_code,
)

__all__ = [
    "RETRY_INFO_TRAILER",
    "STATUS_DETAILS_TRAILER",
    "ErrorStatus",
    "GrpcCode",
    "ascii_safe",
    "grpc_code_for_http",
    "http_status_for_code",
    "metadata_from_pairs",
    "status_from_error",
]

_RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"


def ascii_safe(text: str) -> str:
    """Escape anything outside ASCII (including lone surrogates from undecodable headers)."""
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _duration_json(seconds: int, nanos: int) -> str:
    if nanos == 0:
        return f"{seconds}s"
    frac = f"{nanos:09d}"
    if frac.endswith("000000"):
        frac = frac[:3]
    elif frac.endswith("000"):
        frac = frac[:6]
    return f"{seconds}.{frac}s"


@dataclass(frozen=True, slots=True)
class ErrorStatus:
    """A ``google.rpc.Status`` to answer with: gRPC code, message, optional retry delay (s)."""

    code: int
    message: str
    retry_after: float | None = None

    @classmethod
    def from_http(cls, message: str, http_status: int) -> ErrorStatus:
        return cls(int(grpc_code_for_http(http_status)), ascii_safe(message))

    @property
    def http_status(self) -> int:
        return http_status_for_code(self.code)

    def _retry_delay(self) -> tuple[int, int] | None:
        if self.retry_after is None:
            return None
        delay = max(0.0, float(self.retry_after))
        seconds = math.floor(delay)
        nanos = round((delay - seconds) * 1e9)
        if nanos >= 1_000_000_000:
            seconds, nanos = seconds + 1, nanos - 1_000_000_000
        return seconds, nanos

    def retry_info(self) -> error_details_pb2.RetryInfo | None:
        delay = self._retry_delay()
        if delay is None:
            return None
        info = error_details_pb2.RetryInfo()
        info.retry_delay.seconds, info.retry_delay.nanos = delay
        return info

    def to_proto(self) -> status_pb2.Status:
        st = status_pb2.Status(code=self.code, message=self.message)
        info = self.retry_info()
        if info is not None:
            st.details.add().Pack(info)
        return st

    def to_wire(self) -> bytes:
        return bytes(self.to_proto().SerializeToString())

    def to_json(self) -> bytes:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        delay = self._retry_delay()
        if delay is not None:
            body["details"] = [{"@type": _RETRY_INFO_TYPE, "retryDelay": _duration_json(*delay)}]
        return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii")

    def encode(self, as_json: bool) -> bytes:
        return self.to_json() if as_json else self.to_wire()

    def grpc_trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        """Trailers for a gRPC error: the standard status details plus the Python SDK's key."""
        info = self.retry_info()
        if info is None:
            return ()
        return (
            (STATUS_DETAILS_TRAILER, self.to_wire()),
            (RETRY_INFO_TRAILER, bytes(info.SerializeToString())),
        )

    def http_headers(self, http_status: int | None = None) -> dict[str, str]:
        """``Retry-After`` (whole seconds, rounded down) on 429/503 with a retry delay."""
        status = self.http_status if http_status is None else http_status
        delay = self._retry_delay()
        if delay is None or status not in (429, 503):
            return {}
        return {"Retry-After": str(delay[0])}


def status_from_error(err: BaseException) -> ErrorStatus:
    """Map what a consumer raised to the status Go's OTLP receiver answers with."""
    code = getattr(err, "grpc_code", None)
    if isinstance(code, int) and not isinstance(code, bool) and 0 < code <= 16:
        grpc_code = int(code)
    elif isinstance(err, PermanentError):
        grpc_code = GrpcCode.INTERNAL
    else:
        grpc_code = GrpcCode.UNAVAILABLE
    retry_after = getattr(err, "retry_after", None)
    if not isinstance(retry_after, (int, float)) or isinstance(retry_after, bool) or not math.isfinite(retry_after):
        retry_after = None
    return ErrorStatus(int(grpc_code), ascii_safe(str(err)), retry_after)


def metadata_from_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Request headers or gRPC metadata as ``{lower-case key: [values...]}``."""
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key.lower(), []).append(value)
    return out
