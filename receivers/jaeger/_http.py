"""Jaeger Thrift over HTTP: ``POST /api/traces`` with a Thrift binary ``Batch``, on confighttp's server.

Go's answers, in Go's order: another path 404 (``404 page not found``), another method on the
path 405 with an empty body (gorilla/mux), then the body is read (the builder's 413/400), then
the Content-Type is parsed (400 ``Cannot parse content type: ...``) and must be
``application/x-thrift`` or ``application/vnd.apache.thrift.binary`` (400 ``Unsupported content
type: ...``), then the batch is decoded (400 ``Unable to process request body: ...``) and
forwarded: 202 Accepted with an empty body. A batch the translator refuses is 400 ``Cannot
submit Jaeger batch: ...`` and a refusing pipeline 503 with that text (retryable; 400 when the
refusal is permanent): Go answers 500 for both, which pyotelcol keeps for its own bugs. Errors
are Go's ``http.Error`` (plain text and a newline); the decode errors' text is HTML-escaped as
Go does.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pyotelcol.component import Host
from pyotelcol.config.confighttp import HttpServer, RequestError, ServerRequest, start_http_server
from pyotelcol.consumer import Consumer, is_permanent
from pyotelcol.translator.jaeger import JaegerDecodeError, decode_batch, thrift_to_traces

from ._common import JaegerObs, Logger, forward
from ._mime import MediaTypeError, parse_media_type
from .config import ThriftHTTPConfig

PATH = "/api/traces"
ACCEPTED_CONTENT_TYPES = frozenset({"application/x-thrift", "application/vnd.apache.thrift.binary"})


# Go's html.EscapeString (Python's html.escape writes &quot; and &#x27; instead).
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def _client_error(message: str) -> RequestError:
    return RequestError(message.translate(_HTML_ESCAPES), 400)


class ThriftHTTPHandler:
    """The route handler for one receiver."""

    def __init__(self, consumer: Consumer, obs: JaegerObs, logger: Logger) -> None:
        self._consumer = consumer
        self._obs = obs
        self._logger = logger

    async def __call__(self, req: ServerRequest) -> web.StreamResponse:
        request = req.request
        if request.path != PATH:
            return web.Response(status=404, text="404 page not found\n")
        if request.method != "POST":
            return web.Response(status=405)
        try:
            body = await req.body()
            batch = self._decode(request.headers.get("Content-Type", ""), body)
        except RequestError:
            self._obs.traces(0, refused=True)
            raise
        spans = len(batch.spans or ())
        try:
            traces = thrift_to_traces(batch)
        except JaegerDecodeError as exc:
            self._obs.traces(0, refused=True)
            raise RequestError(f"Cannot submit Jaeger batch: {exc}", 400) from None
        err = await forward(self._consumer, traces, spans, self._obs, self._logger)
        if err is not None:
            raise RequestError(f"Cannot submit Jaeger batch: {err}", 400 if is_permanent(err) else 503)
        return web.Response(status=202)

    @staticmethod
    def _decode(content_type: str, body: bytes) -> Any:
        try:
            media_type = parse_media_type(content_type)
        except MediaTypeError as exc:
            raise _client_error(f"Cannot parse content type: {exc}") from None
        if media_type not in ACCEPTED_CONTENT_TYPES:
            raise _client_error(f"Unsupported content type: {media_type}")
        try:
            return decode_batch(body)
        except JaegerDecodeError as exc:
            raise _client_error(f"Unable to process request body: {exc}") from None


async def start_jaeger_http(
    cfg: ThriftHTTPConfig, host: Host, consumer: Consumer, obs: JaegerObs, logger: Logger
) -> HttpServer:
    server = await start_http_server(cfg, host, ThriftHTTPHandler(consumer, obs, logger), logger=logger)
    logger.info("Starting HTTP server for Jaeger Thrift", extra={"fields": {"endpoint": cfg.endpoint}})
    return server


__all__ = ["ACCEPTED_CONTENT_TYPES", "PATH", "ThriftHTTPHandler", "start_jaeger_http"]
