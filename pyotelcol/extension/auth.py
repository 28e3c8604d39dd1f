"""Authenticator extensions (Go's extension/extensionauth).

Server side: a receiver calls ``authenticate`` with the request's headers (lower-case keys) before
decoding; an ``AuthError`` becomes HTTP 401 / gRPC UNAUTHENTICATED. Client side: an exporter asks
``headers()`` before each request and adds them (HTTP headers or gRPC metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from ..component import ID, Host


class AuthError(Exception):
    """Authentication failed; the message must not contain the credential."""


@runtime_checkable
class ServerAuthenticator(Protocol):
    async def authenticate(self, headers: Mapping[str, list[str]]) -> Mapping[str, Any]:
        """Return auth data for the request (e.g. the subject) or raise AuthError."""
        ...


@runtime_checkable
class ClientAuthenticator(Protocol):
    async def headers(self) -> Mapping[str, str]: ...


def find_authenticator(host: Host, auth_id: ID, kind: type[Any]) -> Any:
    """The started extension ``auth_id`` if it implements ``kind``; Go's error texts otherwise."""
    ext = host.get_extensions().get(auth_id)
    if ext is None:
        raise LookupError(f'failed to resolve authenticator "{auth_id}": authenticator not found')
    if not isinstance(ext, kind):
        side = "server" if kind is ServerAuthenticator else "client"
        raise LookupError(
            f'failed to resolve authenticator "{auth_id}": requested authenticator is not a {side} authenticator'
        )
    return ext
