"""Go's obsreport sender: ``otelcol_exporter_sent_*`` / ``_send_failed_*`` once per request.

It sits above retry, so a request counts once, after its last attempt: as sent when that
succeeded, as failed (with a 0 added to sent, as Go does) otherwise. The item count is the
one read when the request entered the chain.

A request the circuit breaker refused before any attempt was not sent: with a queue it goes
back to the queue and is not counted (``count_refused=False``); without one the caller gets
the refusal and it counts as a failed send.
"""

from __future__ import annotations

from ...consumer import ConsumerError
from ...telemetry.obsreport import ExporterObs
from .errors import CircuitOpenError
from .sender import ForwardingSender, Request, Sender


class ObsReportSender(ForwardingSender):
    def __init__(self, obs: ExporterObs, next_sender: Sender, count_refused: bool) -> None:
        self._obs = obs
        self._next = next_sender
        self._count_refused = count_refused

    async def send(self, request: Request) -> None:
        op = self._obs.start_op()
        try:
            await self._next.send(request)
        except CircuitOpenError as exc:
            if self._count_refused:
                self._obs.record_sent(request.items, exc, op)
            elif op is not None:
                self._obs.end_op(op, request.items, exc)
            raise
        except ConsumerError as exc:
            self._obs.record_sent(request.items, exc, op)
            raise
        except BaseException as exc:
            if op is not None:
                self._obs.end_op(op, request.items, exc)
            raise
        self._obs.record_sent(request.items, None, op)
