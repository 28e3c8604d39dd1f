"""The bearertokenauth authenticator: server side checks ``<scheme> <token>``, client side sends it.

Expected values are kept as bytes and compared with ``hmac.compare_digest`` against every
configured token (no early exit), so the time taken does not depend on how much of a guess is
right. Neither the configured tokens nor the presented value ever appear in errors or logs.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from pyotelcol.component import Host, Settings
from pyotelcol.extension import AuthError
from pyotelcol.helpers.filewatch import FileWatch, os_error_text

from .config import Config


def _encode(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


def parse_token_file(data: bytes) -> list[str]:
    """One token per line, surrounding whitespace trimmed; blank lines are no tokens."""
    text = data.decode("utf-8", "surrogateescape")
    return [line.strip() for line in text.split("\n") if line.strip()]


class BearerTokenAuth:
    """Both a ServerAuthenticator (``authenticate``) and a ClientAuthenticator (``headers``)."""

    # gRPC exporters must refuse to send this credential over a plaintext channel (Go's
    # PerRPCCredentials.RequireTransportSecurity).
    require_transport_security = True

    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._logger = settings.telemetry.logger
        self._header = cfg.header
        self._header_key = cfg.header.lower()
        self._scheme = cfg.scheme
        self._filename = cfg.filename
        self._values: tuple[str, ...] = ()
        self._expected: tuple[bytes, ...] = ()
        self._watch: FileWatch | None = None
        if cfg.filename:
            if cfg.token or cfg.tokens:
                self._logger.warning("a filename is specified. Configured token(s) is ignored!")
        else:
            self._set_tokens(list(cfg.tokens) if cfg.tokens else [cfg.token])

    # -- tokens ---------------------------------------------------------------------------------

    def _set_tokens(self, tokens: list[str]) -> None:
        values = tuple(f"{self._scheme} {t}" if self._scheme else t for t in tokens)
        self._values = values
        self._expected = tuple(_encode(v) for v in values)

    def _on_file(self, data: bytes) -> None:
        self._logger.info("refresh token", extra={"fields": {"filename": self._filename}})
        self._set_tokens(parse_token_file(data))

    def _on_file_error(self, exc: OSError) -> None:
        self._logger.error("%s", os_error_text(self._filename, exc))

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: Host) -> None:
        if not self._filename:
            return
        if self._watch is not None:
            raise RuntimeError("bearerToken file monitoring is already running")
        watch = FileWatch(self._filename)
        try:
            data = await watch.read()
        except OSError as exc:
            raise ValueError(os_error_text(self._filename, exc)) from None
        self._on_file(data)
        self._watch = watch
        watch.watch(self._on_file, self._on_file_error)

    async def shutdown(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            await watch.stop()

    # -- server side ----------------------------------------------------------------------------

    async def authenticate(self, headers: Mapping[str, list[str]]) -> Mapping[str, Any]:
        values = headers.get(self._header_key) or headers.get(self._header)
        if not values:
            raise AuthError(f"missing or empty authorization header: {self._header}")
        presented = _encode(values[0])
        matched = False
        for expected in self._expected:
            matched |= hmac.compare_digest(expected, presented)
        if not matched:
            # Go appends the presented value; it is a credential (often a near miss), so not here.
            raise AuthError("scheme or token does not match")
        return {}

    # -- client side ----------------------------------------------------------------------------

    async def headers(self) -> Mapping[str, str]:
        """``{header: "<scheme> <first token>"}``; gRPC callers lower-case the key for metadata."""
        if not self._values:
            return {}
        return {self._header: self._values[0]}

    def __repr__(self) -> str:
        return f"BearerTokenAuth(header={self._header!r}, scheme={self._scheme!r}, tokens={len(self._values)})"
