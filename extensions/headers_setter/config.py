"""headers_setter configuration (Go contrib: extension/headerssetterextension), with Go's messages.

Sources are optional strings as in Go (a key given with an empty string counts as set); an
``action`` other than the four known ones is not an error in Go: it acts as ``upsert`` with a
warning at start, as an omitted one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

INSERT = "insert"
UPDATE = "update"
UPSERT = "upsert"
DELETE = "delete"

ERR_MISSING_HEADER = "missing header name"
ERR_MISSING_HEADERS_CONFIG = "missing headers configuration"
ERR_MISSING_SOURCE = "missing header source, must be 'from_context', 'from_attribute' or 'value'"
ERR_CONFLICTING_SOURCES = "invalid header source, must either 'from_context', 'from_attribute' or 'value'"


@dataclass
class HeaderConfig:
    key: str | None = None
    action: str = ""
    value: str | None = None
    from_context: str | None = None
    from_attribute: str | None = None
    # configopaque in Go: [REDACTED] in print-initial-config, kept out of reprs
    default_value: str | None = field(default=None, repr=False, metadata={"opaque": True})


@dataclass
class Config:
    headers: list[HeaderConfig] = field(default_factory=list)

    def validate(self) -> None:
        if not self.headers:
            raise ValueError(ERR_MISSING_HEADERS_CONFIG)
        for header in self.headers:
            if not header.key:
                raise ValueError(ERR_MISSING_HEADER)
            if header.action == DELETE:
                continue
            sources = sum(s is not None for s in (header.value, header.from_context, header.from_attribute))
            if sources == 0:
                raise ValueError(ERR_MISSING_SOURCE)
            if sources > 1:
                raise ValueError(ERR_CONFLICTING_SOURCES)
