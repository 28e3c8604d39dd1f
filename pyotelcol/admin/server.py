"""The opt-in admin endpoint (``--admin-endpoint``; not in the Go collector).

- ``GET /``: the status page (pipeline graph, throughput per component, queue fill, component
  status, recent warnings and errors, the configuration in effect with secrets redacted);
- ``GET /api/status``: the same as JSON;
- ``GET /api/tap?pipeline=&component=&signal=&limit=``: the requests passing the matching points,
  as OTLP JSON lines (what ``pyotelcol tap`` prints);
- ``POST /reload``: reload through the same path as SIGHUP (a YAML body, if any, is the new
  configuration, as an OpAMP remote config would be).

It listens on loopback by default. Bound elsewhere it needs a token (``PYOTELCOL_ADMIN_TOKEN``),
which every request must then carry as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from importlib import resources
from typing import Any

from aiohttp import web

from ..component import ConfigRejected, Signal
from ..pdata import Logs, Metrics, Traces
from ..pdata.otlpjson import to_json
from .logbuffer import RecentLogs
from .taps import Point, Tap, TapHub

#: the share of one core a tap may spend making JSON (the pipeline keeps the rest): over it, the
#: tap waits for the next second and the points skip what it cannot take
TAP_CPU_BUDGET = 0.02

_DATA: dict[Signal, type[Traces] | type[Metrics] | type[Logs]] = {
    Signal.TRACES: Traces,
    Signal.METRICS: Metrics,
    Signal.LOGS: Logs,
}


class AdminError(Exception):
    pass


def parse_endpoint(endpoint: str, token: str | None) -> tuple[str, int]:
    host, sep, port = endpoint.rpartition(":")
    if not sep or not port.isdigit():
        raise AdminError(f'admin endpoint "{endpoint}" must be host:port')
    host = host.strip("[]") or "127.0.0.1"
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not token:
        raise AdminError(
            f'admin endpoint "{endpoint}" is not a loopback address: set PYOTELCOL_ADMIN_TOKEN so requests must '
            "carry it"
        )
    return host, int(port)


class AdminServer:
    def __init__(
        self,
        endpoint: str,
        hub: TapHub,
        status: Callable[[], Mapping[str, Any]],
        reload: Callable[[bytes | None], Awaitable[None]],
        metrics_text: Callable[[], str | None],
        logs: RecentLogs,
        token: str | None = None,
    ) -> None:
        self.host, self.port = parse_endpoint(endpoint, token)
        self.hub = hub
        self._status = status
        self._reload = reload
        self._metrics_text = metrics_text
        self._logs = logs
        self._token = token
        self._runner: web.AppRunner | None = None
        self._rates: dict[Point, float] = {}
        self._ticker: asyncio.Task[None] | None = None
        self.bound_port = 0

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/", self._page)
        app.router.add_get("/api/status", self._api_status)
        app.router.add_get("/api/tap", self._api_tap)
        app.router.add_post("/reload", self._api_reload)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.bound_port = sockets[0].getsockname()[1] if sockets else self.port
        self._ticker = asyncio.ensure_future(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _tick(self) -> None:
        """Items per second at every point, over the last second."""
        previous = {p: s.items for p, s in self.hub.snapshot()}
        then = time.monotonic()
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            current = {p: s.items for p, s in self.hub.snapshot()}
            self._rates = {p: (n - previous.get(p, 0)) / (now - then) for p, n in current.items()}
            previous, then = current, now

    # -- handlers ----------------------------------------------------------------------------
    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self._token is not None:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self._token}".encode()):
                return web.json_response({"error": "missing or wrong bearer token"}, status=401)
        response: web.StreamResponse = await handler(request)
        return response

    async def _page(self, request: web.Request) -> web.Response:
        page = resources.files(__package__).joinpath("status.html").read_text(encoding="utf-8")
        return web.Response(text=page, content_type="text/html")

    def status(self) -> dict[str, Any]:
        from ..cli.top import parse as parse_metrics

        doc = dict(self._status())
        doc["points"] = [
            {
                "component": point.component,
                "signal": point.signal.value,
                "pipeline": str(point.pipeline) if point.pipeline is not None else None,
                "requests": stats.requests,
                "items": stats.items,
                "items_per_second": round(self._rates.get(point, 0.0), 1),
            }
            for point, stats in self.hub.snapshot()
        ]
        text = self._metrics_text()
        queues, failures = [], []
        if text:
            for row in parse_metrics(text).values():
                if row.queue is not None:
                    queues.append(
                        {"exporter": row.name, "signal": row.signal, "size": row.queue[0], "capacity": row.queue[1]}
                    )
                failed = row.totals.get("failed", 0.0) + row.totals.get("refused", 0.0)
                if failed:
                    failures.append({"kind": row.kind, "component": row.name, "signal": row.signal, "items": failed})
        doc["queues"] = queues
        doc["failures"] = failures
        doc["recent_logs"] = list(self._logs.records)
        doc["taps_open"] = len(self.hub.taps)
        return doc

    async def _api_status(self, request: web.Request) -> web.Response:
        return web.json_response(self.status(), dumps=lambda d: json.dumps(d, default=str))

    async def _api_reload(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            await self._reload(body or None)
        except ConfigRejected as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"status": "reloaded"})

    async def _api_tap(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        signal: Signal | None = None
        if query.get("signal"):
            try:
                signal = Signal(query["signal"])
            except ValueError:
                return web.json_response({"error": f'unknown signal "{query["signal"]}"'}, status=400)
        try:
            limit = int(query.get("limit", "0") or 0)
        except ValueError:
            return web.json_response({"error": "limit must be a whole number"}, status=400)
        tap = Tap(pipeline=query.get("pipeline") or None, component=query.get("component") or None, signal=signal)
        points = [p for p, _ in self.hub.snapshot() if tap.matches(p)]
        if not points:
            known = sorted({p.label() for p, _ in self.hub.snapshot()})
            return web.json_response({"error": "no point of the graph matches", "points": known}, status=404)
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        response.headers["X-Tap-Points"] = "; ".join(p.label() for p in points)
        await response.prepare(request)
        self.hub.open(tap)
        sent = 0
        window, spent = time.monotonic(), 0.0
        try:
            while limit == 0 or sent < limit:
                try:
                    _, sig, wire, items = await asyncio.wait_for(tap.queue.get(), timeout=5.0)
                except TimeoutError:
                    await response.write(b"\n")  # finds a client that went away
                    continue
                began = time.perf_counter()
                line = to_json(_DATA[sig].from_trusted_wire(wire).message) + b"\n"
                spent += time.perf_counter() - began
                await response.write(line)
                sent += items
                now = time.monotonic()
                if now - window >= 1.0:
                    window, spent = now, 0.0
                elif spent >= TAP_CPU_BUDGET:
                    await asyncio.sleep(1.0 - (now - window))
                    window, spent = time.monotonic(), 0.0
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.hub.close(tap)
        return response
