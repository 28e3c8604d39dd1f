"""OTLP/HTTP: ``POST /v1/{traces,metrics,logs}`` with protobuf or JSON bodies, on confighttp's server.

The server builder (``confighttp.start_http_server``) answers CORS, auth and Content-Encoding
first; the error handler here gives those errors Go's OTLP form (a Status in the request's
encoding). Then the route handler applies Go's checks in Go's order: route (404), method (405),
Content-Type (415), body read with the size cap and decompression (413/400), decode (400), zero
items (200, not forwarded), consume (200 or the mapped error). Where Go's error handler answers
500 because the Content-Type can carry no Status, the client's error is kept instead: auth
errors become plain text, and Content-Encoding errors are left to the route, method and
Content-Type checks, which refuse the request (404, 405 or 415) without reading the body.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from aiohttp import web

from pyotelcol.component import Host, Signal
from pyotelcol.config.confighttp import HttpServer, RequestError, ServerRequest, start_http_server
from pyotelcol.helpers.receiverhelper import ErrorStatus, ascii_safe
from pyotelcol.pdata import InvalidDataError
from pyotelcol.pdata.otlpjson import decode_request
from pyotelcol.telemetry.obsreport import ReceiverObs

from ._common import Logger, SignalRoute, push
from .config import HTTPConfig, sanitize_url_path

PROTOBUF = "application/x-protobuf"
JSON = "application/json"

_OK_PROTOBUF = b"\x0a\x00"
_OK_JSON = b'{"partialSuccess":{}}'
_METHOD_NOT_ALLOWED = b"405 method not allowed, supported: [POST]"
_UNSUPPORTED_MEDIA = b"415 unsupported media type, supported: [application/json, application/x-protobuf]"
_NOT_FOUND = b"404 page not found\n"
_TSPECIALS = frozenset('()<>@,;:\\"/[]?=')


# -- Content-Type (Go's mime.ParseMediaType, enough of it to accept and reject the same) --------


def _token(text: str, pos: int) -> int:
    end = pos
    while end < len(text) and 0x20 < ord(text[end]) < 0x7F and text[end] not in _TSPECIALS:
        end += 1
    return end


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


@functools.lru_cache(maxsize=128)
def media_type(value: str) -> str:
    """The lower-cased media type, or ``""`` when Go's parser would fail (→ 415)."""
    base, _, _ = value.partition(";")
    mtype = base.lower().strip()
    end = _token(mtype, 0)
    if end == 0:
        return ""
    if end < len(mtype):
        if mtype[end] != "/":
            return ""
        sub_end = _token(mtype, end + 1)
        if sub_end == end + 1 or sub_end != len(mtype):
            return ""
    rest = value[len(base) :]
    seen: set[str] = set()
    pos = 0
    while True:
        pos = _skip_space(rest, pos)
        if pos >= len(rest):
            return mtype
        if rest[pos] != ";":
            return ""
        pos = _skip_space(rest, pos + 1)
        if pos >= len(rest):
            return mtype  # trailing ";" is tolerated
        key_end = _token(rest, pos)
        if key_end == pos:
            return ""
        key = rest[pos:key_end].lower()
        pos = _skip_space(rest, key_end)
        if pos >= len(rest) or rest[pos] != "=":
            return ""
        pos = _skip_space(rest, pos + 1)
        if pos < len(rest) and rest[pos] == '"':
            pos += 1
            while pos < len(rest) and rest[pos] != '"':
                pos += 2 if rest[pos] == "\\" else 1
            if pos >= len(rest):
                return ""
            pos += 1
        else:
            value_end = _token(rest, pos)
            if value_end == pos:
                return ""
            pos = value_end
        if key in seen:
            return ""
        seen.add(key)


# -- OTLP responses ------------------------------------------------------------------------------


def _respond(status: int, content_type: str, body: bytes, headers: Mapping[str, str] | None = None) -> web.Response:
    out = dict(headers or {})
    out["Content-Type"] = content_type
    return web.Response(status=status, body=body, headers=out)


def _status_response(st: ErrorStatus, status: int, as_json: bool) -> web.Response:
    return _respond(status, JSON if as_json else PROTOBUF, st.encode(as_json), st.http_headers(status))


def error_status(error: RequestError) -> ErrorStatus:
    if error.grpc_code is not None:
        return ErrorStatus(error.grpc_code, ascii_safe(error.message))
    return ErrorStatus.from_http(error.message, error.status)


def otlp_error_handler(request: web.BaseRequest, error: RequestError) -> web.Response | None:
    """Go's OTLP errorHandler: a Status encoded per Content-Type. Go answers 500 ``failed to
    marshal error message`` when the Content-Type is neither; here an auth error keeps its
    status as plain text, and a Content-Encoding error is left to the route's checks."""
    st = error_status(error)
    mtype = media_type(request.headers.get("Content-Type", ""))
    if mtype == PROTOBUF:
        return _respond(error.status, PROTOBUF, st.to_wire())
    if mtype == JSON:
        return _respond(error.status, JSON, st.to_json())
    if error.deferrable:
        return None
    return _respond(error.status, "text/plain; charset=utf-8", st.message.encode("ascii"))


class OTLPHttpHandler:
    """The route handler: one OTLP signal per configured path."""

    def __init__(self, cfg: HTTPConfig, routes: Mapping[Signal, SignalRoute], obs: ReceiverObs, logger: Logger) -> None:
        self._obs = obs
        self._logger = logger
        paths = {
            Signal.TRACES: cfg.traces_url_path,
            Signal.METRICS: cfg.metrics_url_path,
            Signal.LOGS: cfg.logs_url_path,
        }
        self._routes: dict[str, SignalRoute] = {}
        for signal, route in routes.items():
            if signal in paths:
                self._routes[sanitize_url_path(paths[signal])] = route

    async def __call__(self, served: ServerRequest) -> web.Response:
        request = served.request
        route = self._routes.get(request.path)
        if route is None:
            return _respond(404, "text/plain; charset=utf-8", _NOT_FOUND, {"X-Content-Type-Options": "nosniff"})
        if request.method != "POST":
            return _respond(405, "text/plain", _METHOD_NOT_ALLOWED)
        mtype = media_type(request.headers.get("Content-Type", ""))
        if mtype == PROTOBUF:
            as_json = False
        elif mtype == JSON:
            as_json = True
        else:
            return _respond(415, "text/plain", _UNSUPPORTED_MEDIA)
        try:
            body = await served.body()
            data = decode_request(route.signal, body) if as_json else route.data_type.from_wire(body)
        except RequestError as error:
            return _status_response(error_status(error), error.status, as_json)
        except InvalidDataError as exc:
            return _status_response(ErrorStatus.from_http(str(exc), 400), 400, as_json)
        st = await push(route, data, self._obs, self._logger)
        if st is not None:
            return _status_response(st, st.http_status, as_json)
        return _respond(200, JSON if as_json else PROTOBUF, _OK_JSON if as_json else _OK_PROTOBUF)


async def start_otlp_http(
    cfg: HTTPConfig, host: Host, routes: Mapping[Signal, SignalRoute], obs: ReceiverObs, logger: Logger
) -> HttpServer:
    handler = OTLPHttpHandler(cfg, routes, obs, logger)
    server = await start_http_server(cfg, host, handler, logger=logger, error_handler=otlp_error_handler)
    logger.info("Starting HTTP server", extra={"fields": {"endpoint": server.endpoint}})
    return server


__all__ = ["OTLPHttpHandler", "media_type", "otlp_error_handler", "start_otlp_http"]
