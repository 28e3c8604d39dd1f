"""Storage extensions (Go's extension/xextension/storage): a key-value client per component.

A persistent sending queue, or a receiver's checkpoints, ask the storage extension named in
their config for a client bound to their own (kind, id, name); keys of different clients never
collide. Writes are durable when the awaited call returns (the extension's fsync settings apply).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..component import ID, Host, Kind


@dataclass(frozen=True, slots=True)
class Operation:
    """One step of ``StorageClient.batch``: ``value`` None with ``delete`` False means get."""

    key: str
    value: bytes | None = None
    delete: bool = False


class StorageClient(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def batch(self, ops: Sequence[Operation]) -> list[bytes | None]:
        """Apply ``ops`` atomically, in order; return the values read by get operations (None elsewhere)."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class StorageExtension(Protocol):
    async def get_client(self, kind: Kind, component_id: ID, name: str = "") -> StorageClient: ...


def find_storage(host: Host, storage_id: ID) -> StorageExtension:
    ext = host.get_extensions().get(storage_id)
    if ext is None:
        raise LookupError(f"storage extension '{storage_id}' not found")
    if not isinstance(ext, StorageExtension):
        raise LookupError(f"non-storage extension '{storage_id}' found")
    return ext
