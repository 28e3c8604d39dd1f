"""gRPC status codes and trailers, as receivers answer with them and exporters read them.

``GrpcCode`` are the numbers of ``google.golang.org/grpc/codes``; ``go_name`` is grpc-go's
``codes.Code.String()``, which Go's errors print (``rpc error: code = Unavailable desc = ...``).
The HTTP mappings are the ones Go's OTLP receiver and otlphttp exporter use. A status's details
(``google.rpc.RetryInfo``) travel in the ``grpc-status-details-bin`` trailer, which Go reads;
the Python SDK's exporter reads a bare RetryInfo from ``google.rpc.retryinfo-bin``.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "RETRY_INFO_TRAILER",
    "STATUS_DETAILS_TRAILER",
    "GrpcCode",
    "go_code_name",
    "grpc_code_for_http",
    "http_status_for_code",
]

STATUS_DETAILS_TRAILER = "grpc-status-details-bin"
RETRY_INFO_TRAILER = "google.rpc.retryinfo-bin"


class GrpcCode(IntEnum):
    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16

    @property
    def go_name(self) -> str:
        # grpc-go spells CANCELLED with one L; every other name is the constant in CamelCase.
        if self is GrpcCode.CANCELLED:
            return "Canceled"
        if self is GrpcCode.OK:
            return "OK"
        return "".join(word.capitalize() for word in self.name.split("_"))


def go_code_name(code: int) -> str:
    """grpc-go's name for ``code``; ``Code(<n>)`` for a number it does not know."""
    try:
        return GrpcCode(code).go_name
    except ValueError:
        return f"Code({code})"


_HTTP_BY_CODE: dict[int, int] = {
    GrpcCode.CANCELLED: 503,
    GrpcCode.DEADLINE_EXCEEDED: 503,
    GrpcCode.ABORTED: 503,
    GrpcCode.OUT_OF_RANGE: 503,
    GrpcCode.UNAVAILABLE: 503,
    GrpcCode.DATA_LOSS: 503,
    GrpcCode.RESOURCE_EXHAUSTED: 429,
    GrpcCode.INVALID_ARGUMENT: 400,
    GrpcCode.UNAUTHENTICATED: 401,
    GrpcCode.PERMISSION_DENIED: 403,
    GrpcCode.UNIMPLEMENTED: 404,
}

_CODE_BY_HTTP: dict[int, GrpcCode] = {
    400: GrpcCode.INVALID_ARGUMENT,
    401: GrpcCode.UNAUTHENTICATED,
    403: GrpcCode.PERMISSION_DENIED,
    404: GrpcCode.UNIMPLEMENTED,
    429: GrpcCode.RESOURCE_EXHAUSTED,
    502: GrpcCode.UNAVAILABLE,
    503: GrpcCode.UNAVAILABLE,
    504: GrpcCode.UNAVAILABLE,
}


def http_status_for_code(code: int) -> int:
    """Go's GetHTTPStatusCodeFromStatus: the HTTP status for a gRPC code (default 500)."""
    return _HTTP_BY_CODE.get(code, 500)


def grpc_code_for_http(status: int) -> GrpcCode:
    """Go's NewStatusFromMsgAndHTTPCode: the gRPC code for an HTTP status (default UNKNOWN)."""
    return _CODE_BY_HTTP.get(status, GrpcCode.UNKNOWN)
