"""OTLP/HTTP on aiohttp: ``POST /v1/{traces,metrics,logs}`` with protobuf or JSON bodies.

One catch-all handler applies Go's checks in Go's order: CORS, then auth (401 with a Status in
the request's encoding), then Content-Encoding (what Go's decompression middleware rejects
before routing), route (404), method (405), Content-Type (415), body read with the size cap,
decompression, decode (400), zero items (200, not forwarded), consume (200 or the mapped error).
Where Go's error handler answers 500 because the Content-Type can carry no Status, the client's
error is kept instead (see ``_reject_encoding``). aiohttp's automatic request decompression is
off: the raw body is read and decoded here with a bound.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Mapping
from datetime import timedelta

from aiohttp import ClientError, web
from multidict import CIMultiDict

from pyotelcol.component import Signal
from pyotelcol.config.confighttp import CORSConfig, response_header_pairs, split_host_port
from pyotelcol.extension import AuthError, ServerAuthenticator
from pyotelcol.helpers import compression
from pyotelcol.helpers.receiverhelper import ErrorStatus, GrpcCode, ascii_safe, metadata_from_pairs
from pyotelcol.pdata import InvalidDataError
from pyotelcol.pdata.otlpjson import decode_request
from pyotelcol.telemetry.obsreport import ReceiverObs

from ._bind import reuse_port_allowed
from ._common import ListenError, Logger, SignalRoute, check_transport, format_addr, push, resolve_listen_address
from ._tlsreload import HttpTLS
from .config import HTTPConfig, sanitize_url_path

PROTOBUF = "application/x-protobuf"
JSON = "application/json"

_OK_PROTOBUF = b"\x0a\x00"
_OK_JSON = b'{"partialSuccess":{}}'
_METHOD_NOT_ALLOWED = b"405 method not allowed, supported: [POST]"
_UNSUPPORTED_MEDIA = b"415 unsupported media type, supported: [application/json, application/x-protobuf]"
_NOT_FOUND = b"404 page not found\n"
_PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
_TSPECIALS = frozenset('()<>@,;:\\"/[]?=')
_OFFLOAD_BYTES = 256 * 1024  # decompress bigger bodies in a worker thread (zlib/zstd free the GIL)
_NO_TIMEOUT_S = 365 * 24 * 3600.0
_MAX_HEADER_LINE = 64 * 1024  # aiohttp's default is 8 KiB; Go allows 1 MiB of headers in total


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


# -- CORS (rs/cors as configured by confighttp) ------------------------------------------------


class Cors:
    __slots__ = ("_all_headers", "_all_origins", "_exact", "_expose", "_headers", "_max_age", "_wild")

    _METHODS = frozenset({"GET", "POST", "HEAD"})

    def __init__(self, cfg: CORSConfig) -> None:
        origins = [o.lower() for o in cfg.allowed_origins]
        self._all_origins = "*" in origins
        self._exact = {o for o in origins if "*" not in o}
        self._wild = [tuple(o.split("*", 1)) for o in origins if "*" in o and o != "*"]
        headers = [h.lower() for h in cfg.allowed_headers] or ["accept", "content-type", "x-requested-with"]
        self._all_headers = "*" in headers
        self._headers = frozenset([*headers, "content-type"])
        self._expose = ", ".join("-".join(p.capitalize() for p in h.split("-")) for h in cfg.exposed_headers)
        self._max_age = str(cfg.max_age) if cfg.max_age > 0 else ("0" if cfg.max_age < 0 else "")

    def _origin_allowed(self, origin: str) -> bool:
        if self._all_origins:
            return True
        origin = origin.lower()
        if origin in self._exact:
            return True
        return any(
            len(origin) >= len(pre) + len(suf) and origin.startswith(pre) and origin.endswith(suf)
            for pre, suf in self._wild
        )

    def _headers_allowed(self, requested: list[str]) -> bool:
        if self._all_headers:
            return True
        for value in requested:
            for name in value.split(","):
                name = name.strip().lower()
                if name and name not in self._headers:
                    return False
        return True

    def preflight(self, request: web.BaseRequest, out: CIMultiDict[str]) -> None:
        out.add("Vary", _PREFLIGHT_VARY)
        origin = request.headers.get("Origin", "")
        if not origin or not self._origin_allowed(origin):
            return
        method = request.headers.get("Access-Control-Request-Method", "")
        if method != "OPTIONS" and method not in self._METHODS:
            return
        requested = request.headers.getall("Access-Control-Request-Headers", [])
        if requested and not self._headers_allowed(requested):
            return
        out["Access-Control-Allow-Origin"] = "*" if self._all_origins else origin
        out["Access-Control-Allow-Methods"] = method.upper()
        if requested and requested[0]:
            for value in requested:
                out.add("Access-Control-Allow-Headers", value)
        out["Access-Control-Allow-Credentials"] = "true"
        if self._max_age:
            out["Access-Control-Max-Age"] = self._max_age

    def actual(self, request: web.BaseRequest, out: CIMultiDict[str]) -> None:
        out.add("Vary", "Origin")
        origin = request.headers.get("Origin", "")
        if not origin or not self._origin_allowed(origin):
            return
        if request.method != "OPTIONS" and request.method not in self._METHODS:
            return
        out["Access-Control-Allow-Origin"] = "*" if self._all_origins else origin
        if self._expose:
            out["Access-Control-Expose-Headers"] = self._expose
        out["Access-Control-Allow-Credentials"] = "true"


# -- the server ---------------------------------------------------------------------------------


class _Reject(Exception):
    """An early answer; carries the response."""

    def __init__(self, response: web.Response) -> None:
        super().__init__()
        self.response = response


class HttpServer:
    def __init__(
        self,
        cfg: HTTPConfig,
        routes: Mapping[Signal, SignalRoute],
        obs: ReceiverObs,
        logger: Logger,
        auth: ServerAuthenticator | None = None,
    ) -> None:
        self._cfg = cfg
        self._obs = obs
        self._logger = logger
        self._auth = auth
        auth_cfg = cfg.auth.get()
        self._request_params = list(auth_cfg.request_params) if auth_cfg is not None else []
        self._tls: HttpTLS | None = None
        paths = {
            Signal.TRACES: cfg.traces_url_path,
            Signal.METRICS: cfg.metrics_url_path,
            Signal.LOGS: cfg.logs_url_path,
        }
        self._routes: dict[str, SignalRoute] = {}
        for signal, route in routes.items():
            if signal in paths:
                self._routes[sanitize_url_path(paths[signal])] = route
        self._limit = cfg.effective_max_request_body_size()
        algorithms = cfg.compression_algorithms
        if algorithms is None:
            algorithms = list(compression.DEFAULT_ALGORITHMS)
        # Go: an explicitly empty list turns decoding off (the body is passed on as it is).
        self._algorithms: frozenset[str] | None = (
            frozenset(a for a in algorithms if a in compression.KNOWN_ALGORITHMS) if algorithms else None
        )
        cors = cfg.cors_config()
        self._cors = Cors(cors) if cors is not None else None
        if cors is None and cfg.cors.enabled and cfg.cors.value.allowed_headers:
            logger.warning(
                "The CORS configuration specifies allowed headers but no allowed origins, and is therefore ignored."
            )
        self._response_headers = response_header_pairs(cfg.response_headers)
        self._read_timeout = cfg.read_timeout.total_seconds() if cfg.read_timeout > timedelta(0) else None
        self._force_close = not cfg.keep_alives_enabled
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # -- responses --------------------------------------------------------------------------

    def _respond(self, status: int, content_type: str, body: bytes, extra: CIMultiDict[str]) -> web.Response:
        headers: CIMultiDict[str] = CIMultiDict()
        for name, value in self._response_headers:
            headers[name] = value
        for name, value in extra.items():
            if name.lower() == "vary" and "Vary" in headers:
                headers.add(name, value)
            else:
                headers[name] = value
        if content_type:
            headers["Content-Type"] = content_type
        resp = web.Response(status=status, body=body, headers=headers)
        if self._force_close:
            resp.force_close()
        return resp

    def _error_handler(
        self, request: web.BaseRequest, message: str, status: int, extra: CIMultiDict[str], code: int | None = None
    ) -> web.Response:
        """Go's errorHandler (auth and decompression middleware errors): a Status encoded per
        Content-Type. Go answers 500 ``failed to marshal error message`` when the Content-Type
        is neither; the client's error is kept here instead, as plain text."""
        st = ErrorStatus(code, ascii_safe(message)) if code is not None else ErrorStatus.from_http(message, status)
        mtype = media_type(request.headers.get("Content-Type", ""))
        if mtype == PROTOBUF:
            return self._respond(status, PROTOBUF, st.to_wire(), extra)
        if mtype == JSON:
            return self._respond(status, JSON, st.to_json(), extra)
        return self._respond(status, "text/plain; charset=utf-8", st.message.encode("ascii"), extra)

    def _reject_encoding(
        self, request: web.BaseRequest, message: str, status: int, extra: CIMultiDict[str], code: int | None = None
    ) -> None:
        """A decompression middleware error. Without a Content-Type that can carry a Status the
        request is left to the route, method and Content-Type checks, which refuse it (404, 405,
        or 415 whatever the encoding) without reading the body."""
        if media_type(request.headers.get("Content-Type", "")) in (PROTOBUF, JSON):
            raise _Reject(self._error_handler(request, message, status, extra, code))

    def _status_response(self, st: ErrorStatus, status: int, as_json: bool, extra: CIMultiDict[str]) -> web.Response:
        for name, value in st.http_headers(status).items():
            extra[name] = value
        return self._respond(status, JSON if as_json else PROTOBUF, st.encode(as_json), extra)

    def _too_large(self, message: str = compression.TOO_LARGE_MESSAGE) -> ErrorStatus:
        return ErrorStatus(int(GrpcCode.RESOURCE_EXHAUSTED), message)

    # -- body -------------------------------------------------------------------------------

    async def _read(self, request: web.BaseRequest, size: int, have: int) -> bytes:
        """Read up to ``size`` more bytes (``-1``: to the end); raise BodyTooLargeError past the cap."""
        parts: list[bytes] = []
        total = have
        got = 0
        while size < 0 or got < size:
            chunk = await (request.content.readany() if size < 0 else request.content.read(size - got))
            if not chunk:
                break
            got += len(chunk)
            total += len(chunk)
            if total > self._limit:
                raise compression.BodyTooLargeError()
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def _read_timed(self, request: web.BaseRequest, size: int, have: int) -> bytes:
        if self._read_timeout is None:
            return await self._read(request, size, have)
        async with asyncio.timeout(self._read_timeout):
            return await self._read(request, size, have)

    async def _decompress(self, encoding: str, body: bytes) -> bytes:
        if not encoding:
            return body
        if len(body) > _OFFLOAD_BYTES:
            return await asyncio.to_thread(compression.decompress, encoding, body, self._limit)
        return compression.decompress(encoding, body, self._limit)

    # -- auth -------------------------------------------------------------------------------

    async def _authenticate(self, auth: ServerAuthenticator, request: web.Request, extra: CIMultiDict[str]) -> None:
        """Go's confighttp auth interceptor: headers (plus ``request_params`` query parameters)
        to the authenticator; any failure is a 401 whose Status carries the error text."""
        headers = metadata_from_pairs(request.headers.items())
        for param in self._request_params:
            values = request.query.getall(param, None)
            if values:
                headers[param] = list(values)
        try:
            await auth.authenticate(headers)
        except Exception as exc:
            if not isinstance(exc, AuthError):
                self._logger.error("authenticator failed unexpectedly", exc_info=exc)
            raise _Reject(self._error_handler(request, str(exc), 401, extra)) from None

    # -- the handler ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        extra: CIMultiDict[str] = CIMultiDict()
        try:
            return await self._serve(request, extra)
        except _Reject as reject:
            return reject.response

    async def _serve(self, request: web.Request, extra: CIMultiDict[str]) -> web.Response:
        cors = self._cors
        if cors is not None:
            if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
                cors.preflight(request, extra)
                return self._respond(204, "", b"", extra)
            cors.actual(request, extra)

        if self._auth is not None:
            await self._authenticate(self._auth, request, extra)

        # What Go's decompression middleware does before the mux sees the request.
        encoding = request.headers.get("Content-Encoding", "")
        head = b""
        decoded: bytes | None = None
        if self._algorithms is None:
            encoding = ""
        else:
            try:
                if encoding not in self._algorithms:
                    self._reject_encoding(request, f"unsupported Content-Encoding: {encoding}", 400, extra)
                    encoding = ""  # never decoded: the checks below refuse the request
                elif encoding in ("gzip", "zlib", "deflate"):
                    head = await self._read_timed(request, 10, 0)
                    compression.check_header(encoding, head)
                elif encoding == "snappy":
                    decoded = await self._decompress(encoding, await self._read_timed(request, -1, 0))
            except compression.BodyTooLargeError as exc:
                self._reject_encoding(request, str(exc), 413, extra, int(GrpcCode.RESOURCE_EXHAUSTED))
            except compression.DecompressError as exc:
                self._reject_encoding(request, str(exc), 400, extra)
            except (ClientError, ConnectionError, TimeoutError):
                self._reject_encoding(request, "unexpected EOF", 400, extra)

        route = self._routes.get(request.path)
        if route is None:
            extra["X-Content-Type-Options"] = "nosniff"
            return self._respond(404, "text/plain; charset=utf-8", _NOT_FOUND, extra)
        if request.method != "POST":
            return self._respond(405, "text/plain", _METHOD_NOT_ALLOWED, extra)
        mtype = media_type(request.headers.get("Content-Type", ""))
        if mtype == PROTOBUF:
            as_json = False
        elif mtype == JSON:
            as_json = True
        else:
            return self._respond(415, "text/plain", _UNSUPPORTED_MEDIA, extra)

        # Read (raw cap), decompress (decoded cap), decode.
        try:
            if decoded is None:
                length = request.content_length
                if length is not None and length > self._limit:
                    raise compression.BodyTooLargeError()
                rest = await self._read_timed(request, -1, len(head))
                decoded = await self._decompress(encoding, head + rest if head else rest)
            data = decode_request(route.signal, decoded) if as_json else route.data_type.from_wire(decoded)
        except compression.BodyTooLargeError as exc:
            return self._status_response(self._too_large(str(exc)), 413, as_json, extra)
        except (compression.DecompressError, InvalidDataError) as exc:
            return self._status_response(ErrorStatus.from_http(str(exc), 400), 400, as_json, extra)
        except (ClientError, ConnectionError, TimeoutError):
            return self._status_response(ErrorStatus.from_http("unexpected EOF", 400), 400, as_json, extra)

        metadata = None
        if self._cfg.include_metadata:
            metadata = metadata_from_pairs(request.headers.items())
        st = await push(route, data, self._obs, metadata, self._logger)
        if st is not None:
            return self._status_response(st, st.http_status, as_json, extra)
        return self._respond(200, JSON if as_json else PROTOBUF, _OK_JSON if as_json else _OK_PROTOBUF, extra)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        cfg = self._cfg
        check_transport(cfg.transport)
        ssl_context = None
        tls = cfg.tls.get()
        tls_state = HttpTLS(tls, self._logger) if tls is not None else None
        if tls_state is not None:
            ssl_context = tls_state.context
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        idle = cfg.idle_timeout if cfg.idle_timeout > timedelta(0) else cfg.read_timeout
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            auto_decompress=False,
            keepalive_timeout=idle.total_seconds() if idle > timedelta(0) else _NO_TIMEOUT_S,
            max_line_size=_MAX_HEADER_LINE,
            max_field_size=_MAX_HEADER_LINE,
        )
        await runner.setup()
        site: web.BaseSite
        try:
            if cfg.transport == "unix":
                site = web.UnixSite(runner, cfg.endpoint, ssl_context=ssl_context)
                shown = cfg.endpoint
            else:
                try:
                    raw_host, port = split_host_port(cfg.endpoint)
                except ValueError as exc:
                    raise ListenError(f"listen {cfg.transport}: {exc}") from None
                host, port = await resolve_listen_address(raw_host, port, cfg.transport)
                if host == "::" and cfg.transport == "tcp":
                    host = None  # Go's "[::]:port" is dual-stack; asyncio would make it IPv6-only
                site = web.TCPSite(
                    runner, host, port, ssl_context=ssl_context, reuse_address=True, reuse_port=reuse_port_allowed()
                )
                shown = format_addr(host if host is not None else "::", port)
            try:
                await site.start()
            except OSError as exc:
                text = os.strerror(exc.errno) if exc.errno else str(exc)
                text = text[:1].lower() + text[1:]
                raise ListenError(f"listen {cfg.transport} {shown}: bind: {text}", exc.errno) from None
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if tls_state is not None:
            self._tls = tls_state
            tls_state.start()
        if cfg.transport != "unix":
            server = getattr(site, "_server", None)
            sockets = getattr(server, "sockets", None) or []
            if sockets:
                self.port = int(sockets[0].getsockname()[1])
                shown = format_addr(host if host is not None else "::", self.port)
        self._logger.info("Starting HTTP server", extra={"fields": {"endpoint": shown}})

    async def stop(self) -> None:
        tls_state, self._tls = self._tls, None
        if tls_state is not None:
            await tls_state.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


__all__ = ["Cors", "HttpServer", "media_type"]
