"""An embedded collector: the same pipelines, inside a running Python program.

::

    import pyotelcol.embed
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    collector = pyotelcol.embed.start("collector.yaml")
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(collector.span_exporter()))

The config is an ordinary collector config (the same file runs standalone); its ``sdk``
receivers are where the program's own telemetry enters, with no network hop. The collector runs
on a background thread with its own event loop, so nothing it does blocks the program; the
program's SDK batches and drops on overload as it always does, and a failing exporter in the
collector never raises into the program. ``stop()`` (also at interpreter exit, and on leaving a
``with`` block) flushes the pipelines within a deadline.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..component import BuildInfo, Signal
from . import bridge

if TYPE_CHECKING:
    from ..factories import Factories
    from .exporters import CollectorLogExporter, CollectorMetricExporter, CollectorSpanExporter

__all__ = ["EmbedError", "EmbeddedCollector", "start"]

BUILD = BuildInfo(command="pyotelcol-embedded", description="pyotelcol embedded collector")


class EmbedError(RuntimeError):
    """The embedded collector could not start (the message is what the CLI would print)."""


class EmbeddedCollector:
    """A collector service running on its own thread and event loop; see ``start``."""

    def __init__(
        self, configs: Sequence[str], factories: Factories | None = None, shutdown_timeout: float = 30.0
    ) -> None:
        self._configs = list(configs)
        self._factories = factories
        self._shutdown_timeout = shutdown_timeout
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._errors: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="pyotelcol-embedded", daemon=True)
        self._stopped = False

    # -- life cycle -------------------------------------------------------------------------
    def _start(self, timeout: float) -> None:
        bridge.mark_embedded(+1)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise EmbedError(f"the embedded collector did not start within {timeout:g}s")
        if self._error is not None:
            self._thread.join()
            bridge.mark_embedded(-1)
            self._stopped = True
            raise EmbedError(str(self._error)) from None
        _at_exit(self._stop_at_exit)

    def _run(self) -> None:
        with asyncio.Runner() as runner:
            runner.run(self._main())

    async def _main(self) -> None:
        from ..cli.main import CLIError, Options, _new_service, _new_telemetry, _start_service, load_config
        from ..factories import from_entry_points
        from ..featuregate import GLOBAL

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            factories = self._factories if self._factories is not None else from_entry_points()
            cfg = load_config(Options(configs=self._configs), factories, GLOBAL)
            telemetry = _new_telemetry(cfg, BUILD, None)
            log: Any = telemetry.logger
            service = _new_service(cfg, telemetry, BUILD, GLOBAL, log)
            await telemetry.start()
            try:
                await _start_service(service)
            except BaseException:
                await telemetry.shutdown()
                raise
        except (CLIError, OSError, ValueError) as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        await self._stop.wait()
        log.info("Starting shutdown...")
        self._errors = await service.shutdown()
        log.info("Shutdown complete.")
        await telemetry.shutdown()

    def _stop_at_exit(self) -> None:
        """Program exit: flush the global SDK providers into the pipelines, then stop them."""
        if self._stopped:
            return
        _flush_global_providers()
        self.stop()

    def stop(self, timeout: float | None = None) -> list[str]:
        """Flush and stop the pipelines (at most ``timeout`` seconds, default the one given to
        ``start``); returns the shutdown errors. Safe to call more than once."""
        if self._stopped:
            return self._errors
        self._stopped = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        self._thread.join(self._shutdown_timeout if timeout is None else timeout)
        bridge.mark_embedded(-1)
        if self._thread.is_alive():
            self._errors = [*self._errors, "the embedded collector did not stop in time; data may be lost"]
        return self._errors

    def __enter__(self) -> EmbeddedCollector:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the program's SDK ------------------------------------------------------------------
    @staticmethod
    def _receiver(signal: Signal, receiver: str | None) -> str:
        if receiver is not None:
            return receiver
        running = bridge.receivers(signal)
        if len(running) > 1 and "sdk" not in running:
            raise EmbedError(f"several sdk receivers take {signal.value} ({', '.join(running)}): name one")
        return running[0] if len(running) == 1 else "sdk"

    def span_exporter(self, receiver: str | None = None, timeout: float = 10.0) -> CollectorSpanExporter:
        """An SDK SpanExporter feeding the ``sdk`` receiver (``receiver``: its ID when there
        are several)."""
        from .exporters import CollectorSpanExporter

        return CollectorSpanExporter(self._receiver(Signal.TRACES, receiver), timeout)

    def log_exporter(self, receiver: str | None = None, timeout: float = 10.0) -> CollectorLogExporter:
        from .exporters import CollectorLogExporter

        return CollectorLogExporter(self._receiver(Signal.LOGS, receiver), timeout)

    def metric_exporter(
        self, receiver: str | None = None, timeout: float = 10.0, **kwargs: Any
    ) -> CollectorMetricExporter:
        """``kwargs`` go to the SDK's MetricExporter (``preferred_temporality``, ...)."""
        from .exporters import CollectorMetricExporter

        return CollectorMetricExporter(self._receiver(Signal.METRICS, receiver), timeout, **kwargs)


def _at_exit(hook: Callable[[], None]) -> None:
    """Run ``hook`` when the program ends, while worker threads can still be used.

    ``atexit`` hooks run after ``concurrent.futures`` shut its thread pools down, and the
    pipelines need them to flush (file writes, DNS lookups): register where the thread pools
    register their own exit hook (``threading._register_atexit``, which runs in reverse order,
    so before theirs). Falls back to ``atexit`` where that does not exist.
    """
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        atexit.register(hook)
    else:
        register(hook)


def _flush_global_providers() -> None:
    """Push what the program's global SDK providers still hold into the collector (their own
    exit hooks run later, after the collector stopped)."""
    from opentelemetry import _logs, metrics, trace

    for provider in (trace.get_tracer_provider(), _logs.get_logger_provider(), metrics.get_meter_provider()):
        flush = getattr(provider, "force_flush", None)
        if callable(flush):
            try:
                flush()
            except Exception:  # a provider's failure must not keep the collector from stopping
                logging.getLogger("pyotelcol.embed").exception("flushing an SDK provider at exit failed")


def start(
    *configs: str, factories: Factories | None = None, start_timeout: float = 60.0, shutdown_timeout: float = 30.0
) -> EmbeddedCollector:
    """Start the pipelines of ``configs`` (file paths or config URIs, merged like repeated
    ``--config`` flags) on a background thread; returns once they run, raises EmbedError with the
    CLI's message when the config is invalid or a component fails to start."""
    if not configs:
        raise EmbedError("at least one config must be given")
    collector = EmbeddedCollector(configs, factories, shutdown_timeout)
    collector._start(start_timeout)
    return collector
