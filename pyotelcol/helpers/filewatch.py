"""Re-read a file when it changes (polled: inode, size and mtime), off the event loop."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from .tasks import cancel_and_wait

POLL_INTERVAL_S = 1.0

Identity = tuple[int, int, int, int]


def _identity(path: str) -> Identity:
    st = os.stat(path)  # follows symlinks: a Kubernetes secret swap changes the inode
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _read(path: str) -> tuple[Identity, bytes]:
    ident = _identity(path)
    with open(path, "rb") as fh:
        return ident, fh.read()


def os_error_text(path: str, exc: OSError) -> str:
    """Go's ``open <path>: no such file or directory`` wording."""
    text = exc.strerror or str(exc)
    return f"open {path}: {text[:1].lower()}{text[1:]}"


class FileWatch:
    """Reads ``path`` once (``read``), then calls ``on_change`` with the new bytes after each change."""

    def __init__(self, path: str, interval: float | None = None) -> None:
        self.path = path
        self.interval = POLL_INTERVAL_S if interval is None else interval
        self._ident: Identity | None = None
        self._task: asyncio.Task[None] | None = None

    async def read(self) -> bytes:
        """The file's bytes now; raises OSError."""
        self._ident, data = await asyncio.to_thread(_read, self.path)
        return data

    def watch(self, on_change: Callable[[bytes], None], on_error: Callable[[OSError], None]) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(on_change, on_error))

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self, on_change: Callable[[bytes], None], on_error: Callable[[OSError], None]) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                ident = await asyncio.to_thread(_identity, self.path)
            except OSError:
                continue  # momentarily missing during an atomic replace: look again next time
            if ident == self._ident:
                continue
            try:
                self._ident, data = await asyncio.to_thread(_read, self.path)
            except OSError as exc:
                on_error(exc)
                continue
            on_change(data)
