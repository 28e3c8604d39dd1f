"""Configuration of the ``bearertokenauth`` extension (contrib ``bearertokenauthextension``)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_HEADER = "Authorization"
DEFAULT_SCHEME = "Bearer"

# Fields holding secrets carry {"opaque": True}: print-initial-config shows them as [REDACTED].
# repr=False keeps them out of any log line that formats the config.
_OPAQUE = {"opaque": True}


@dataclass
class Config:
    header: str = DEFAULT_HEADER
    scheme: str = DEFAULT_SCHEME
    token: str = field(default="", repr=False, metadata=_OPAQUE)
    tokens: list[str] = field(default_factory=list, repr=False, metadata=_OPAQUE)
    filename: str = ""

    def validate(self) -> None:
        if not self.token and not self.tokens and not self.filename:
            raise ValueError("no bearer token provided")
        if self.token and self.tokens:
            raise ValueError("either tokens or token should be provided, not both")
