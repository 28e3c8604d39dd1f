"""The headers_setter client authenticator: each request's headers from the request's client.

For every configured header, in order, a value is taken from its source and the action applied:

- ``value``: the configured string;
- ``from_context``: the one value of that metadata key of the client ``Info`` of the data being
  sent (the receiver's ``include_metadata``; the batch processor's ``metadata_keys``); absent →
  ``default_value`` (empty when unset, and the header is then sent empty, as Go does); several
  values → the request fails (``failed to determine the source: 2 source keys found in the
  context, can't determine which one to use``);
- ``from_attribute``: that attribute of the auth data the server authenticator stored; a
  string as is, anything else as compact JSON; absent → ``default_value``.

Actions (Go's): ``insert`` sets the header when it has no value yet, ``update`` only when it has
one, ``upsert`` always, ``delete`` removes it. Header names compare case-insensitively.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pyotelcol import client
from pyotelcol.component import Host, Settings

from .config import DELETE, INSERT, UPDATE, UPSERT, Config, HeaderConfig

Source = Callable[[client.Info], str]


@dataclass(frozen=True)
class _Header:
    key: str
    action: str
    source: Source


def _static(value: str) -> Source:
    return lambda _info: value


def _from_context(key: str, default: str) -> Source:
    def get(info: client.Info) -> str:
        values = info.metadata.get_values(key)
        if not values:
            return default
        if len(values) > 1:
            raise ValueError(f"{len(values)} source keys found in the context, can't determine which one to use")
        return values[0]

    return get


def auth_attribute(auth: Any, key: str) -> Any:
    """Go's ``AuthData.GetAttribute``: a mapping's entry or a ``get_attribute`` method's answer."""
    if auth is None:
        return None
    getter = getattr(auth, "get_attribute", None)
    if callable(getter):
        return getter(key)
    if isinstance(auth, Mapping):
        return auth.get(key)
    return None


def _from_attribute(key: str, default: str) -> Source:
    def get(info: client.Info) -> str:
        found = auth_attribute(info.auth, key)
        if found is None:
            return default
        if isinstance(found, str):
            return found
        return json.dumps(found, separators=(",", ":"), default=str)

    return get


def _find(headers: Mapping[str, str], key: str) -> list[str]:
    lower = key.lower()
    return [k for k in headers if k.lower() == lower]


def apply_action(headers: dict[str, str], action: str, key: str, value: str) -> None:
    """One action on ``headers`` (Go's http.Header Get/Set/Del: case-insensitive names)."""
    names = _find(headers, key)
    current = headers[names[0]] if names else ""
    if action == DELETE or (action == INSERT and current) or (action == UPDATE and not current):
        if action == DELETE:
            for name in names:
                del headers[name]
        return
    for name in names:
        del headers[name]
    headers[key] = value


def _source(cfg: HeaderConfig) -> Source:
    default = cfg.default_value or ""
    if cfg.value is not None:
        return _static(cfg.value)
    if cfg.from_attribute is not None:
        return _from_attribute(cfg.from_attribute, default)
    if cfg.from_context is not None:
        return _from_context(cfg.from_context, default)
    return _static("")  # delete needs no source


class HeadersSetter:
    """A RequestClientAuthenticator (and a plain ClientAuthenticator reading the current
    client ``Info``, for exporters that do not pass one)."""

    # Go's per-RPC credentials of this extension do not require a secure channel.
    require_transport_security = False

    def __init__(self, settings: Settings, cfg: Config) -> None:
        logger = settings.telemetry.logger
        self._headers: list[_Header] = []
        for header in cfg.headers:
            assert header.key  # validated
            action = header.action
            if action not in (INSERT, UPDATE, UPSERT, DELETE):
                action = UPSERT
                logger.warning(
                    "The action was not provided, using 'upsert'. In future versions, we'll require this to be "
                    "explicitly set"
                )
            self._headers.append(_Header(header.key, action, _source(header)))

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def headers(self) -> Mapping[str, str]:
        return await self.request_headers(client.from_context(), {})

    async def request_headers(self, info: client.Info, current: Mapping[str, str]) -> dict[str, str]:
        out = dict(current)
        for header in self._headers:
            try:
                value = header.source(info)
            except ValueError as exc:
                raise ValueError(f"failed to determine the source: {exc}") from None
            apply_action(out, header.action, header.key, value)
        return out
