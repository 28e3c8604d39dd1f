"""ExporterHelper: the sender chain every exporter runs its ``push`` through (Go's base exporter).

``consume -> [queue (+batch)] -> obsreport -> [circuit breaker permit] -> [retry]
-> [circuit breaker attempt] -> timeout -> push``

Go's order, plus the circuit breaker; each link lives in its own module. See README.md next to
this file for the behaviour and the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from ...component import Host, Settings, Signal
from ...config import OptionalSection
from ...consumer import Capabilities, ConsumerError
from ...pdata import AnyData
from ...telemetry.obsreport import ExporterObs
from .circuit_breaker import AttemptSender, CircuitBreaker, PermitSender
from .config import CircuitBreakerConfig, QueueConfig, RetryConfig
from .errors import CircuitOpenError
from .gauges import GaugeHandle, register_gauge, unregister_all
from .obsreport import ObsReportSender
from .queue_sender import QueueSender
from .retry import RetrySender
from .sender import PushFunc, PushSender, Request, Sender
from .timeout import TimeoutSender

__all__ = ["DEFAULT_DRAIN_TIMEOUT", "ExporterHelper", "PushFunc"]

#: How long shutdown drains the in-memory queue when no ``timeout`` is configured.
DEFAULT_DRAIN_TIMEOUT = 5.0

_RETRY_HINT = " Try enabling retry_on_failure config option to retry on retryable errors."


class ExporterHelper:
    """A Component and a Consumer wrapping an exporter's ``push`` with timeout, retry, queue and
    circuit breaker, for one signal."""

    def __init__(
        self,
        settings: Settings,
        signal: Signal,
        push: PushFunc,
        *,
        timeout: timedelta | None = None,
        retry: RetryConfig | None = None,
        queue: OptionalSection[QueueConfig] | None = None,
        circuit_breaker: CircuitBreakerConfig | None = None,
        start: Callable[[Host], Awaitable[None]] | None = None,
        shutdown: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._settings = settings
        self._signal = signal
        self._logger: logging.Logger | logging.LoggerAdapter[Any] = settings.telemetry.logger
        self._timeout = timeout.total_seconds() if timeout is not None and timeout > timedelta(0) else 0.0
        self._failure_hint = _RETRY_HINT if retry is not None and not retry.enabled else ""
        self._start_fn = start
        self._shutdown_fn = shutdown
        cb = circuit_breaker
        self._breaker = CircuitBreaker(cb, self._logger) if cb is not None and cb.enabled else None
        qcfg = queue.get() if queue is not None else None
        self._caps = Capabilities(mutates_data=qcfg is not None and qcfg.batch.get() is not None)
        obs = ExporterObs(settings, signal)

        # Built from the push upwards, as Go's NewBaseExporter does.
        chain: Sender = TimeoutSender(self._timeout, PushSender(push))
        attempt = AttemptSender(self._breaker, chain) if self._breaker is not None else None
        if attempt is not None:
            chain = attempt
        self.retry_sender: RetrySender | None = None
        if retry is not None and retry.enabled:
            self.retry_sender = chain = RetrySender(retry, self._logger, chain, gate=attempt)
        if self._breaker is not None:
            chain = PermitSender(self._breaker, chain)
        chain = ObsReportSender(obs, chain, count_refused=qcfg is None)
        self.queue_sender: QueueSender | None = None
        if qcfg is not None:
            self.queue_sender = QueueSender(
                settings,
                signal,
                qcfg,
                chain,
                obs=obs,
                breaker=self._breaker,
                drain_timeout=self.drain_timeout(),
                failure_hint=self._failure_hint,
            )
            chain = self.queue_sender
        self._first: Sender = chain

        self._gauges: list[GaugeHandle] = []
        self._started = False
        self._stopped = False

    # -- Consumer ----------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    async def consume(self, data: AnyData) -> None:
        request = Request(data)
        try:
            await self._first.send(request)
        except CircuitOpenError as exc:  # refused before any attempt: routine while open
            self._logger.debug(
                "Exporting failed. Rejecting data.",
                extra={"fields": {"error": str(exc), "rejected_items": request.items}},
            )
            raise
        except ConsumerError as exc:
            self._logger.error(
                "Exporting failed. Rejecting data." + self._failure_hint,
                extra={"fields": {"error": str(exc), "rejected_items": request.items}},
            )
            raise

    # -- Component ---------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        """The exporter's own start first, then the queue (Go's order)."""
        if self._started:
            return
        self._started = True
        if self._start_fn is not None:
            await self._start_fn(host)
        if self.queue_sender is not None:
            await self.queue_sender.start(host)
        if self._breaker is not None:
            self._register_breaker_gauge()

    def _register_breaker_gauge(self) -> None:
        breaker = self._breaker
        assert breaker is not None
        attrs = {"exporter": str(self._settings.id), "data_type": self._signal.value}
        self._gauges.append(
            register_gauge(
                self._settings.telemetry.meter,
                "otelcol_exporter_circuit_breaker_state",
                "State of the exporter's circuit breaker: 0 closed, 1 open, 2 half-open.",
                "1",
                lambda: [(int(breaker.peek()), attrs)],
            )
        )

    def drain_timeout(self) -> float:
        """Seconds shutdown lets the in-memory queue drain: ``timeout``, or 5 s when it is disabled."""
        return self._timeout if self._timeout > 0 else DEFAULT_DRAIN_TIMEOUT

    async def shutdown(self) -> None:
        """Retries stop first (each queued request then gets one more attempt), then the queue
        drains, then the exporter's own shutdown runs (Go's order)."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.retry_sender is not None:
                await self.retry_sender.shutdown()
            if self.queue_sender is not None:
                await self.queue_sender.shutdown()
        finally:
            unregister_all(self._gauges)
            if self._breaker is not None:
                self._breaker.close()
            if self._shutdown_fn is not None:
                await self._shutdown_fn()
