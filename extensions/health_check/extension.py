"""The health_check extension: an HTTP endpoint that is 200 once every pipeline runs.

State follows the service's PipelineWatcher calls: ``ready()`` after all components started,
``not_ready()`` at the start of shutdown. Responses (Go's jaeger healthcheck handler):

- not ready: 503 ``{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}``
- ready: 200 ``{"status":"Server available","upSince":"<RFC3339Nano>","uptime":"<Go duration>"}``
- ``response_body`` set: its ``healthy``/``unhealthy`` text instead of the JSON;
- ``check_collector_pipeline.enabled``: bare 200 / 500 (exporter failure counting is not implemented:
  the answer depends on readiness only).

Path matching is Go's ServeMux: ``/`` answers every path; ``/health`` only itself; ``/health/``
the whole subtree (and ``/health`` redirects to it); anything else is ``404 page not found``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

from aiohttp import web

from pyotelcol.component import Host, Settings
from pyotelcol.config.confighttp import HttpServer, ServerRequest, address_bind_error, server_summary, start_http_server
from pyotelcol.telemetry.gofmt import GO_ZERO_TIME, go_duration, rfc3339_nano

from .config import Config

_TEXT = "text/plain; charset=utf-8"


class HealthCheckExtension:
    def __init__(self, settings: Settings, config: Config) -> None:
        self._settings = settings
        self._config = config
        self._logger = settings.telemetry.logger
        self._ready = False
        self._up_since_ns = 0
        self._up_since_mono = 0
        self._server: HttpServer | None = None

    # -- PipelineWatcher -----------------------------------------------------------------------
    def ready(self) -> None:
        if not self._ready:
            self._up_since_ns = time.time_ns()
            self._up_since_mono = time.monotonic_ns()
        self._ready = True
        self._logger.info("Health Check state change", extra={"fields": {"status": "ready"}})

    def not_ready(self) -> None:
        self._ready = False
        self._logger.info("Health Check state change", extra={"fields": {"status": "unavailable"}})

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        cfg = self._config
        shown: dict[str, Any] = {
            **server_summary(cfg),
            "path": cfg.path,
            "check_collector_pipeline": asdict(cfg.check_collector_pipeline),
        }
        self._logger.info("Starting health_check extension", extra={"fields": {"config": shown}})
        try:
            self._server = await start_http_server(cfg, host, self._dispatch, logger=self._logger)
        except OSError as exc:
            raise address_bind_error(cfg.endpoint, exc) from exc

    async def shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    # -- HTTP ----------------------------------------------------------------------------------
    async def _dispatch(self, served: ServerRequest) -> web.StreamResponse:
        request = served.request
        pattern = self._config.path
        path = request.path
        if pattern.endswith("/"):
            if path == pattern[:-1] and pattern != "/":
                target = pattern + (f"?{request.query_string}" if request.query_string else "")
                return web.Response(
                    status=301,
                    headers={"Location": target, "Content-Type": "text/html; charset=utf-8"},
                    text=f'<a href="{target}">Moved Permanently</a>.\n\n' if request.method == "GET" else None,
                )
            matched = path.startswith(pattern)
        else:
            matched = path == pattern
        if not matched:
            return web.Response(
                status=404,
                body=b"404 page not found\n",
                headers={"Content-Type": _TEXT, "X-Content-Type-Options": "nosniff"},
            )
        return self._answer()

    def _answer(self) -> web.Response:
        cfg = self._config
        ready = self._ready
        if cfg.check_collector_pipeline.enabled:
            body = ""
            if cfg.response_body is not None:
                body = cfg.response_body.healthy if ready else cfg.response_body.unhealthy
            return web.Response(status=200 if ready else 500, body=body.encode(), headers={"Content-Type": _TEXT})
        if cfg.response_body is not None:
            body = cfg.response_body.healthy if ready else cfg.response_body.unhealthy
            return web.Response(status=200 if ready else 503, body=body.encode(), headers={"Content-Type": _TEXT})
        if ready:
            payload = {
                "status": "Server available",
                "upSince": rfc3339_nano(self._up_since_ns),
                "uptime": go_duration(time.monotonic_ns() - self._up_since_mono),
            }
            status = 200
        else:
            payload = {"status": "Server not available", "upSince": GO_ZERO_TIME, "uptime": ""}
            status = 503
        return web.Response(
            status=status,
            body=json.dumps(payload, separators=(",", ":")).encode(),
            headers={"Content-Type": "application/json"},
        )
