"""A receiver from a function (the ``python`` receiver type and ``@pyotelcol.receiver``): runs it
for the collector's life and hands what it emits to the pipelines.

One instance per config whatever the signals (Go's sharedcomponent): ``emit(data)`` routes a
``Traces``, ``Metrics`` or ``Logs`` to the pipelines of that signal and returns once they accepted
it; it raises what they raised (a refusal the function may retry), ``ValueError`` for a signal no
pipeline of this receiver takes, and ``ReceiverStopped`` once the collector shuts down. An async
function runs as a task, cancelled at shutdown; a sync one runs in its own daemon thread, where
``emit`` blocks, and should return when ``emit`` raises ``ReceiverStopped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Callable
from typing import Any

from ..component import Host, Settings, Signal
from ..consumer import Consumer
from ..pdata import AnyData, Logs, Metrics, Traces
from ..telemetry.obsreport import ReceiverObs
from .sharedcomponent import SharedComponent

_SIGNALS: dict[type[Any], Signal] = {Traces: Signal.TRACES, Metrics: Signal.METRICS, Logs: Signal.LOGS}


class ReceiverStopped(RuntimeError):
    """The collector is shutting down: the function should return."""


class FunctionReceiver(SharedComponent):
    """``fn(emit, config)``; ``name`` names it in logs and errors."""

    def __init__(self, settings: Settings, fn: Callable[..., Any], config: Any, name: str) -> None:
        super().__init__()
        self._fn = fn
        self._config = config
        self._name = name
        self._logger = settings.telemetry.logger
        self._obs = ReceiverObs(settings, transport="python", format=None)
        self._consumers: dict[Signal, Consumer] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    def register(self, signal: Signal, consumer: Consumer) -> None:
        self._consumers[signal] = consumer

    async def emit(self, data: AnyData) -> None:
        if self._stopping:
            raise ReceiverStopped(f"{self._name}: the collector is shutting down")
        signal = _SIGNALS.get(type(data))
        consumer = self._consumers.get(signal) if signal is not None else None
        if consumer is None:
            takes = ", ".join(sorted(s.value for s in self._consumers))
            raise ValueError(f"{self._name} emitted {type(data).__name__}; this receiver's pipelines take {takes}")
        assert signal is not None
        items = data.item_count()
        try:
            await consumer.consume(data)
        except BaseException:
            self._obs.record(signal, items, refused=True)
            raise
        self._obs.record(signal, items, refused=False)

    def _emit_blocking(self, data: AnyData) -> None:
        loop = self._loop
        if self._stopping or loop is None or loop.is_closed():
            raise ReceiverStopped(f"{self._name}: the collector is shutting down")
        asyncio.run_coroutine_threadsafe(self.emit(data), loop).result()

    async def _start(self, host: Host) -> None:
        self._loop = asyncio.get_running_loop()
        if inspect.iscoroutinefunction(self._fn):
            self._task = asyncio.ensure_future(self._run_async())
        else:
            self._thread = threading.Thread(target=self._run_sync, name=f"python receiver {self._name}", daemon=True)
            self._thread.start()

    async def _run_async(self) -> None:
        try:
            await self._fn(self.emit, self._config)
        except (asyncio.CancelledError, ReceiverStopped):
            raise
        except Exception as exc:
            self._failed(exc)
        else:
            self._logger.info("python receiver function returned", extra={"fields": {"function": self._name}})

    def _run_sync(self) -> None:
        try:
            self._fn(self._emit_blocking, self._config)
        except ReceiverStopped:
            return
        except Exception as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        self._logger.error(
            "python receiver function failed; it produces nothing more",
            extra={"fields": {"function": self._name, "error": f"{type(exc).__name__}: {exc}"}},
        )

    async def _shutdown(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ReceiverStopped):
                await task
        # A sync function learns of the shutdown at its next emit; its daemon thread is not waited for.
        self._thread = None
