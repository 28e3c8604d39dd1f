"""confighttp: the settings HTTP server and client components embed (Go: config/confighttp ServerConfig, ClientConfig).

Keys and defaults are Go's ``confighttp.ServerConfig`` (plus ``confignet.AddrConfig``'s
``endpoint``/``transport``/``dialer``, squashed in). The TLS settings live in ``configtls``;
``TLSServerConfig`` and ``TPMConfig`` are re-exported here for existing imports.

``start_http_server(cfg, host, handler, logger=..., error_handler=...)`` is Go's
``ServerConfig.ToListener`` + ``ToServer`` for every HTTP server component: it listens (Go's bind
error texts, SO_REUSEPORT only in ``--workers`` mode, TLS with certificate reload) and runs each
request through CORS, the auth extension named in ``auth.authenticator`` (401 with its
message), the ``Content-Encoding`` check, then ``handler(ServerRequest)``. ``ServerRequest.body()``
reads the body within ``max_request_body_size`` and decompresses it within the same bound; a
``RequestError`` (from ``body()`` or raised by the handler) is answered by the error handler
(Go's ``WithErrorHandler``; default: Go's ``http.Error``). Every response gets
``response_headers``; the client ``Info`` (``include_metadata``, the authenticator's data) is set
while the handler runs. The pieces below the builder live in ``pyotelcol.helpers``: ``listen``,
``tlsreload``, ``cors``, ``compression``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, web
from multidict import CIMultiDict

from .. import client
from ..component import ID, Host, IDError
from ..extension import AuthError, ServerAuthenticator, find_authenticator
from ..helpers import compression
from ..helpers.cors import Cors
from ..helpers.listen import (
    AddressClaim,
    Logger,
    bind_error,
    bind_socket,
    check_transport,
    claim_unix_path,
    format_addr,
    resolve_endpoint,
    split_host_port,
)
from ..helpers.receiverhelper import metadata_from_pairs
from ..helpers.tlsreload import HttpTLS
from .configtls import TLSClientConfig, TLSServerConfig, TPMConfig
from .decode import OptionalSection

__all__ = [
    "COMPRESSION_TYPES",
    "DEFAULT_MAX_REQUEST_BODY_SIZE",
    "TRANSPORTS",
    "AuthConfig",
    "CORSConfig",
    "ClientConfig",
    "CompressionParams",
    "CookiesConfig",
    "DialerConfig",
    "ErrorHandler",
    "HttpServer",
    "MiddlewareConfig",
    "RequestError",
    "RouteHandler",
    "ServerConfig",
    "ServerRequest",
    "TLSClientConfig",
    "TLSServerConfig",
    "TPMConfig",
    "check_middlewares",
    "default_error_handler",
    "find_server_authenticator",
    "is_compressed",
    "response_header_pairs",
    "server_summary",
    "split_host_port",
    "start_http_server",
    "validate_compression",
    "validate_transport",
]

DEFAULT_MAX_REQUEST_BODY_SIZE = 20 * 1024 * 1024

# confignet.AddrConfig.Validate accepts these (npipe is Windows-only).
TRANSPORTS = frozenset(
    {"tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "ip", "ip4", "ip6", "unix", "unixgram", "unixpacket"}
)


def validate_transport(transport: str) -> None:
    if transport not in TRANSPORTS:
        raise ValueError(f'invalid transport type "{transport}"')


@dataclass
class CORSConfig:
    allowed_origins: list[str] = field(default_factory=list)
    allowed_headers: list[str] = field(default_factory=list)
    exposed_headers: list[str] = field(default_factory=list)
    max_age: int = 0


@dataclass
class AuthConfig:
    """configauth: the ID of a server authenticator extension (``request_params``: HTTP only)."""

    authenticator: str = ""
    request_params: list[str] = field(default_factory=list)


@dataclass
class MiddlewareConfig:
    id: str = ""


@dataclass
class DialerConfig:
    timeout: timedelta = timedelta(0)


def response_header_pairs(value: Any) -> list[tuple[str, str]]:
    """configopaque.MapList: a map, or a list of ``{name, value}``; sorted by name for maps."""
    if value is None:
        return []
    if isinstance(value, dict):
        return sorted((str(k), "" if v is None else str(v)) for k, v in value.items())
    if isinstance(value, list):
        out: list[tuple[str, str]] = []
        for item in value:
            if not isinstance(item, dict) or set(item) - {"name", "value"}:
                raise ValueError("response_headers: expected a map or a list of {name, value} pairs")
            out.append((str(item.get("name", "")), "" if item.get("value") is None else str(item["value"])))
        return out
    raise ValueError("response_headers: expected a map or a list of {name, value} pairs")


@dataclass
class ServerConfig:
    """confighttp.ServerConfig. ``compression_algorithms: None`` means Go's default list."""

    endpoint: str = ""
    transport: str = "tcp"
    dialer: DialerConfig = field(default_factory=DialerConfig)
    tls: OptionalSection[TLSServerConfig] = field(default_factory=lambda: OptionalSection.none(TLSServerConfig))
    cors: OptionalSection[CORSConfig] = field(default_factory=lambda: OptionalSection.none(CORSConfig))
    auth: OptionalSection[AuthConfig] = field(default_factory=lambda: OptionalSection.none(AuthConfig))
    max_request_body_size: int = 0
    include_metadata: bool = False
    response_headers: Any = field(default_factory=dict)
    compression_algorithms: list[str] | None = None
    read_timeout: timedelta = timedelta(0)
    read_header_timeout: timedelta = timedelta(minutes=1)
    write_timeout: timedelta = timedelta(seconds=30)
    idle_timeout: timedelta = timedelta(minutes=1)
    middlewares: list[MiddlewareConfig] = field(default_factory=list)
    keep_alives_enabled: bool = True

    def validate(self) -> None:
        validate_transport(self.transport)
        pairs = response_header_pairs(self.response_headers)
        names = [name for name, _ in pairs]
        dups = sorted({n for n in names if names.count(n) > 1})
        if dups:
            raise ValueError(f"duplicate keys in map-style list: [{' '.join(dups)}]")

    def effective_max_request_body_size(self) -> int:
        return self.max_request_body_size if self.max_request_body_size > 0 else DEFAULT_MAX_REQUEST_BODY_SIZE

    def cors_config(self) -> CORSConfig | None:
        """The CORS settings when CORS is active (a section with non-empty ``allowed_origins``)."""
        cors = self.cors.get()
        return cors if cors is not None and cors.allowed_origins else None


# -- client side (Go's confighttp.ClientConfig) ----------------------------------

# configcompression.Type: the values a client may send (exact, lower-case).
COMPRESSION_TYPES = ("gzip", "zlib", "deflate", "snappy", "x-snappy-framed", "zstd", "lz4", "none", "")
_ZLIB_LEVELS = frozenset({-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})


def is_compressed(compression: str) -> bool:
    return compression not in ("", "none")


def validate_compression(compression: str, level: int = 0) -> None:
    """configcompression's checks: the type (Go: while decoding) and ``compression_params.level``."""
    if compression not in COMPRESSION_TYPES:
        raise ValueError(f'unsupported compression type "{compression}"')
    if not is_compressed(compression):
        return
    if compression in ("gzip", "zlib", "deflate") and level in _ZLIB_LEVELS:
        return
    if compression == "zstd" or level == 0:
        return
    raise ValueError(f'unsupported parameters {{Level:{level:+d}}} for compression type "{compression}"')


@dataclass
class CompressionParams:
    level: int = 0


@dataclass
class CookiesConfig:
    """``cookies``: present (configoptional) = keep a cookie jar; no keys of its own."""


@dataclass
class ClientConfig:
    """confighttp.ClientConfig (generic defaults; exporters override some of them)."""

    endpoint: str = ""
    proxy_url: str = ""
    tls: TLSClientConfig = field(default_factory=TLSClientConfig)
    read_buffer_size: int = 0
    write_buffer_size: int = 0
    timeout: timedelta = timedelta(0)
    headers: dict[str, str] = field(default_factory=dict, metadata={"opaque": True})
    auth: OptionalSection[AuthConfig] = field(default_factory=lambda: OptionalSection.none(AuthConfig))
    compression: str = ""
    compression_params: CompressionParams = field(default_factory=CompressionParams)
    max_idle_conns: int = 100
    max_idle_conns_per_host: int = 0
    max_conns_per_host: int = 0
    idle_conn_timeout: timedelta = timedelta(seconds=90)
    disable_keep_alives: bool = False
    http2_read_idle_timeout: timedelta = timedelta(0)
    http2_ping_timeout: timedelta = timedelta(0)
    cookies: OptionalSection[CookiesConfig] = field(default_factory=lambda: OptionalSection.none(CookiesConfig))
    force_attempt_http2: bool = True
    middlewares: list[MiddlewareConfig] = field(default_factory=list)

    def validate(self) -> None:
        validate_compression(self.compression, self.compression_params.level)
        if self.proxy_url:
            parsed = urlsplit(self.proxy_url)
            if not parsed.scheme or not (parsed.netloc or parsed.path.startswith("/")):
                raise ValueError(f'parse "{self.proxy_url}": invalid URI for request')

    def header_pairs(self) -> list[tuple[str, str]]:
        """Configured headers, sorted by name as configopaque.MapList keeps them."""
        return sorted(self.headers.items())


# -- server builder (Go's ServerConfig.ToListener + ToServer) --------------------------------

_OFFLOAD_BYTES = 256 * 1024  # decompress bigger bodies in a worker thread (zlib/zstd free the GIL)
_NO_TIMEOUT_S = 365 * 24 * 3600.0
# how long stop() lets the requests under way finish before cancelling them
_DRAIN_TIMEOUT_S = 10.0
_MAX_HEADER_LINE = 64 * 1024  # aiohttp's default is 8 KiB; Go allows 1 MiB of headers in total
_RESOURCE_EXHAUSTED = 8  # gRPC code carried by size-limit errors (OTLP answers it in a Status)


class RequestError(Exception):
    """An error the server answers through its error handler (Go's ``errHandler(w, r, msg, status)``).

    Raised by ``ServerRequest.body()`` (413 over ``max_request_body_size``, 400 for a body that
    does not decompress or ends early) and by route handlers that want the server's error format.
    ``grpc_code`` is set where Go's message implies one (RESOURCE_EXHAUSTED for size limits);
    ``deferrable`` marks Content-Encoding errors an error handler may leave to the route handler.
    """

    def __init__(self, message: str, status: int, grpc_code: int | None = None, *, deferrable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.grpc_code = grpc_code
        self.deferrable = deferrable


ErrorHandler = Callable[[web.BaseRequest, RequestError], web.Response | None]


def default_error_handler(request: web.BaseRequest, error: RequestError) -> web.Response:
    """Go's default (``http.Error``): the message and a newline as plain text."""
    return web.Response(
        status=error.status,
        body=(error.message + "\n").encode(),
        headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"},
    )


class ServerRequest:
    """What a route handler gets: the authenticated aiohttp request, the client ``Info`` (headers
    as metadata when ``include_metadata`` is on, the authenticator's data), and ``body()``:
    the request body read with ``max_request_body_size`` and decompressed within the same bound."""

    __slots__ = ("_decoded", "_encoding", "_error", "_head", "_server", "client_info", "request")

    def __init__(self, server: HttpServer, request: web.Request, client_info: client.Info) -> None:
        self._server = server
        self.request = request
        self.client_info = client_info
        self._encoding = ""
        self._head = b""
        self._decoded: bytes | None = None
        self._error: RequestError | None = None

    async def body(self) -> bytes:
        """The decompressed body; RequestError (413, or 400) when it is too large or unreadable."""
        if self._error is not None:
            raise self._error
        if self._decoded is not None:
            return self._decoded
        server = self._server
        try:
            length = self.request.content_length
            if length is not None and length > server.limit:
                raise compression.BodyTooLargeError()
            rest = await server.read(self.request, -1, len(self._head))
            self._decoded = await server.decompress(self._encoding, self._head + rest if self._head else rest)
        except (compression.BodyTooLargeError, compression.DecompressError, ClientError, ConnectionError) as exc:
            raise _body_error(exc) from None
        except TimeoutError:
            raise _body_error(TimeoutError()) from None
        return self._decoded

    async def _decode_prefix(self, algorithms: frozenset[str] | None) -> None:
        """What Go's decompression middleware does before the handler runs: refuse an encoding
        that is not configured, check a zlib-family header, decode snappy (not streamable)."""
        encoding = self.request.headers.get("Content-Encoding", "")
        if algorithms is None:
            return  # an explicitly empty list turns decoding off: the body is passed on as it is
        server = self._server
        try:
            if encoding not in algorithms:
                raise RequestError(f"unsupported Content-Encoding: {encoding}", 400, deferrable=True)
            if encoding in ("gzip", "zlib", "deflate"):
                self._head = await server.read(self.request, 10, 0)
                compression.check_header(encoding, self._head)
            elif encoding == "snappy":
                self._decoded = await server.decompress(encoding, await server.read(self.request, -1, 0))
            self._encoding = encoding
        except (compression.BodyTooLargeError, compression.DecompressError, ClientError, ConnectionError) as exc:
            error = _body_error(exc)
            raise RequestError(error.message, error.status, error.grpc_code, deferrable=True) from None
        except TimeoutError:
            raise RequestError("unexpected EOF", 400, deferrable=True) from None

    def defer(self, error: RequestError) -> None:
        """The error handler left a Content-Encoding error to the route: ``body()`` raises it."""
        self._error = RequestError(error.message, error.status, error.grpc_code)


def _body_error(exc: BaseException) -> RequestError:
    if isinstance(exc, compression.BodyTooLargeError):
        return RequestError(str(exc), 413, _RESOURCE_EXHAUSTED)
    if isinstance(exc, compression.DecompressError):
        return RequestError(str(exc), 400)
    return RequestError("unexpected EOF", 400)


RouteHandler = Callable[[ServerRequest], Awaitable[web.StreamResponse]]


def _peer_address(request: web.BaseRequest) -> str | None:
    """The client's ``host:port`` as Go's ``net.Addr`` prints it (IPv6 in brackets)."""
    transport = request.transport
    peer = transport.get_extra_info("peername") if transport is not None else None
    if not isinstance(peer, tuple) or len(peer) < 2:
        return None
    host, port = str(peer[0]), peer[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Answered(Exception):
    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__()
        self.response = response


def server_summary(cfg: ServerConfig) -> dict[str, Any]:
    """What a start log line may show of the server config (no secrets: TLS file paths only)."""
    out: dict[str, Any] = {"endpoint": cfg.endpoint}
    if cfg.transport != "tcp":
        out["transport"] = cfg.transport
    tls = cfg.tls.get()
    if tls is not None:
        out["tls"] = {"cert_file": tls.cert_file, "key_file": tls.key_file, "client_ca_file": tls.client_ca_file}
    return out


def find_server_authenticator(host: Host, auth: AuthConfig | None) -> ServerAuthenticator | None:
    """The started server authenticator named by ``auth.authenticator`` (Go's lookup errors)."""
    if auth is None:
        return None
    try:
        auth_id = ID.parse(auth.authenticator)
    except IDError:
        raise ValueError(f'failed to resolve authenticator "{auth.authenticator}": authenticator not found') from None
    try:
        found: ServerAuthenticator = find_authenticator(host, auth_id, ServerAuthenticator)
    except LookupError as exc:
        raise ValueError(str(exc)) from None
    return found


def check_middlewares(middlewares: list[MiddlewareConfig]) -> None:
    """No middleware extensions exist in pyotelcol: a configured one fails at start, as Go's
    lookup of a missing extension does, instead of the server running without it."""
    if middlewares:
        raise ValueError("middlewares are not supported by pyotelcol's servers yet")


class HttpServer:
    """A running HTTP server built from a ``ServerConfig``; ``endpoint`` is the address it
    listens on as Go prints it (the resolved host and the bound port), ``port`` the bound port."""

    def __init__(
        self,
        cfg: ServerConfig,
        handler: RouteHandler,
        logger: Logger,
        auth: ServerAuthenticator | None,
        error_handler: ErrorHandler | None,
    ) -> None:
        self._cfg = cfg
        self._handler = handler
        self._logger = logger
        self._auth = auth
        self._error_handler = error_handler
        auth_cfg = cfg.auth.get()
        self._request_params = list(auth_cfg.request_params) if auth_cfg is not None else []
        self.limit = cfg.effective_max_request_body_size()
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
        # requests in _handle, and set once stop() began (see stop)
        self._in_flight = 0
        self._drained: asyncio.Event | None = None
        self._cut_off = False
        self._runner: web.AppRunner | None = None
        self._unix: AddressClaim | None = None
        self._tls: HttpTLS | None = None
        self.port: int | None = None
        self.endpoint = cfg.endpoint

    # -- body --------------------------------------------------------------------------------

    async def read(self, request: web.BaseRequest, size: int, have: int) -> bytes:
        """Read up to ``size`` more bytes (``-1``: to the end) within ``read_timeout``;
        BodyTooLargeError once the body passes the cap."""
        if self._read_timeout is None:
            return await self._read(request, size, have)
        async with asyncio.timeout(self._read_timeout):
            return await self._read(request, size, have)

    async def _read(self, request: web.BaseRequest, size: int, have: int) -> bytes:
        parts: list[bytes] = []
        total = have
        got = 0
        while size < 0 or got < size:
            chunk = await (request.content.readany() if size < 0 else request.content.read(size - got))
            if not chunk:
                break
            got += len(chunk)
            total += len(chunk)
            if total > self.limit:
                raise compression.BodyTooLargeError()
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def decompress(self, encoding: str, body: bytes) -> bytes:
        if not encoding:
            return body
        if len(body) > _OFFLOAD_BYTES:
            return await asyncio.to_thread(compression.decompress, encoding, body, self.limit)
        return compression.decompress(encoding, body, self.limit)

    # -- the request pipeline: CORS, auth, decompression, handler ----------------------------

    def _error(self, request: web.BaseRequest, error: RequestError) -> web.Response | None:
        if self._error_handler is not None:
            response = self._error_handler(request, error)
            if response is not None or error.deferrable:
                return response
        return default_error_handler(request, error)

    async def _authenticate(self, auth: ServerAuthenticator, request: web.Request) -> Any:
        """Go's auth interceptor: headers (plus ``request_params`` query parameters) to the
        authenticator; any failure is a 401 with the error text."""
        headers = metadata_from_pairs(request.headers.items())
        for param in self._request_params:
            values = request.query.getall(param, None)
            if values:
                headers[param] = list(values)
        try:
            return await auth.authenticate(headers)
        except Exception as exc:
            if not isinstance(exc, AuthError):
                self._logger.error("authenticator failed unexpectedly", exc_info=exc)
            response = self._error(request, RequestError(str(exc), 401))
            raise _Answered(response if response is not None else web.Response(status=401)) from None

    async def _serve(self, request: web.Request, cors_headers: CIMultiDict[str]) -> web.StreamResponse:
        cors = self._cors
        if cors is not None:
            if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
                cors.preflight(request, cors_headers)
                return web.Response(status=204, body=b"")
            cors.actual(request, cors_headers)
        auth_data = await self._authenticate(self._auth, request) if self._auth is not None else None
        metadata = client.Metadata(metadata_from_pairs(request.headers.items())) if self._cfg.include_metadata else None
        info = client.Info(
            addr=_peer_address(request),
            auth=auth_data or None,
            metadata=metadata if metadata is not None else client.Metadata(),
        )
        served = ServerRequest(self, request, info)
        try:
            await served._decode_prefix(self._algorithms)
        except RequestError as error:
            response = self._error(request, error)
            if response is not None:
                return response
            served.defer(error)
        try:
            if info.auth is None and metadata is None:
                return await self._handler(served)
            with client.with_info(info):
                return await self._handler(served)
        except RequestError as error:
            error.deferrable = False
            return self._error(request, error) or default_error_handler(request, error)

    def _finish(self, response: web.StreamResponse, cors_headers: CIMultiDict[str]) -> web.StreamResponse:
        """``response_headers`` first, CORS over them, the handler's own headers last."""
        if response.prepared:
            return response
        if self._response_headers or cors_headers:
            own = list(response.headers.items())
            headers = response.headers
            headers.clear()
            for name, value in self._response_headers:
                headers[name] = value
            for name, value in cors_headers.items():
                if name.lower() == "vary" and "Vary" in headers:
                    headers.add(name, value)
                else:
                    headers[name] = value
            for name in {n.lower() for n, _ in own} - {"vary"}:
                headers.popall(name, None)
            for name, value in own:
                headers.add(name, value)
        if self._force_close:
            response.force_close()
        return response

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self._cut_off:
            # its connection was closed by stop() before this handler ran: the client gets no
            # answer and sends again, so this request must not be taken
            raise web.HTTPServiceUnavailable(text="the server is stopping")
        cors_headers: CIMultiDict[str] = CIMultiDict()
        self._in_flight += 1
        try:
            try:
                response = await self._serve(request, cors_headers)
            except _Answered as answered:
                response = answered.response
            response = self._finish(response, cors_headers)
            if self._drained is not None and not response.prepared:
                response.force_close()  # stopping: the client's next request opens a new connection
            return response
        finally:
            self._in_flight -= 1
            if self._in_flight == 0 and self._drained is not None:
                self._drained.set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def _listen(self) -> None:
        cfg = self._cfg
        check_transport(cfg.transport)
        tls = cfg.tls.get()
        tls_state = HttpTLS(tls, self._logger) if tls is not None else None
        ssl_context = tls_state.context if tls_state is not None else None
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        idle = cfg.idle_timeout if cfg.idle_timeout > timedelta(0) else cfg.read_timeout  # Go's fallback
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            auto_decompress=False,  # the raw body is read and decoded here, with a bound
            keepalive_timeout=idle.total_seconds() if idle > timedelta(0) else _NO_TIMEOUT_S,
            max_line_size=_MAX_HEADER_LINE,
            max_field_size=_MAX_HEADER_LINE,
        )
        await runner.setup()
        site: web.BaseSite
        host: str | None = None
        sock = None
        try:
            if cfg.transport == "unix":
                self._unix = claim_unix_path(cfg.endpoint)
                site = web.UnixSite(runner, cfg.endpoint, ssl_context=ssl_context)
                shown = cfg.endpoint
            else:
                host, port = await resolve_endpoint(cfg.endpoint, cfg.transport)
                if host == "::" and cfg.transport == "tcp":
                    host = None  # Go's "[::]:port" is dual-stack; asyncio would make it IPv6-only
                # bound here, not by aiohttp: a reload's successor takes this very socket over
                sock = bind_socket(cfg.transport, host, port)
                site = web.SockSite(runner, sock, ssl_context=ssl_context)
                shown = format_addr(host if host is not None else "::", port)
            try:
                await site.start()
            except OSError as exc:
                raise bind_error(cfg.transport, shown, exc) from None
        except BaseException:
            await runner.cleanup()
            if sock is not None:
                sock.close()  # a site that did not start has not taken it
            self._release_unix()
            raise
        self._runner = runner
        if tls_state is not None:
            self._tls = tls_state
            tls_state.start()
        if cfg.transport != "unix":
            sockets = getattr(getattr(site, "_server", None), "sockets", None) or []
            if sockets:
                self.port = int(sockets[0].getsockname()[1])
                shown = format_addr(host if host is not None else "::", self.port)
        self.endpoint = shown

    async def stop(self) -> None:
        """Stop listening, let the requests under way finish, close the connections; safe to call
        more than once.

        aiohttp's own graceful shutdown marks every connection closing first, and from then on
        drops whatever a connection receives: a request whose headers came in but whose body was
        still on its way waits for that body until the client gives up (seen as clients timing
        out at every few reloads under load). So the listener closes first, the requests under
        way read their bodies and are answered (with ``Connection: close``), and only then are
        the idle keep-alive connections closed. A request racing that close finds its
        connection closed before any answer, which HTTP clients retry at once on a new
        connection: the successor's, during a reload.
        """
        tls_state, self._tls = self._tls, None
        if tls_state is not None:
            await tls_state.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            drained = self._drained = asyncio.Event()
            for site in list(runner.sites):
                await site.stop()
            deadline = asyncio.get_running_loop().time() + _DRAIN_TIMEOUT_S
            while self._in_flight:  # each answer now closes its connection: this ends quickly
                drained.clear()
                try:
                    async with asyncio.timeout_at(deadline):
                        await drained.wait()
                except TimeoutError:
                    break  # left to aiohttp's shutdown, which cancels them
            server = runner.server
            if self._in_flight == 0 and server is not None:
                self._cut_off = True
                for connection in list(server.connections):
                    connection.force_close()
            await runner.cleanup()
        self._release_unix()

    def _release_unix(self) -> None:
        unix, self._unix = self._unix, None
        if unix is not None:
            unix.release()


async def start_http_server(
    cfg: ServerConfig,
    host: Host,
    handler: RouteHandler,
    *,
    logger: Logger,
    error_handler: ErrorHandler | None = None,
) -> HttpServer:
    """Listen per ``cfg`` and serve every request with ``handler`` (Go: ToListener + ToServer).

    Before ``handler`` runs the server answers CORS preflights, authenticates with the extension
    named in ``auth.authenticator`` (401 with its message), and checks ``Content-Encoding``.
    ``handler`` reads the body with ``ServerRequest.body()``; a RequestError it raises (or lets
    through from ``body()``) is answered by ``error_handler`` (Go's ``WithErrorHandler``; it may
    return None for a Content-Encoding error to leave it to the route), else as Go's
    ``http.Error``. Every response gets ``response_headers`` and the CORS headers; client
    ``Info`` (``include_metadata``, the authenticator's data) is set while the handler runs.
    The bind fails with Go's ``listen tcp <addr>: bind: ...`` texts (ListenError);
    SO_REUSEPORT is on only in ``--workers`` mode.
    """
    check_middlewares(cfg.middlewares)
    auth = find_server_authenticator(host, cfg.auth.get())
    server = HttpServer(cfg, handler, logger, auth, error_handler)
    await server._listen()
    return server


def address_bind_error(endpoint: str, exc: OSError) -> OSError:
    """Go's net/http listen failure of an extension's server: ``failed to bind to address ...``."""
    return OSError(exc.errno, f"failed to bind to address {endpoint}: {exc.strerror or exc}")
