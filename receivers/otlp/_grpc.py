"""OTLP/gRPC: ``Export`` of the trace, metrics and logs services, on configgrpc's server.

Each ``Export`` is a raw-bytes unary method (``configgrpc.UnaryMethod``): the request bytes are
decoded here, so undecodable input (or nesting deeper than upb parses) gets INVALID_ARGUMENT
with Go's text instead of grpcio's UNKNOWN, and the wire bytes are kept in the pdata for
exporters. Only signals with a consumer get a service; other calls answer UNIMPLEMENTED.
Decompression (gzip) and the size limit (RESOURCE_EXHAUSTED) are grpcio's.
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc
import grpc.aio

from pyotelcol.component import Host, Signal
from pyotelcol.config.configgrpc import Context, GrpcServer, UnaryMethod, start_grpc_server
from pyotelcol.pdata import AnyData
from pyotelcol.telemetry.obsreport import ReceiverObs

from ._common import Logger, SignalRoute, push
from .config import GRPCConfig

SERVICES = {
    Signal.TRACES: "opentelemetry.proto.collector.trace.v1.TraceService",
    Signal.METRICS: "opentelemetry.proto.collector.metrics.v1.MetricsService",
    Signal.LOGS: "opentelemetry.proto.collector.logs.v1.LogsService",
}

# Export<Signal>ServiceResponse with partial_success present but empty, as Go sends it.
EXPORT_RESPONSE = b"\x0a\x00"

_STATUS_BY_CODE = {code.value[0]: code for code in grpc.StatusCode}


def export_method(route: SignalRoute, obs: ReceiverObs, logger: Logger) -> UnaryMethod[AnyData]:
    async def export(data: AnyData, context: Context) -> bytes:
        status = await push(route, data, obs, logger)
        if status is not None:
            await context.abort(
                _STATUS_BY_CODE.get(status.code, grpc.StatusCode.UNKNOWN),
                status.message,
                trailing_metadata=status.grpc_trailing_metadata(),
            )
        return EXPORT_RESPONSE

    return UnaryMethod(SERVICES[route.signal], "Export", route.data_type.from_wire, export)


async def start_otlp_grpc(
    cfg: GRPCConfig, host: Host, routes: Mapping[Signal, SignalRoute], obs: ReceiverObs, logger: Logger
) -> GrpcServer:
    methods = [export_method(route, obs, logger) for signal, route in routes.items() if signal in SERVICES]
    server = await start_grpc_server(cfg, host, methods, logger=logger)
    logger.info("Starting GRPC server", extra={"fields": {"endpoint": server.endpoint}})
    return server


__all__ = ["EXPORT_RESPONSE", "SERVICES", "export_method", "start_otlp_grpc"]
