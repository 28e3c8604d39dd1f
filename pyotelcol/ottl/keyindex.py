"""Per-item key indexes of attribute lists, for the ``attributes["literal"]`` paths.

Statements on one item usually touch the same attribute list several times, and each linear
scan walks protobuf wrappers (about as costly as a whole statement). So the first access to a
list starts a :class:`KeyIndex` of it (its KeyValue wrappers and each key's first position,
filled as far as lookups needed) in the transform context's ``_ix`` slot for that level
(``contexts.IX_*``), and later accesses look keys up there.

Validity: every entry of ``t._ix`` belongs to the data guard ``t._ixguard`` and is true while
that guard's ``write_generation`` equals ``t._ixgen``. Any write made elsewhere (a pdata ``Map``
method, a whole-map ``set``, ``merge_maps``...) runs the guard, which moves the generation and
so drops every index of the context on its next use. The paths' own writes that keep the
indexes true (a scalar field, a literal key set or removed through the index) go through
:func:`write_keeping_indexes`, so they do not force a rebuild. The walk in ``engine`` empties an
item's slot when it moves to the next item. A guard without a generation (views built directly,
``Span.new()``) gets no index: the paths scan, as Go does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["KeyIndex", "build_index", "index_builder", "write_keeping_indexes"]


class KeyIndex(dict[str, int]):
    """Each key's first position in one attribute list (the entry a scan would find), with the
    list's KeyValue wrappers in order (``entries``), filled lazily: a lookup of a key not
    seen yet scans on from where the last one stopped, so a key near the front costs a short
    scan and the list is walked at most once. ``complete``: the whole list has been seen.

    A dict subclass so that making one per item and list runs no Python ``__init__``: use
    :meth:`of`."""

    __slots__ = ("complete", "entries", "kvs")
    complete: bool
    entries: list[Any]
    kvs: Any

    @classmethod
    def of(cls, kvs: Any) -> KeyIndex:
        index = cls()
        index.kvs = kvs  # the repeated field itself
        index.entries = []
        index.complete = False
        return index

    def find(self, key: str) -> int | None:
        """The position of ``key``'s first entry, None when the list has no such key."""
        position = self.get(key)
        if position is None and not self.complete:
            return self.scan_to(key)
        return position

    def scan_to(self, key: str) -> int | None:
        """Index the entries not seen yet up to the first ``key`` (not in the index yet)."""
        kvs, entries = self.kvs, self.entries
        add, setdefault = entries.append, self.setdefault
        position, total = len(entries), len(kvs)
        while position < total:
            kv = kvs[position]
            found = kv.key
            add(kv)
            if found == key:
                self[found] = position
                return position
            setdefault(found, position)
            position += 1
        self.complete = True
        return None

    def remove(self, position: int, key: str) -> None:
        """Forget the entry at ``position``, the first of ``key`` (the caller deleted it from
        ``kvs``): the first positions after it move down by one, and the key's next entry (if
        any, and seen yet) becomes its first."""
        entries = self.entries
        del entries[position]
        del self[key]
        for i in range(position, len(entries)):
            name = entries[i].key
            first = self.get(name)
            if first is None or first == i + 1:  # None: the removed key again
                self[name] = i


def build_index(t: Any, slot: int, kvs_of: Callable[[Any], Any], guard_of: Callable[[Any], Any]) -> KeyIndex | None:
    """Index the list ``kvs_of(t)`` into ``t._ix[slot]``; None when its guard has no write
    generation. Entries of another guard or generation are dropped first."""
    guard = guard_of(t)
    generation = getattr(guard, "write_generation", None)
    if generation is None:
        return None
    indexes = t._ix
    if guard is not t._ixguard or generation != t._ixgen:
        indexes[0] = indexes[1] = indexes[2] = indexes[3] = None
        t._ixguard = guard
        t._ixgen = generation
    index = indexes[slot] = KeyIndex()  # KeyIndex.of, inlined: this runs per item
    index.kvs = kvs_of(t)
    index.entries = []
    index.complete = False
    return index


def index_builder(slot: int, kvs_of: Callable[[Any], Any], guard_of: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``build(t)``: :func:`build_index` of one list, without a Python frame of its own."""
    return functools.partial(build_index, slot=slot, kvs_of=kvs_of, guard_of=guard_of)


def write_keeping_indexes(t: Any, guard: Any) -> None:
    """``guard.before_write()`` for a change that leaves every key index of ``t`` true (a scalar
    field, or an attribute list change the caller applies to its index too)."""
    if guard is t._ixguard and t._ixgen == guard.write_generation:
        guard.before_write()
        t._ixgen = guard.write_generation
    else:
        guard.before_write()
