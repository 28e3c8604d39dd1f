"""The zpages extension: simple HTML pages about the running service, built from ``host.service_info()``.

Routes (GET; any method is answered, like Go's ServeMux):
- ``/debug/servicez``: build info, start time, uptime, links to the other pages;
- ``/debug/pipelinez``: one row per pipeline with its receivers, processors and exporters;
- ``/debug/extensionz``: the extensions of the service;
- ``/debug/featurez``: feature gates and whether they are enabled;
- ``/debug/tracez``: the collector's own spans per name (running, latency buckets, errors, samples),
  when ``service.telemetry.traces.processors`` give it an SDK tracer provider (as in Go);
- ``/debug/expvarz``: JSON process information, only with ``expvar.enabled: true`` (404 otherwise).
Pages are rendered per request, so they always show the current service.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from html import escape
from typing import Any

from aiohttp import web
from opentelemetry.sdk.trace import TracerProvider as SDKTracerProvider

from pyotelcol.component import Host, ServiceInfo, Settings
from pyotelcol.config.confighttp import HttpServer, ServerRequest, server_summary, start_http_server
from pyotelcol.telemetry import tracing
from pyotelcol.telemetry.gofmt import go_duration, rfc3339_nano

from .config import Config
from .tracez import TracezProcessor

_HTML = "text/html; charset=utf-8"
_STYLE = (
    "body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
    "td,th{border:1px solid #999;padding:2px 8px;text-align:left}th{background:#eee}"
)


def _page(title: str, body: str) -> web.Response:
    text = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return web.Response(body=text.encode(), headers={"Content-Type": _HTML})


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    lines = [f"<table>\n<tr>{head}</tr>"]
    for row in rows:
        lines.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>")
    lines.append("</table>")
    return "\n".join(lines)


class ZPagesExtension:
    def __init__(self, settings: Settings, config: Config) -> None:
        self._settings = settings
        self._config = config
        self._logger = settings.telemetry.logger
        self._host: Host | None = None
        self._server: HttpServer | None = None
        self._pages: dict[str, Callable[[], Awaitable[web.Response]]] = {}
        self._tracez: TracezProcessor | None = None
        self._query: Mapping[str, str] = {}

    async def start(self, host: Host) -> None:
        self._host = host
        if callable(getattr(host, "service_info", None)):
            self._logger.info("Register Host's zPages")
        else:
            self._logger.info("Host's zPages not available")
        self._pages = {
            "/debug/servicez": self._servicez,
            "/debug/pipelinez": self._pipelinez,
            "/debug/extensionz": self._extensionz,
            "/debug/featurez": self._featurez,
            "/debug/tracez": self._tracez_page,
        }
        if self._config.expvar.enabled:
            self._pages["/debug/expvarz"] = self._expvarz
        shown = {**server_summary(self._config), "expvar": {"enabled": self._config.expvar.enabled}}
        provider = tracing.current()
        if isinstance(provider, SDKTracerProvider):  # Go: only an SDK provider can take the processor
            self._tracez = TracezProcessor()
            provider.add_span_processor(self._tracez)
        self._logger.info("Starting zPages extension", extra={"fields": {"config": shown}})
        self._server = await start_http_server(self._config, host, self._dispatch, logger=self._logger)

    async def shutdown(self) -> None:
        if self._tracez is not None:
            self._tracez.shutdown()  # the SDK cannot remove a processor: it stops recording
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    async def _dispatch(self, served: ServerRequest) -> web.Response:
        """Go's ServeMux: exact paths; anything else is ``404 page not found``."""
        page = self._pages.get(served.request.path)
        if page is None:
            return web.Response(
                status=404,
                body=b"404 page not found\n",
                headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"},
            )
        self._query = served.request.query
        return await page()

    # -- pages ---------------------------------------------------------------------------------
    def _info(self) -> ServiceInfo | None:
        getter = getattr(self._host, "service_info", None)
        return getter() if callable(getter) else None

    @staticmethod
    def _unavailable(title: str) -> web.Response:
        return _page(title, "<p>Service information is not available from this host.</p>")

    async def _servicez(self) -> web.Response:
        info = self._info()
        if info is None:
            return self._unavailable("Service")
        build = info.build_info
        uptime_ns = max(int((time.time() - info.start_time) * 1e9), 0)
        body = "\n".join(
            [
                "<h2>Build Info</h2>",
                _table(
                    ["Property", "Value"],
                    [
                        ("Command", build.command),
                        ("Description", build.description),
                        ("Version", build.version),
                    ],
                ),
                "<h2>Runtime Info</h2>",
                _table(
                    ["Property", "Value"],
                    [
                        ("StartTimestamp", rfc3339_nano(int(info.start_time * 1e9))),
                        ("Uptime", go_duration(uptime_ns)),
                        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
                        ("Platform", platform.platform()),
                        ("PID", str(os.getpid())),
                    ],
                ),
                "<h2>Pages</h2>",
                "<ul>"
                '<li><a href="/debug/pipelinez">Pipelines</a></li>'
                '<li><a href="/debug/extensionz">Extensions</a></li>'
                '<li><a href="/debug/featurez">Feature Gates</a></li>'
                '<li><a href="/debug/tracez">TraceZ</a></li>'
                "</ul>",
            ]
        )
        return _page("Service " + build.command, body)

    async def _pipelinez(self) -> web.Response:
        info = self._info()
        if info is None:
            return self._unavailable("Pipelines")
        rows = []
        for pid in sorted(info.pipelines, key=str):
            pipe = info.pipelines[pid]
            rows.append(
                (
                    str(pid),
                    str(pid.signal),
                    ", ".join(map(str, pipe.receivers)),
                    ", ".join(map(str, pipe.processors)),
                    ", ".join(map(str, pipe.exporters)),
                )
            )
        return _page("Pipelines", _table(["FullName", "InputType", "Receivers", "Processors", "Exporters"], rows))

    async def _extensionz(self) -> web.Response:
        info = self._info()
        if info is None:
            return self._unavailable("Extensions")
        rows = [(str(ext),) for ext in info.extensions]
        return _page("Extensions", _table(["FullName"], rows))

    async def _featurez(self) -> web.Response:
        info = self._info()
        if info is None:
            return self._unavailable("Feature Gates")
        rows = [(gate, "true" if enabled else "false") for gate, enabled in sorted(info.feature_gates.items())]
        return _page("Feature Gates", _table(["ID", "Enabled"], rows))

    async def _tracez_page(self) -> web.Response:
        if self._tracez is None:
            return _page(
                "TraceZ",
                "<p>No own spans are recorded: configure <code>service.telemetry.traces.processors</code> "
                "to make the collector trace itself.</p>",
            )
        query = self._query
        name = query.get("zspanname")
        body = self._tracez.summary_html()
        if name is not None:
            try:
                kind, bucket = int(query.get("ztype", "1")), int(query.get("zlatencybucket", "0"))
            except ValueError:
                kind, bucket = 1, 0
            body += "\n" + self._tracez.samples_html(name, kind, bucket)
        return _page("TraceZ", body)

    async def _expvarz(self) -> web.Response:
        payload: dict[str, Any] = {
            "cmdline": sys.argv,
            "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
            "gc": {"counts": list(gc.get_count()), "stats": gc.get_stats()},
        }
        return web.Response(
            body=json.dumps(payload, indent=1).encode(), headers={"Content-Type": "application/json; charset=utf-8"}
        )
