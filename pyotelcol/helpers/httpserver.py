"""Serving an aiohttp app on a ``confighttp.ServerConfig`` (for extensions with small HTTP pages).

Applied: ``endpoint``, ``transport`` (tcp, tcp4, tcp6, unix), ``tls``, ``response_headers``,
``keep_alives_enabled``, ``idle_timeout``. Accepted but not applied (a warning at start): ``cors``
and ``middlewares``; the request-size, compression and read/write timeout keys do not matter for
these small GET pages. ``auth`` is refused at start rather than silently serving without it.
"""

from __future__ import annotations

import errno
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from ..config.confighttp import ServerConfig, response_header_pairs, split_host_port


def server_summary(cfg: ServerConfig) -> dict[str, Any]:
    """What the start log line shows as ``config`` (no secrets: TLS file paths only)."""
    out: dict[str, Any] = {"endpoint": cfg.endpoint}
    if cfg.transport != "tcp":
        out["transport"] = cfg.transport
    tls = cfg.tls.get()
    if tls is not None:
        out["tls"] = {"cert_file": tls.cert_file, "key_file": tls.key_file, "client_ca_file": tls.client_ca_file}
    return out


def _listen_error(where: str, transport: str, exc: OSError) -> OSError:
    reason = {
        errno.EADDRINUSE: "bind: address already in use",
        errno.EADDRNOTAVAIL: "bind: cannot assign requested address",
        errno.EACCES: "bind: permission denied",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return OSError(exc.errno, f"listen {transport} {where}: {reason}")


def response_middleware(cfg: ServerConfig) -> Middleware | None:
    """Adds ``response_headers`` to every response and closes connections if keep-alives are off."""
    headers = response_header_pairs(cfg.response_headers)
    keep_alive = cfg.keep_alives_enabled
    if not headers and keep_alive:
        return None

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        for name, value in headers:
            response.headers[name] = value
        if not keep_alive:
            response.force_close()
        return response

    return middleware


async def start_server(
    app: web.Application, cfg: ServerConfig, component: str, logger: logging.Logger | logging.LoggerAdapter[Any]
) -> web.AppRunner:
    """Bind ``app`` per ``cfg``; OSError texts read like Go's ``listen tcp host:port: ...``."""
    if cfg.auth.get() is not None:
        raise ValueError(f"auth is not supported by the {component} extension in pyotelcol yet")
    if cfg.cors_config() is not None:
        logger.warning("cors settings are not applied by this extension")
    if cfg.middlewares:
        logger.warning("middlewares are not applied by this extension")
    tls = cfg.tls.get()
    ssl_ctx = tls.ssl_context() if tls is not None else None
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, keepalive_timeout=max(cfg.idle_timeout.total_seconds(), 1.0)
    )
    await runner.setup()
    site: web.BaseSite
    try:
        if cfg.transport == "unix":
            site = web.UnixSite(runner, cfg.endpoint, ssl_context=ssl_ctx)
        elif cfg.transport in ("tcp", "tcp4", "tcp6"):
            try:
                host, port = split_host_port(cfg.endpoint)
            except ValueError as exc:
                raise OSError(errno.EINVAL, f"listen {cfg.transport} {cfg.endpoint}: {exc}") from None
            site = web.TCPSite(runner, host=host or None, port=port, ssl_context=ssl_ctx, reuse_address=True)
        else:
            raise OSError(errno.EINVAL, f"listen {cfg.transport}: unknown network {cfg.transport}")
        try:
            await site.start()
        except OSError as exc:
            if exc.errno is None:
                raise
            raise _listen_error(cfg.endpoint, cfg.transport, exc) from exc
    except BaseException:
        await runner.cleanup()
        raise
    return runner
