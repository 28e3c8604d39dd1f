"""``timeout``: a deadline for each attempt (Go's timeout sender).

Go gives every call of the next sender its own ``context.WithTimeout``; retries each get a
fresh deadline. An attempt that runs out fails with the retryable ``context deadline exceeded``.
With ``timeout: 0`` no deadline is set (Go leaves the sender out); a ``TimeoutError`` the push
raises by itself is still turned into a retryable error with its own text.
"""

from __future__ import annotations

import asyncio

from .errors import ExportError
from .sender import ForwardingSender, Request, Sender


class TimeoutSender(ForwardingSender):
    def __init__(self, timeout: float, next_sender: Sender) -> None:
        self.timeout = timeout
        self._next = next_sender

    async def send(self, request: Request) -> None:
        if self.timeout <= 0:
            try:
                await self._next.send(request)
            except TimeoutError as exc:
                raise ExportError(str(exc) or "timeout", exc) from None
            return
        scope: asyncio.Timeout | None = None
        try:
            async with asyncio.timeout(self.timeout) as scope:
                await self._next.send(request)
        except TimeoutError as exc:
            if scope is not None and scope.expired():
                raise ExportError("context deadline exceeded", exc) from None
            raise ExportError(str(exc) or "timeout", exc) from None
