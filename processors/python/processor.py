"""Runs the configured function on each request, through the processorhelper.

The function gets the request's data (``Traces``, ``Metrics`` or ``Logs``, read and changed through
the pdata views) and the ``config`` mapping; it returns the data to hand on, or None to drop it.
A coroutine function is awaited. Each call is bounded by ``timeout``; a synchronous function runs
on the event loop (fast functions) or, with ``run_in_thread``, in a worker thread, so that a slow
one does not stall the receivers. A call that raises or times out is handled per ``error_mode``.
"""

from __future__ import annotations

from typing import Any

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer, PermanentError
from pyotelcol.helpers.processorhelper import Processor
from pyotelcol.helpers.pyfunction import FunctionCall, FunctionTimeout
from pyotelcol.pdata import AnyData

from .config import Config


class PythonFunction:
    """The call of the user's function with its time limit and error mode."""

    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._call = FunctionCall.of(cfg)
        self._mode = cfg.error_mode
        self._name = cfg.name
        self._logger = settings.telemetry.logger

    async def __call__(self, data: AnyData) -> AnyData | None:
        try:
            result = await self._call(data)
        except FunctionTimeout as exc:
            return self._failed(data, str(exc))
        except Exception as exc:
            return self._failed(data, f"{self._name} raised {type(exc).__name__}: {exc}")
        if result is None or isinstance(result, type(data)):
            return result
        return self._failed(data, f"{self._name} returned {type(result).__name__}, not {type(data).__name__} or None")

    def _failed(self, data: AnyData, message: str) -> AnyData:
        if self._mode == "propagate":
            raise PermanentError(message)
        if self._mode == "ignore":
            self._logger.warning(
                "python processor failed; passing the data on unchanged", extra={"fields": {"error": message}}
            )
        return data


def create_processor(settings: Settings, signal: Signal, cfg: Config, next_consumer: Consumer) -> Processor[Any]:
    return Processor(settings, signal, next_consumer, PythonFunction(settings, cfg), mutates_data=True)
