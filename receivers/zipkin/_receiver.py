"""The Zipkin HTTP receiver: every request on confighttp's server is a batch of Zipkin spans.

Go's handler takes any method on any path: a path containing ``api/v1/spans`` is Zipkin v1
(JSON; Thrift when ``Content-Type`` is exactly ``application/x-thrift``), anything else v2
(protobuf when ``Content-Type`` is exactly ``application/x-protobuf``, else JSON). The server
builder has already answered CORS, auth and ``Content-Encoding`` (gzip, deflate, zlib, ...).
A body that does not translate gets 400 with the error text and a newline (Go's ``http.Error``);
translated spans go to the pipeline even when there are none; then 202, or 400 ``"Bad Request"``
for a permanent pipeline error and 503 ``"Service Unavailable"`` (with ``Retry-After`` when the
pipeline gave a hint) for any other: Go answers 500 there, but a refusal is not our bug and a
client should retry it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from aiohttp import web

from pyotelcol.component import Host, Settings
from pyotelcol.config.confighttp import HttpServer, RequestError, ServerRequest, start_http_server
from pyotelcol.consumer import Consumer, ConsumerError, is_permanent
from pyotelcol.helpers import compression
from pyotelcol.pdata import Traces
from pyotelcol.translator.zipkin import (
    ZipkinError,
    v1_json_to_traces,
    v1_thrift_to_traces,
    v2_json_to_traces,
    v2_proto_to_traces,
)

from ._obs import TRANSPORT_V1_JSON, TRANSPORT_V1_THRIFT, TRANSPORT_V2_JSON, TRANSPORT_V2_PROTO, ZipkinObs
from .config import Config

V1_PATH_MARK = "api/v1/spans"
THRIFT = "application/x-thrift"
PROTOBUF = "application/x-protobuf"

# Go writes these bodies after WriteHeader; net/http sniffs them as plain text.
_BAD_REQUEST_BODY = b'"Bad Request"'
_UNAVAILABLE_BODY = b'"Service Unavailable"'
_TEXT = "text/plain; charset=utf-8"
_OWN_DECODING = {"gzip": "gzip", "deflate": "zlib", "zlib": "zlib"}

Translate = Callable[[bytes, bool], Traces]


def route(path: str, content_type: str) -> tuple[str, Translate]:
    """The self-metrics transport and the translator Go picks for a request.

    Go compares the first ``Content-Type`` value exactly: no parameters, no case folding."""
    if V1_PATH_MARK in path:
        if content_type == THRIFT:
            return TRANSPORT_V1_THRIFT, v1_thrift_to_traces
        return TRANSPORT_V1_JSON, v1_json_to_traces
    if content_type == PROTOBUF:
        return TRANSPORT_V2_PROTO, v2_proto_to_traces
    return TRANSPORT_V2_JSON, v2_json_to_traces


class ZipkinReceiver:
    """Serves Zipkin spans on ``endpoint`` (Go: zipkinreceiver) and passes them to one consumer."""

    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self._cfg = cfg
        self._consumer = next_consumer
        self._logger = settings.telemetry.logger
        self._obs = ZipkinObs(settings)
        self._server: HttpServer | None = None

    async def start(self, host: Host) -> None:
        self._server = await start_http_server(self._cfg, host, self._handle, logger=self._logger)

    async def shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    async def _handle(self, served: ServerRequest) -> web.Response:
        request = served.request
        transport, translate = route(request.path, request.headers.get("Content-Type", ""))
        body = await served.body()  # RequestError (413, undecodable Content-Encoding) → builder's http.Error
        if self._cfg.compression_algorithms == []:
            body = self._decode_like_go(request.headers.get("Content-Encoding", ""), body)
        try:
            traces = translate(body, self._cfg.parse_string_tags)
        except ZipkinError as exc:
            raise RequestError(str(exc), 400) from None
        spans = traces.item_count()
        try:
            await self._consumer.consume(traces)
        except Exception as err:
            self._obs.record(transport, spans, refused=True)
            if isinstance(err, ConsumerError):
                self._logger.debug("spans refused by the pipeline: %s", err)
            else:
                self._logger.error("traces consumer failed unexpectedly", exc_info=err)
            if is_permanent(err):
                return _text(400, _BAD_REQUEST_BODY)
            response = _text(503, _UNAVAILABLE_BODY)
            retry_after = err.retry_after if isinstance(err, ConsumerError) else None
            if retry_after is not None:
                response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
            return response
        self._obs.record(transport, spans, refused=False)
        return web.Response(status=202)

    def _decode_like_go(self, encoding: str, body: bytes) -> bytes:
        """With ``compression_algorithms: []`` the server leaves the body alone; Go's receiver then
        decodes gzip, deflate and zlib itself, and keeps the raw body when it does not decode."""
        algorithm = _OWN_DECODING.get(encoding)
        if algorithm is None:
            return body
        try:
            return compression.decompress(algorithm, body, self._cfg.effective_max_request_body_size())
        except compression.DecompressError:
            return body
        except compression.BodyTooLargeError as exc:
            raise RequestError(str(exc), 413) from None


def _text(status: int, body: bytes) -> web.Response:
    return web.Response(status=status, body=body, headers={"Content-Type": _TEXT})
