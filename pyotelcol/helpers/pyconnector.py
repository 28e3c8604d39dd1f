"""A connector from a function (the ``python`` connector type and ``@pyotelcol.connector``): calls
it on each request of the source pipelines and hands what it returns to the target pipelines
(``function(data, config)`` -> data of the target signal, or None)."""

from __future__ import annotations

from typing import Any

from ..component import Host, Settings, Signal
from ..consumer import Capabilities, Consumer, PermanentError
from ..pdata import AnyData, Logs, Metrics, Traces
from .pyfunction import FunctionCall

_TYPES: dict[Signal, type[Any]] = {Signal.TRACES: Traces, Signal.METRICS: Metrics, Signal.LOGS: Logs}
# The function may change the data it gets (e.g. pass it on changed when source == target).
_CAPABILITIES = Capabilities(mutates_data=True)


class FunctionConnector:
    """``error_mode``: propagate (a permanent error to the source pipeline's caller), ignore
    (logged, nothing sent on) or silent."""

    def __init__(
        self, settings: Settings, target: Signal, call: FunctionCall, error_mode: str, next_consumer: Consumer
    ) -> None:
        self._call = call
        self._target_type = _TYPES[target]
        self._mode = error_mode
        self._name = call.name
        self._next = next_consumer
        self._logger = settings.telemetry.logger

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def consume(self, data: AnyData) -> None:
        try:
            result = await self._call(data)
        except Exception as exc:
            self._failed(f"{self._name} raised {type(exc).__name__}: {exc}")
            return
        if result is None:
            return
        if not isinstance(result, self._target_type):
            self._failed(f"{self._name} returned {type(result).__name__}, not {self._target_type.__name__} or None")
            return
        await self._next.consume(result)

    def _failed(self, message: str) -> None:
        if self._mode == "propagate":
            raise PermanentError(message)
        if self._mode == "ignore":
            self._logger.warning("python connector failed; nothing sent on", extra={"fields": {"error": message}})
