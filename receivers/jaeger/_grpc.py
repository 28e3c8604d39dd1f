"""Jaeger gRPC: ``jaeger.api_v2.CollectorService/PostSpans`` on configgrpc's server.

The method takes raw bytes and decodes them itself. A request that does not parse gets
INVALID_ARGUMENT with grpc-go's text ``grpc: error unmarshalling request: ...`` (grpc-go answers
INTERNAL), a batch the translator refuses (bad ids, times) INVALID_ARGUMENT with its text (Go:
UNKNOWN): bad input is the client's to fix. A refusing pipeline gets the status the OTLP receiver
answers (UNAVAILABLE for a retryable refusal, so clients retry; Go: UNKNOWN).
"""

from __future__ import annotations

import grpc
import grpc.aio

from pyotelcol.component import Host
from pyotelcol.config.configgrpc import Context, GrpcServer, UnaryMethod, start_grpc_server
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.receiverhelper import ascii_safe, status_from_error
from pyotelcol.translator.jaeger import JaegerDecodeError, decode_post_spans, proto_to_traces

from ._common import JaegerObs, Logger, forward
from .config import GRPCConfig

SERVICE = "jaeger.api_v2.CollectorService"
METHOD = "PostSpans"
# PostSpansResponse has no fields.
POST_SPANS_RESPONSE = b""

_STATUS_BY_CODE = {code.value[0]: code for code in grpc.StatusCode}


def _raw(body: bytes) -> bytes:
    return body


def post_spans_method(consumer: Consumer, obs: JaegerObs, logger: Logger) -> UnaryMethod[bytes]:
    async def post_spans(body: bytes, context: Context) -> bytes:
        try:
            batch = decode_post_spans(body)
        except JaegerDecodeError as exc:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, ascii_safe(f"grpc: error unmarshalling request: {exc}")
            )
            raise AssertionError("unreachable") from exc
        spans = len(batch.spans)
        try:
            request = proto_to_traces(batch)
        except JaegerDecodeError as exc:
            obs.traces(spans, refused=True)
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, ascii_safe(str(exc)))
            raise AssertionError("unreachable") from exc
        err = await forward(consumer, request, spans, obs, logger)
        if err is not None:
            status = status_from_error(err)
            await context.abort(_STATUS_BY_CODE.get(status.code, grpc.StatusCode.UNKNOWN), status.message)
        return POST_SPANS_RESPONSE

    return UnaryMethod(SERVICE, METHOD, _raw, post_spans)


async def start_jaeger_grpc(
    cfg: GRPCConfig, host: Host, consumer: Consumer, obs: JaegerObs, logger: Logger
) -> GrpcServer:
    server = await start_grpc_server(cfg, host, [post_spans_method(consumer, obs, logger)], logger=logger)
    logger.info("Starting gRPC server for Jaeger Protobuf", extra={"fields": {"endpoint": cfg.endpoint}})
    return server


__all__ = ["METHOD", "POST_SPANS_RESPONSE", "SERVICE", "post_spans_method", "start_jaeger_grpc"]
