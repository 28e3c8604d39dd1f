"""The sender protocol every link of the exporterhelper chain implements, and the last link.

Go's ``exporterhelper/internal/sender``: a sender is a component with ``Send(ctx, request)``;
each wraps the next one and the chain ends in the exporter's push function. Here the request
travels with the state Go keeps in the context: its item count, read once before anything
downstream may change the data, and the circuit-breaker permit of the send under way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from ...component import Host
from ...consumer import ConsumerError
from ...pdata import AnyData
from .errors import ExportError

if TYPE_CHECKING:
    from .circuit_breaker import Permit

PushFunc = Callable[[AnyData], Awaitable[None]]


class Request:
    """One request on its way down the chain."""

    __slots__ = ("data", "items", "permit")

    def __init__(self, data: AnyData, items: int | None = None, permit: Permit | None = None) -> None:
        self.data = data
        self.items = data.item_count() if items is None else items
        self.permit = permit


class Sender(Protocol):
    """A link of the chain: ``send`` raises ``ConsumerError`` (retryable) or ``PermanentError``."""

    async def send(self, request: Request) -> None: ...

    async def start(self, host: Host) -> None: ...

    async def shutdown(self) -> None: ...


class ForwardingSender:
    """Base for senders with nothing to start or stop."""

    async def send(self, request: Request) -> None:
        raise NotImplementedError

    async def start(self, host: Host) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class PushSender(ForwardingSender):
    """The end of the chain: the exporter's push. Anything it raises that is not a
    ``ConsumerError`` becomes a retryable ``ExportError`` with the same text; ``TimeoutError``
    goes up as it is, for the timeout sender to word."""

    def __init__(self, push: PushFunc) -> None:
        self._push = push

    async def send(self, request: Request) -> None:
        try:
            await self._push(request.data)
        except (ConsumerError, TimeoutError, asyncio.CancelledError):
            raise
        except Exception as exc:
            raise ExportError(str(exc) or type(exc).__name__, exc) from exc
