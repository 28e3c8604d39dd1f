"""Functions the ``python`` receiver can run as they are (and that its tests use)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pyotelcol.pdata import AnyData, Logs

Emit = Callable[[AnyData], Awaitable[None]]


async def idle(emit: Emit, config: dict[str, Any]) -> None:
    """Produce nothing until shutdown."""
    await asyncio.Event().wait()


async def heartbeat(emit: Emit, config: dict[str, Any]) -> None:
    """A log record ``config["body"]`` (default "heartbeat") every ``config["interval"]`` seconds."""
    interval = float(config.get("interval", 10))
    body = str(config.get("body", "heartbeat"))
    while True:
        logs = Logs.empty()
        record = logs.resource_logs.append_empty().scope_logs.append_empty().log_records.append_empty()
        record.observed_time_unix_nano = time.time_ns()
        record.body.set_str(body)
        await emit(logs)
        await asyncio.sleep(interval)
