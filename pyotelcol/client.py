"""Who sent the data being processed: Go's ``client`` package (``client/client.go``).

A receiver that serves a request sets the client's ``Info`` for the time the pipeline runs on it
(``with_info``); processors and exporters read it with ``from_context()``. ``metadata`` holds the
request's headers / gRPC metadata when the receiver's ``include_metadata`` is on (Go keeps them
only then too); ``auth`` what the server authenticator established about the caller; ``addr`` the
peer's address. The batch processor partitions by ``metadata_keys`` from here and sets the
partition's metadata again when it sends a batch, so exporters downstream see it.

The information travels in a ``ContextVar``: it follows the request through ``await`` and into
tasks created while it is set, and never leaks between concurrent requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Info", "Metadata", "from_context", "with_info"]


class Metadata(Mapping[str, tuple[str, ...]]):
    """Request metadata: case-insensitive keys (stored lower-case), every value of a key kept in
    order (Go's ``client.Metadata``). Immutable."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Iterable[str]] | None = None) -> None:
        merged: dict[str, tuple[str, ...]] = {}
        for key, values in (data or {}).items():
            lower = key.lower()
            merged[lower] = merged.get(lower, ()) + tuple(values)
        self._data = merged

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Metadata:
        """From header-like (key, value) pairs; repeated keys keep every value."""
        out = cls()
        data = out._data
        for key, value in pairs:
            lower = key.lower()
            data[lower] = (*data.get(lower, ()), value)
        return out

    def get_values(self, key: str) -> tuple[str, ...]:
        """Every value of ``key`` (any case); empty when absent (Go's ``Metadata.Get``)."""
        return self._data.get(key.lower(), ())

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self._data[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Metadata({self._data!r})"


@dataclass(frozen=True, slots=True)
class Info:
    """What is known about the client of the request being processed."""

    addr: str | None = None
    auth: Any = None
    metadata: Metadata = field(default_factory=Metadata)


_EMPTY = Info()
_current: ContextVar[Info] = ContextVar("pyotelcol_client_info", default=_EMPTY)


def from_context() -> Info:
    """The current request's client; an empty ``Info`` outside a request."""
    return _current.get()


@contextmanager
def with_info(info: Info) -> Iterator[Info]:
    """Make ``info`` the current client for the duration of the block."""
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)


def set_info(info: Info) -> None:
    """Make ``info`` current in this context for good: for a task that works for one client
    (the batch processor's send of one partition)."""
    _current.set(info)
