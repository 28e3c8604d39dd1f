"""Where the SDK exporters of an embedded collector find the ``sdk`` receivers that feed its pipelines.

The receiver registers its consumer here while it runs; an exporter (called on the SDK's worker
thread) looks it up and runs ``consume`` on the collector's event loop, waiting for the answer so
the SDK learns whether the data was accepted. One registry per process: receiver IDs must be
unique among the embedded collectors of a process.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from ..component import Signal
from ..consumer import Consumer
from ..pdata import AnyData
from ..telemetry.obsreport import ReceiverObs


class BridgeError(RuntimeError):
    """No running ``sdk`` receiver matches, or the collector refused or did not answer in time."""


@dataclass(eq=False)
class Entry:
    consumer: Consumer
    obs: ReceiverObs
    loop: asyncio.AbstractEventLoop | None = None


_lock = threading.Lock()
_entries: dict[tuple[str, Signal], Entry] = {}
_embedded = 0


def register(receiver_id: str, signal: Signal, entry: Entry) -> None:
    """Called by the receiver's ``start`` on the collector's loop."""
    entry.loop = asyncio.get_running_loop()
    with _lock:
        if (receiver_id, signal) in _entries:
            raise BridgeError(
                f'sdk receiver "{receiver_id}" already runs in another embedded collector of this process'
            )
        _entries[(receiver_id, signal)] = entry


def unregister(receiver_id: str, signal: Signal, entry: Entry) -> None:
    with _lock:
        if _entries.get((receiver_id, signal)) is entry:
            del _entries[(receiver_id, signal)]


def embedded() -> bool:
    """Whether an embedded collector is running in this process."""
    return _embedded > 0


def mark_embedded(delta: int) -> None:
    global _embedded
    with _lock:
        _embedded += delta


def receivers(signal: Signal) -> list[str]:
    with _lock:
        return sorted(rid for rid, sig in _entries if sig is signal)


def _find(receiver_id: str, signal: Signal) -> Entry:
    with _lock:
        entry = _entries.get((receiver_id, signal))
    if entry is None or entry.loop is None:
        raise BridgeError(f'no running sdk receiver "{receiver_id}" in a {signal.value} pipeline')
    return entry


async def _consume(entry: Entry, signal: Signal, data: AnyData) -> None:
    items = data.item_count()
    try:
        await entry.consumer.consume(data)
    except BaseException:
        entry.obs.record(signal, items, refused=True)
        raise
    entry.obs.record(signal, items, refused=False)


def send(receiver_id: str, signal: Signal, data: AnyData, timeout: float) -> None:
    """Hand ``data`` to the pipelines and wait for their answer (from any thread but the loop's).

    Raises BridgeError when nothing runs under that ID, when called on the collector's own
    thread (waiting there would deadlock), or after ``timeout`` seconds; the pipeline's own error
    when it refused the data."""
    entry = _find(receiver_id, signal)
    loop = entry.loop
    assert loop is not None
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        raise BridgeError("an embedded collector's exporter cannot be called from the collector's own thread")
    future = asyncio.run_coroutine_threadsafe(_consume(entry, signal, data), loop)
    try:
        future.result(timeout)
    except TimeoutError:
        future.cancel()
        raise BridgeError(f"the collector did not accept the data within {timeout:g}s") from None
