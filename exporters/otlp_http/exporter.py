"""The OTLP/HTTP push function: one aiohttp session, a POST per request.

Protobuf bodies are ``data.to_wire()`` (the received bytes when nothing changed the data); JSON
bodies come from ``pyotelcol.pdata.otlpjson.to_json``. Large bodies are encoded and compressed in
a worker thread. Responses map as Go's otlphttpexporter does (the rules both OTLP exporters
share are in ``pyotelcol.helpers.exporterhelper.otlp``): 2xx is success (a partial success is logged as a warning; an unparsable 2xx body is a permanent error),
429/502/503/504 are retryable (``Retry-After`` in seconds or as an HTTP date becomes
``retry_after`` on 429/503), every other status is permanent, network errors are retryable.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import json
import logging
import ssl
import threading
import zlib
from collections.abc import Callable

import aiohttp
import cramjam
import lz4.frame
import zstandard
from google.protobuf.message import DecodeError, Message
from google.rpc import status_pb2

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.config.confighttp import is_compressed
from pyotelcol.config.confighttpclient import HttpClient, set_headers, start_http_client
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper.otlp import (
    RESPONSES,
    RETRYABLE_HTTP_STATUSES,
    THROTTLE_HTTP_STATUSES,
    export_error,
    user_agent,
)
from pyotelcol.helpers.grpcstatus import grpc_code_for_http
from pyotelcol.pdata import AnyData
from pyotelcol.pdata.otlpjson import from_json, to_json

from .config import ENCODING_JSON, Config

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

PROTOBUF_CONTENT_TYPE = "application/x-protobuf"
JSON_CONTENT_TYPE = "application/json"
MAX_RESPONSE_READ = 64 * 1024
# Above these sizes encoding / compression leave the event loop for a worker thread.
_THREAD_COMPRESS_BYTES = 64 * 1024
_THREAD_JSON_ITEMS = 256


# -- compression ----------------------------------------------------------------------------------


def compressor(encoding: str, level: int) -> Callable[[bytes], bytes]:
    """The body encoder for a ``compression`` value (Go's levels: 0 means the default,
    -2 Huffman-only)."""
    if encoding in ("gzip", "zlib", "deflate"):
        wbits = 31 if encoding == "gzip" else 15  # "deflate" is zlib-wrapped, as in Go
        zlevel = -1 if level in (0, -2) else level
        strategy = zlib.Z_HUFFMAN_ONLY if level == -2 else zlib.Z_DEFAULT_STRATEGY

        def deflate(body: bytes) -> bytes:
            obj = zlib.compressobj(zlevel, zlib.DEFLATED, wbits, 8, strategy)
            return obj.compress(body) + obj.flush()

        return deflate
    if encoding == "zstd":
        zlevel_ = level if level != 0 else 3
        local = threading.local()  # a ZstdCompressor must not be shared between threads

        def zstd(body: bytes) -> bytes:
            ctx = getattr(local, "ctx", None)
            if ctx is None:
                ctx = local.ctx = zstandard.ZstdCompressor(level=zlevel_)
            return bytes(ctx.compress(body))

        return zstd
    if encoding == "snappy":
        return lambda body: bytes(cramjam.snappy.compress_raw(body))
    if encoding == "x-snappy-framed":
        return lambda body: bytes(cramjam.snappy.compress(body))
    if encoding == "lz4":
        return lambda body: bytes(lz4.frame.compress(body))
    raise ValueError(f'unsupported compression type "{encoding}"')


# -- responses ------------------------------------------------------------------------------------


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After``: delay-seconds, else an HTTP date (RFC 1123); None if absent or unparsable."""
    if value is None:
        return None
    text = value.strip()
    if text.lstrip("+-").isdigit():
        return float(max(0, int(text)))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def _status_from_body(body: bytes, content_type: str) -> tuple[str, str] | None:
    """(message, details) of a ``google.rpc.Status`` error body, protobuf (Go) or JSON."""
    if not body:
        return None
    status = status_pb2.Status()
    try:
        status.ParseFromString(body)
        details = " ".join(d.type_url for d in status.details)
        return status.message, f"[{details}]"
    except DecodeError:
        pass
    if content_type.startswith(JSON_CONTENT_TYPE):
        try:
            obj = json.loads(body)
        except ValueError:
            return None
        if isinstance(obj, dict):
            items = obj.get("details")
            types = " ".join(
                str(d.get("@type", "")) for d in (items if isinstance(items, list) else []) if isinstance(d, dict)
            )
            return str(obj.get("message", "")), f"[{types}]"
    return None


def error_for_response(url: str, status: int, body: bytes, content_type: str, retry_after: str | None) -> ConsumerError:
    """Go's error for a non-2xx answer: permanent unless 429/502/503/504."""
    parsed = _status_from_body(body, content_type)
    if parsed is not None:
        text = (
            f"error exporting items, request to {url} responded with HTTP Status Code {status}, "
            f"Message={parsed[0]}, Details={parsed[1]}"
        )
    else:
        text = f"error exporting items, request to {url} responded with HTTP Status Code {status}"
    code = int(grpc_code_for_http(status))
    delay = retry_after_seconds(retry_after) if status in THROTTLE_HTTP_STATUSES else None
    return export_error(code, text, retryable=status in RETRYABLE_HTTP_STATUSES, retry_after=delay)


# -- the exporter ---------------------------------------------------------------------------------


class HttpExporter:
    """Per signal: ``start`` opens the session, ``push`` posts one request, ``shutdown`` closes."""

    def __init__(self, settings: Settings, signal: Signal, cfg: Config) -> None:
        self._settings = settings
        self._cfg = cfg
        self._logger: Logger = settings.telemetry.logger
        if signal not in RESPONSES:
            raise ValueError(f"otlp_http exporter: unsupported signal {signal}")
        self._signal = signal
        self.url = cfg.signal_url(signal)
        self._https = self.url.lower().startswith("https://")
        self._response = RESPONSES[signal]
        self._json = cfg.encoding == ENCODING_JSON
        self._compress = (
            compressor(cfg.compression, cfg.compression_params.level) if is_compressed(cfg.compression) else None
        )
        headers = {
            "Content-Type": JSON_CONTENT_TYPE if self._json else PROTOBUF_CONTENT_TYPE,
            "User-Agent": user_agent(settings),
        }
        if self._compress is not None:
            headers["Content-Encoding"] = cfg.compression
        self._headers = set_headers(headers, cfg.header_pairs())  # configured headers override
        self._timeout = aiohttp.ClientTimeout(total=cfg.timeout.total_seconds() or None)
        self._client: HttpClient | None = None
        self._closed = False

    # -- lifecycle --------------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        self._client = await start_http_client(self._cfg, host, self.url, logger=self._logger)

    async def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    # -- export ------------------------------------------------------------------------------------
    async def _body(self, data: AnyData) -> bytes:
        if self._json:
            if data.item_count() > _THREAD_JSON_ITEMS:
                body = await asyncio.to_thread(to_json, data.message)
            else:
                body = to_json(data.message)
        else:
            body = data.to_wire()
        if self._compress is not None:
            if len(body) > _THREAD_COMPRESS_BYTES:
                body = await asyncio.to_thread(self._compress, body)
            else:
                body = self._compress(body)
        return body

    async def push(self, data: AnyData) -> None:
        client = self._client
        if client is None:
            raise ConsumerError("otlp exporter not started")
        body = await self._body(data)
        headers = await client.headers(self._headers)
        kwargs = client.request_kwargs(self._timeout)
        url = self.url
        self._logger.debug("Preparing to make HTTP request", extra={"fields": {"url": url}})
        try:
            async with client.session.post(url, data=body, headers=headers, **kwargs) as resp:
                payload = await _read_limited(resp)
                status = resp.status
                content_type = resp.headers.get("Content-Type", "")
                retry_after = resp.headers.get("Retry-After")
        except TimeoutError:
            raise ConsumerError(
                f'failed to make an HTTP request: Post "{url}": context deadline exceeded '
                "(Client.Timeout exceeded while awaiting headers)"
            ) from None
        except (aiohttp.ClientError, OSError, ssl.SSLError) as exc:
            raise ConsumerError(f'failed to make an HTTP request: Post "{url}": {_describe(exc)}') from None
        if 200 <= status <= 299:
            self._partial_success(payload, content_type)
            return
        raise error_for_response(url, status, payload, content_type, retry_after)

    def _partial_success(self, body: bytes, content_type: str) -> None:
        if not body:
            return
        msg: Message
        if content_type == PROTOBUF_CONTENT_TYPE:
            msg = self._response.message_type()
            try:
                msg.ParseFromString(body)
            except DecodeError as exc:
                raise PermanentError(f"error parsing protobuf response: {exc}") from None
        elif content_type == JSON_CONTENT_TYPE:
            try:
                msg = from_json(body, self._response.message_type)
            except ValueError as exc:
                raise PermanentError(f"error parsing json response: {exc}") from None
        else:
            return
        self._response.log_partial_success(msg, self._logger)


async def _read_limited(resp: aiohttp.ClientResponse) -> bytes:
    """At most MAX_RESPONSE_READ bytes of the response body (Go reads no more either)."""
    chunks: list[bytes] = []
    total = 0
    while total < MAX_RESPONSE_READ:
        chunk = await resp.content.read(MAX_RESPONSE_READ - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError) and not isinstance(exc, aiohttp.ClientSSLError):
        os_error = getattr(exc, "os_error", None)
        reason = (getattr(os_error, "strerror", None) or str(os_error)) if os_error is not None else str(exc)
        return f"dial tcp {exc.host}:{exc.port}: connect: {reason[:1].lower()}{reason[1:]}"
    text = str(exc)
    return text or type(exc).__name__
