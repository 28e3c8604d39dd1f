"""What every Jaeger transport shares: self-metrics per transport and forwarding a batch."""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer, ConsumerError
from pyotelcol.helpers.listen import Logger
from pyotelcol.pdata import Traces
from pyotelcol.telemetry.obsreport import ReceiverObs

# Go's transport names (the ``transport`` label of the receiver self-metrics).
GRPC_TRANSPORT = "grpc"
HTTP_TRANSPORT = "collector_http"
COMPACT_TRANSPORT = "udp_thrift_compact"
BINARY_TRANSPORT = "udp_thrift_binary"

THRIFT_FORMAT = "thrift"
PROTOBUF_FORMAT = "protobuf"


class JaegerObs(ReceiverObs):
    """ReceiverObs with Go's ``format`` label for the transport: ``thrift`` or ``protobuf``."""

    def __init__(self, settings: Settings, transport: str, data_format: str) -> None:
        super().__init__(settings, transport, data_format)
        self.transport = transport

    def traces(self, spans: int, refused: bool) -> None:
        self.record(Signal.TRACES, spans, refused)


async def forward(consumer: Consumer, request: Any, spans: int, obs: JaegerObs, logger: Logger) -> BaseException | None:
    """Hand one translated batch to the pipeline and count ``spans`` (Go counts the batch's
    spans, blank ones included); the consumer's error, or None. As in Go an empty batch is
    forwarded too."""
    try:
        await consumer.consume(Traces(request))
    except Exception as err:
        obs.traces(spans, refused=True)
        if isinstance(err, ConsumerError):
            logger.debug("traces refused by the pipeline: %s", err)
        else:
            logger.error("traces consumer failed unexpectedly", exc_info=err)
        return err
    obs.traces(spans, refused=False)
    return None


__all__ = [
    "BINARY_TRANSPORT",
    "COMPACT_TRANSPORT",
    "GRPC_TRANSPORT",
    "HTTP_TRANSPORT",
    "PROTOBUF_FORMAT",
    "THRIFT_FORMAT",
    "JaegerObs",
    "Logger",
    "forward",
]
