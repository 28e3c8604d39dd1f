"""The client side of ``confighttp`` (Go's ``ClientConfig.ToClient``): one aiohttp session per
exporter, with the configured connection limits, cookies, proxy, TLS (reloaded as the files
change) and the client authenticator extension's headers on every request.

    client = await start_http_client(cfg, host, url, logger=logger)
    headers = await client.headers(base_headers)
    async with client.session.post(url, data=body, headers=headers, **client.request_kwargs(timeout)):
        ...
    await client.close()
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp

from .. import client
from ..component import ID, Host
from ..consumer import ConsumerError
from ..extension import ClientAuthenticator, find_authenticator
from ..extension.auth import RequestClientAuthenticator
from .confighttp import ClientConfig
from .configtls import ClientTLSReloader

Logger = logging.Logger | logging.LoggerAdapter[Any]

__all__ = ["HttpClient", "set_headers", "start_http_client"]


def set_headers(headers: dict[str, str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Go's ``Header.Set`` for each pair: a header of the same name (any case) is replaced."""
    for name, value in pairs:
        for existing in [k for k in headers if k.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    return headers


class HttpClient:
    """A started client: ``session`` for requests, ``headers()`` and ``request_kwargs()`` for
    what every request carries."""

    def __init__(
        self,
        cfg: ClientConfig,
        url: str,
        session: aiohttp.ClientSession,
        tls: ClientTLSReloader | None,
        auth: ClientAuthenticator | None,
    ) -> None:
        self._cfg = cfg
        self.session = session
        self._tls = tls
        self._auth = auth
        self._url = url
        self._https = url.lower().startswith("https://")

    async def headers(self, base: Mapping[str, str]) -> Mapping[str, str]:
        """``base`` with the authenticator's headers set over it (``base`` itself when none).

        A per-request authenticator (headers_setter) edits ``base`` for the current client
        ``Info``; the configured ``headers`` are then set again over its result, as Go's
        confighttp applies them in a round tripper inside the authenticator's."""
        if self._auth is None:
            return base
        if isinstance(self._auth, RequestClientAuthenticator):
            try:
                edited = await self._auth.request_headers(client.from_context(), base)
            except ValueError as exc:  # Go's round tripper error: the request is not made
                raise ConsumerError(f'failed to make an HTTP request: Post "{self._url}": {exc}') from None
            return set_headers(edited, self._cfg.header_pairs())
        extra = await self._auth.headers()
        return set_headers(dict(base), extra.items()) if extra else base

    def request_kwargs(self, timeout: aiohttp.ClientTimeout) -> dict[str, Any]:
        """TLS (https URLs), the server name override and the proxy, for ``session.post``."""
        kwargs: dict[str, Any] = {"timeout": timeout}
        if self._https:
            kwargs["ssl"] = self._tls.context() if self._tls is not None else True
            if self._cfg.tls.server_name_override:
                kwargs["server_hostname"] = self._cfg.tls.server_name_override
        if self._cfg.proxy_url:
            kwargs["proxy"] = self._cfg.proxy_url
        return kwargs

    async def close(self) -> None:
        await self.session.close()


async def start_http_client(cfg: ClientConfig, host: Host, url: str, *, logger: Logger) -> HttpClient:
    """Build the client ``cfg`` describes: TLS files are loaded (and checked) whatever the URL's
    scheme, as Go does; the authenticator is looked up among the host's extensions."""
    if cfg.middlewares:
        raise ValueError("middlewares are not supported by this exporter yet")
    tls = None
    if cfg.tls.uses_tls():

        def reload_failed(err: Exception) -> None:
            logger.error("Failed to reload TLS configuration", extra={"fields": {"error": str(err)}})

        tls = ClientTLSReloader(cfg.tls, on_error=reload_failed)
    auth_cfg = cfg.auth.get()
    auth = find_authenticator(host, ID.parse(auth_cfg.authenticator), ClientAuthenticator) if auth_cfg else None
    connector = aiohttp.TCPConnector(
        limit=cfg.max_conns_per_host if cfg.max_conns_per_host > 0 else 100,
        limit_per_host=max(cfg.max_conns_per_host, 0),
        keepalive_timeout=cfg.idle_conn_timeout.total_seconds() if not cfg.disable_keep_alives else None,
        force_close=cfg.disable_keep_alives,
    )
    cookie_jar: aiohttp.abc.AbstractCookieJar = aiohttp.CookieJar() if cfg.cookies.enabled else aiohttp.DummyCookieJar()
    kwargs: dict[str, Any] = {}
    if cfg.read_buffer_size > 0:
        kwargs["read_bufsize"] = cfg.read_buffer_size
    session = aiohttp.ClientSession(
        connector=connector,
        cookie_jar=cookie_jar,
        trust_env=not cfg.proxy_url,  # HTTP(S)_PROXY / NO_PROXY, as Go's default transport
        auto_decompress=True,
        skip_auto_headers=("Accept-Encoding",),
        **kwargs,
    )
    return HttpClient(cfg, url, session, tls, auth)
