"""One component instance for several signals (Go's sharedcomponent).

The OTLP receiver serves traces, metrics and logs on one port: the factory is asked once per
signal but hands out the same instance per config object. ``start`` and ``shutdown`` run the
real work once, whatever the number of signal nodes that call them.
"""

from __future__ import annotations

import weakref
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
        await self._shutdown()

    async def _start(self, host: Host) -> None:
        raise NotImplementedError

    async def _shutdown(self) -> None:
        raise NotImplementedError


class SharedComponents(Generic[C]):
    """Instances keyed by config object identity, dropped when the config goes away."""

    def __init__(self) -> None:
        self._by_cfg: weakref.WeakKeyDictionary[Any, C] | dict[int, C] = {}

    def get_or_add(self, cfg: Any, create: Callable[[], C]) -> C:
        key = id(cfg)
        table: dict[int, C] = self._by_cfg  # type: ignore[assignment]
        comp = table.get(key)
        if comp is None or comp._stopped:
            comp = create()
            table[key] = comp
        comp.add_user()
        return comp
