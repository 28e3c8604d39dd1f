"""Authenticator extensions (Go's extension/extensionauth).

Server side: a receiver calls ``authenticate`` with the request's headers (lower-case keys) before
decoding; an ``AuthError`` becomes HTTP 401 / gRPC UNAUTHENTICATED. Client side: an exporter asks
``headers()`` before each request and adds them (HTTP headers or gRPC metadata). An authenticator
whose headers depend on the data being sent (headers_setter) also implements
``RequestClientAuthenticator``: exporters then call ``request_headers`` with the client ``Info``
of the request that produced the data (Go's RoundTripper / PerRPCCredentials read it from the
request's context), which follows the data through the batch processor and the sending queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from .. import client
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


@runtime_checkable
class RequestClientAuthenticator(ClientAuthenticator, Protocol):
    async def request_headers(self, info: client.Info, current: Mapping[str, str]) -> dict[str, str]:
        """The headers of one request after this authenticator's changes. ``current`` holds
        what the request carries so far (HTTP: the exporter's own headers; gRPC: nothing, as
        Go's per-RPC metadata starts empty); the result replaces it (keys may be added,
        changed or removed). Raise ValueError when the request cannot be sent."""
        ...


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
