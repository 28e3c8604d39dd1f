"""What both OTLP transports share: the signal routes and forwarding with self-metrics."""

from __future__ import annotations

from dataclasses import dataclass

from pyotelcol.component import Signal
from pyotelcol.consumer import Consumer, ConsumerError
from pyotelcol.helpers.listen import Logger
from pyotelcol.helpers.receiverhelper import ErrorStatus, status_from_error
from pyotelcol.pdata import AnyData, Logs, Metrics, Traces
from pyotelcol.telemetry.obsreport import ReceiverObs


@dataclass(slots=True)
class SignalRoute:
    """One signal a pipeline takes from this receiver."""

    signal: Signal
    data_type: type[Traces] | type[Metrics] | type[Logs]
    consumer: Consumer


async def push(route: SignalRoute, data: AnyData, obs: ReceiverObs, logger: Logger) -> ErrorStatus | None:
    """Forward decoded data; ``None`` on success (or nothing to forward), else the status to answer.
    The client ``Info`` (metadata, auth) is the one the server builder set for the request."""
    items = data.item_count()
    if items == 0:
        return None  # Go answers OK without forwarding or counting
    op = obs.start_op(route.signal)
    try:
        await route.consumer.consume(data)
    except Exception as err:
        obs.record(route.signal, items, refused=True, op=op, error=err)
        if isinstance(err, ConsumerError):
            logger.debug("%s refused by the pipeline: %s", route.signal.value, err)
        else:
            logger.error("%s consumer failed unexpectedly", route.signal.value, exc_info=err)
        return status_from_error(err)
    obs.record(route.signal, items, refused=False, op=op)
    return None


__all__ = ["Logger", "SignalRoute", "push"]
