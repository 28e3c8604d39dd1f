"""One component instance for several signals (Go's sharedcomponent).

The OTLP receiver serves traces, metrics and logs on one port: the factory is asked once per
signal but hands out the same instance per config object. ``start`` and ``shutdown`` run the
real work once, whatever the number of signal nodes that call them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ..component import Host

C = TypeVar("C", bound="SharedComponent")


class SharedComponent:
    """Base for shared instances: subclasses implement ``_start`` and ``_shutdown``."""

    def __init__(self) -> None:
        self._users = 0
        self._started = False
        self._stopped = False
        self._on_stopped: Callable[[], object] | None = None

    def add_user(self) -> None:
        self._users += 1

    async def start(self, host: Host) -> None:
        if self._started:
            return
        self._started = True
        await self._start(host)

    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._on_stopped is not None:
            self._on_stopped()
        await self._shutdown()

    async def _start(self, host: Host) -> None:
        raise NotImplementedError

    async def _shutdown(self) -> None:
        raise NotImplementedError


class SharedComponents(Generic[C]):
    """Instances keyed by config object; an entry is dropped once its instance has shut down."""

    def __init__(self) -> None:
        # The config object is kept with its instance so that its id() cannot be reused meanwhile.
        self._by_cfg: dict[int, tuple[Any, C]] = {}

    def get_or_add(self, cfg: Any, create: Callable[[], C]) -> C:
        entry = self._by_cfg.get(id(cfg))
        if entry is None or entry[1]._stopped:
            entry = (cfg, create())
            self._by_cfg[id(cfg)] = entry
            entry[1]._on_stopped = lambda: self._by_cfg.pop(id(cfg), None)
        comp = entry[1]
        comp.add_user()
        return comp
