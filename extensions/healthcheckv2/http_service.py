"""The HTTP service: the status endpoint (v2 and legacy responders) and the config endpoint.

Response codes follow the aggregate status: Starting, Stopping, Stopped, None → 503; OK and
the error statuses → 200; FatalError → 500 (503 in legacy mode). With ``component_health`` a
status that is not healthy is 500 instead. An unknown ``?pipeline=`` is a bare 404.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from pyotelcol.component import Host, Reconfigurable, Status
from pyotelcol.config.confighttp import HttpServer, ServerConfig, ServerRequest, address_bind_error, start_http_server
from pyotelcol.helpers.listen import Logger
from pyotelcol.telemetry.gofmt import GO_ZERO_TIME, go_duration, rfc3339_nano

from .aggregator import AggregateStatus, Aggregator, Event
from .config import ComponentHealthConfig, Config
from .serialization import HealthyFunc, go_json, to_serializable

_CODES = {
    Status.NONE: 503,
    Status.STARTING: 503,
    Status.OK: 200,
    Status.RECOVERABLE_ERROR: 200,
    Status.PERMANENT_ERROR: 200,
    Status.FATAL_ERROR: 500,
    Status.STOPPING: 503,
    Status.STOPPED: 503,
}
_LEGACY_CODES = {**_CODES, Status.FATAL_ERROR: 503}
_TEXT = "text/plain; charset=utf-8"

Responder = Callable[[AggregateStatus], web.Response]


def _json(code: int, body: Any) -> web.Response:
    return web.Response(status=code, body=go_json(body), headers={"Content-Type": "application/json"})


def healthy_func(cfg: ComponentHealthConfig, now_ns: int) -> HealthyFunc:
    """Go's component-health rule: a permanent error is unhealthy when included; a recoverable
    one (when included) once ``recovery_duration`` has passed since it began; FatalError always."""
    recovery_ns = int(cfg.recovery_duration.total_seconds() * 1e9)

    def healthy(ev: Event) -> bool:
        if ev.status is Status.PERMANENT_ERROR:
            return not cfg.include_permanent_errors
        if ev.status is Status.RECOVERABLE_ERROR and cfg.include_recoverable_errors:
            return now_ns < ev.timestamp_ns + recovery_ns
        return ev.status is not Status.FATAL_ERROR

    return healthy


class HttpService:
    def __init__(self, config: Config, aggregator: Aggregator, logger: Logger) -> None:
        self._aggregator = aggregator
        self._logger = logger
        self._host: Host | None = None
        self._server: HttpServer | None = None
        self._created_ns = time.time_ns()
        self._created_mono = time.monotonic_ns()
        self._routes: dict[str, Callable[[web.Request], web.Response]] = {}
        http = config.http.get()
        if config.use_v2:
            assert http is not None
            self._server_cfg: ServerConfig = http
            health = config.component_health
            self._responder: Responder = (
                self._component_health_responder(health) if health is not None else self._default_responder
            )
            if http.status.enabled:
                self._routes[http.status.path] = self._status
            if http.config.enabled:
                self._routes[http.config.path] = self._config
        else:
            self._server_cfg = config
            body = config.response_body
            self._responder = self._legacy_default if body is None else _legacy_custom(body.healthy, body.unhealthy)
            self._routes[config.path] = self._status

    async def start(self, host: Host) -> None:
        self._host = host
        cfg = self._server_cfg
        try:
            self._server = await start_http_server(cfg, host, self._dispatch, logger=self._logger)
        except OSError as exc:
            raise address_bind_error(cfg.endpoint, exc) from exc

    async def shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    # -- routing (Go's ServeMux: exact patterns, "/"-terminated subtrees, longest wins) ---------
    async def _dispatch(self, served: ServerRequest) -> web.StreamResponse:
        request = served.request
        path = request.path
        best = ""
        for pattern in self._routes:
            hit = path.startswith(pattern) if pattern.endswith("/") else path == pattern
            if hit and len(pattern) > len(best):
                best = pattern
        if not best:
            subtree = path + "/"
            if subtree in self._routes:
                target = subtree + (f"?{request.query_string}" if request.query_string else "")
                return web.Response(
                    status=301,
                    headers={"Location": target, "Content-Type": "text/html; charset=utf-8"},
                    text=f'<a href="{target}">Moved Permanently</a>.\n\n' if request.method == "GET" else None,
                )
            return web.Response(
                status=404,
                body=b"404 page not found\n",
                headers={"Content-Type": _TEXT, "X-Content-Type-Options": "nosniff"},
            )
        return self._routes[best](request)

    def _status(self, request: web.Request) -> web.Response:
        query = request.query
        pipeline = query.get("pipeline", "")
        verbose = "verbose" in query and query.get("verbose") != "false"
        st = self._aggregator.aggregate_status(pipeline, verbose)
        if st is None:
            return web.Response(status=404)
        return self._responder(st)

    def _config(self, _request: web.Request) -> web.Response:
        host = self._host
        if not isinstance(host, Reconfigurable):
            return web.Response(status=503)
        try:
            effective: Mapping[str, object] = host.effective_config()
        except Exception as exc:  # Go answers 503 while no snapshot is available
            self._logger.warning("could not marshal config", extra={"fields": {"error": str(exc)}})
            return web.Response(status=503)
        return _json(200, _sorted(effective))

    # -- responders ----------------------------------------------------------------------------
    def _default_responder(self, st: AggregateStatus) -> web.Response:
        return _json(_CODES[st.event.status], to_serializable(st, self._created_ns))

    def _component_health_responder(self, cfg: ComponentHealthConfig) -> Responder:
        def respond(st: AggregateStatus) -> web.Response:
            body = to_serializable(st, self._created_ns, healthy_func(cfg, time.time_ns()))
            code = _CODES[st.event.status] if body["healthy"] else 500
            return _json(code, body)

        return respond

    def _legacy_default(self, st: AggregateStatus) -> web.Response:
        code = _LEGACY_CODES[st.event.status]
        if code == 200:
            body = {
                "status": "Server available",
                "upSince": rfc3339_nano(self._created_ns),
                "uptime": go_duration(time.monotonic_ns() - self._created_mono),
            }
        else:
            body = {"status": "Server not available", "upSince": GO_ZERO_TIME, "uptime": ""}
        return _json(code, body)


def _legacy_custom(healthy: str, unhealthy: str) -> Responder:
    def respond(st: AggregateStatus) -> web.Response:
        code = _LEGACY_CODES[st.event.status]
        text = healthy if code == 200 else unhealthy
        # Go sniffs the type of a non-empty body (plain text here); an empty one has none
        headers = {"Content-Type": _TEXT} if text else {}
        return web.Response(status=code, body=text.encode(), headers=headers)

    return respond


def _sorted(value: Any) -> Any:
    """Map keys sorted, as Go's encoding/json writes them."""
    if isinstance(value, Mapping):
        return {str(k): _sorted(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [_sorted(v) for v in value]
    return value if isinstance(value, (str, int, float, bool)) or value is None else json.loads(go_json(value))
