"""The decoded form of a Zipkin v2 span (Go's ``model.SpanModel``) that both decoders produce."""

from __future__ import annotations

__all__ = ["MASK64", "NO_SERVICE_NAME", "Endpoint", "ZSpan", "id_bytes"]

MASK64 = (1 << 64) - 1
NO_SERVICE_NAME = "OTLPResourceNoServiceName"
_SCOPE_NAME, _LIBRARY_NAME = "otel.scope.name", "otel.library.name"


class Endpoint:
    __slots__ = ("ipv4", "ipv6", "port", "service_name")

    def __init__(self, service_name: str, ipv4: str | None, ipv6: str | None, port: int) -> None:
        self.service_name = service_name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.port = port


class ZSpan:
    """One decoded Zipkin span (Go's ``model.SpanModel``); times are pdata nanoseconds."""

    __slots__ = (
        "annotations",
        "duration",
        "kind",
        "local",
        "name",
        "parent_id",
        "remote",
        "span_id",
        "start",
        "tags",
        "trace_id",
    )

    def __init__(self) -> None:
        self.trace_id = b""
        self.span_id = b""
        self.parent_id = b""
        self.name = ""
        self.kind = ""
        self.start: int | None = None  # None: no timestamp (JSON only)
        self.duration = 0
        self.local: Endpoint | None = None
        self.remote: Endpoint | None = None
        self.annotations: list[tuple[int, str]] = []
        self.tags: dict[str, str] = {}

    def service(self) -> str:
        local = self.local
        return local.service_name if local is not None and local.service_name else NO_SERVICE_NAME

    def scope(self) -> str:
        tags = self.tags
        if not tags:
            return ""
        name = tags.get(_SCOPE_NAME)
        return name if name is not None else tags.get(_LIBRARY_NAME, "")


def id_bytes(value: int, size: int) -> bytes:
    return value.to_bytes(size, "big") if value else b""
