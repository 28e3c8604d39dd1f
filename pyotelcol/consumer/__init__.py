"""The consumer contract: ``async consume(data)`` that raises on refusal.

Returning means the next stage owns the data (not that a backend has it). A ``PermanentError``
means retrying cannot help; any other exception is retryable and may carry a ``retry_after``
hint that receivers turn into RetryInfo / Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..pdata import AnyData


@dataclass(frozen=True, slots=True)
class Capabilities:
    mutates_data: bool = False


@runtime_checkable
class Consumer(Protocol):
    @property
    def capabilities(self) -> Capabilities: ...

    async def consume(self, data: AnyData) -> None: ...


class ConsumerError(Exception):
    """A retryable refusal. ``retry_after`` (seconds) is a throttling hint for the client."""

    def __init__(self, message: str, *, retry_after: float | None = None, grpc_code: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.grpc_code = grpc_code


class PermanentError(ConsumerError):
    """A refusal that a retry cannot fix (bad data, a rejected request)."""

    def __str__(self) -> str:
        return "Permanent error: " + super().__str__()


def is_permanent(err: BaseException) -> bool:
    return isinstance(err, PermanentError)


class FuncConsumer:
    """Adapts a coroutine function to the Consumer protocol."""

    __slots__ = ("_caps", "_fn")

    def __init__(self, fn: object, mutates_data: bool = False) -> None:
        self._fn = fn
        self._caps = Capabilities(mutates_data)

    @property
    def capabilities(self) -> Capabilities:
        return self._caps

    async def consume(self, data: AnyData) -> None:
        await self._fn(data)  # type: ignore[operator]


__all__ = ["Capabilities", "Consumer", "ConsumerError", "FuncConsumer", "PermanentError", "is_permanent"]
