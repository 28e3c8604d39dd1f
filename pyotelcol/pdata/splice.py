"""Change the resources (or scopes) of data without decoding its spans, data points or log records.

Data that only passes through holds the receiver's wire bytes and no parsed message. A processor
that only touches resources (adds an attribute, ...) would normally parse everything, change a few
bytes and serialize everything again. ``edit_resources`` instead walks the request's top-level
length-delimited fields, decodes only each entry's ``resource`` message, lets ``edit`` change it
through the usual ``Resource`` view, and rebuilds the request around the re-serialized resources:
every other byte (scopes, items, unknown fields) is copied as it came.

Data that holds both a parsed message and its bytes (what a receiver hands on) gets the edit on the
message's own resources and the same splice on its bytes, so that an exporter still sends bytes
without serializing the whole request again. Data without bytes is edited through the views, and
bytes the walk cannot follow (malformed, or with deprecated protobuf groups) are parsed in full as
any write would.

The result is the bytes a full parse, the same edit and a serialize would give when the input was
serialized canonically (fields in number order); in every case it parses to the same message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from google.protobuf.message import DecodeError

from .data import AnyData, Logs, Metrics, Traces
from .pcommon import InstrumentationScope, Resource, View

__all__ = ["edit_resources", "edit_scopes"]

_LEN = 2  # wire type of length-delimited fields (messages, strings, bytes)
_VARINT, _I64, _I32 = 0, 1, 5

L = TypeVar("L", bound=View[Any])


class _CannotWalk(Exception):
    """The bytes are not something the walk follows: let a full parse decide."""


def _field_numbers(message: Any, *names: str) -> tuple[int, ...]:
    """The field numbers of the nested fields ``names``, starting at the message ``message``."""
    numbers = []
    descriptor = message.DESCRIPTOR
    for name in names:
        field = descriptor.fields_by_name[name]
        numbers.append(int(field.number))
        descriptor = field.message_type
    return tuple(numbers)


def _paths(cls: type[Traces] | type[Metrics] | type[Logs]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The field numbers from the request down to the resource, and down to the scope."""
    resource_path = _field_numbers(cls.message_type, cls.resource_field, "resource")
    scope_path = _field_numbers(cls.message_type, cls.resource_field, cls.scope_field, "scope")
    return resource_path, scope_path


_PATHS = {cls: _paths(cls) for cls in (Traces, Metrics, Logs)}


def edit_resources(data: AnyData, edit: Callable[[Resource], None]) -> None:
    """Apply ``edit`` to the resource of every ResourceSpans / ResourceMetrics / ResourceLogs.

    The ``Resource`` given to ``edit`` is valid only during the call. A change to read-only data
    raises ``ReadOnlyError`` (nothing is changed then); an edit that changes nothing leaves the
    data (and its bytes) untouched.
    """
    _edit(data, _PATHS[type(data)][0], Resource, edit)


def edit_scopes(data: AnyData, edit: Callable[[InstrumentationScope], None]) -> None:
    """Apply ``edit`` to the instrumentation scope of every ScopeSpans / ScopeMetrics /
    ScopeLogs, as ``edit_resources`` does for resources."""
    _edit(data, _PATHS[type(data)][1], InstrumentationScope, edit)


def _message_leaves(data: AnyData, depth: int) -> list[Any]:
    """The resources (depth 2) or scopes (depth 3) of the parsed message, in wire order."""
    entries = getattr(data.message, data.resource_field)
    if depth == 2:
        return [entry.resource for entry in entries]
    return [scope_entry.scope for entry in entries for scope_entry in getattr(entry, data.scope_field)]


def _edit(data: AnyData, path: tuple[int, ...], view: type[L], edit: Callable[[L], None]) -> None:
    if data.has_wire:
        try:
            if _splice_data(data, path, view, edit):
                return
        except _CannotWalk:
            pass
    # Through the views: parses bytes-only data (a malformed request raises InvalidDataError).
    for pb in _message_leaves(data, len(path)):
        edit(view(pb, data))


class _Guard:
    """The write guard of the resources or scopes being edited: refuses on read-only data and
    notes which ones changed, without dropping the data's bytes (they are spliced instead)."""

    __slots__ = ("changed", "current", "data")

    def __init__(self, data: AnyData) -> None:
        self.data = data
        self.current = 0
        self.changed: set[int] = set()

    def before_write(self) -> None:
        self.data.ensure_writable()
        self.changed.add(self.current)


# A located field: (start of its tag, start of its value, end) in the request's bytes; below a
# message on the path, its own located children. A leaf group lists every occurrence of the
# resource (or scope) field in one entry: usually one, none when the field is absent.
_Occurrence = tuple[int, int, int]


def _splice_data(data: AnyData, path: tuple[int, ...], view: type[L], edit: Callable[[L], None]) -> bool:
    """Edit by splicing; False when the bytes and the parsed message disagree on the shape."""
    wire = data.to_wire()
    buf = memoryview(wire)
    tree = _locate(buf, 0, len(buf), path)
    groups: list[list[_Occurrence]] = []
    _leaf_groups(tree, len(path), groups)
    parsed = not data.wire_only
    if parsed:
        leaves = _message_leaves(data, len(path))
        if len(leaves) != len(groups):
            return False
    else:
        leaves = [_parse_leaf(view, buf, group) for group in groups]  # all before any edit
    guard = _Guard(data)
    try:
        for index, pb in enumerate(leaves):
            guard.current = index
            edit(view(pb, guard))
    except BaseException:
        if parsed and guard.changed:
            data.before_write()  # the message changed: its old bytes must go
        raise
    if not guard.changed:
        return True
    edited = {index: leaves[index].SerializeToString() for index in guard.changed}
    deep = [edited[i] for i in guard.changed if _may_nest(leaves[i])]
    checked = data.wire_checked and (not deep or _parse_in_place(data, path, deep))
    counter = iter(range(len(groups)))
    rebuilt = _rebuild(buf, 0, len(buf), tree, path, edited, counter)
    data.replace_wire(b"".join(rebuilt[0]) if rebuilt is not None else wire, checked)
    return True


def _parse_leaf(view: type[View[Any]], buf: memoryview, group: list[_Occurrence]) -> Any:
    # A message field that occurs more than once is the merge of its occurrences, which is what
    # parsing their concatenation gives.
    pb = view.proto_type()
    raw: Any = buf[group[0][1] : group[0][2]] if len(group) == 1 else b"".join(buf[v:e] for _, v, e in group)
    try:
        pb.ParseFromString(raw)
    except (DecodeError, RuntimeError, ValueError):
        raise _CannotWalk from None
    return pb


def _locate(buf: memoryview, lo: int, hi: int, path: tuple[int, ...]) -> list[Any]:
    """The fields on ``path`` inside ``buf[lo:hi]``: nodes above the leaves, the leaf's
    occurrences at the last level."""
    number = path[0]
    found = [(s, v, e) for field, wire_type, s, v, e in _fields(buf, lo, hi) if field == number and wire_type == _LEN]
    if len(path) == 1:
        return found
    return [(s, v, e, _locate(buf, v, e, path[1:])) for s, v, e in found]


def _leaf_groups(nodes: list[Any], depth: int, out: list[list[_Occurrence]]) -> None:
    if depth == 2:
        out.extend(node[3] for node in nodes)
        return
    for node in nodes:
        _leaf_groups(node[3], depth - 1, out)


_Pieces = list[bytes | memoryview]


def _rebuild(
    buf: memoryview,
    lo: int,
    hi: int,
    nodes: list[Any],
    path: tuple[int, ...],
    edited: dict[int, bytes],
    counter: Iterator[int],
) -> tuple[_Pieces, int] | None:
    """The pieces (and their total length) of ``buf[lo:hi]`` with the edited leaves in place;
    None when nothing below changed. ``counter`` numbers the leaf groups in document order, as
    ``_leaf_groups`` did. Pieces are joined once, at the top: the items are copied only once."""
    pieces: _Pieces = []
    size = 0
    copied = lo  # ``buf[copied:...]`` is still to be copied unchanged
    number = path[0]
    for start, value_start, end, children in nodes:
        if len(path) == 2:
            inner = _rebuild_entry(buf, value_start, end, children, path[1], edited.get(next(counter)))
        else:
            inner = _rebuild(buf, value_start, end, children, path[1:], edited, counter)
        if inner is None:
            continue
        inner_pieces, inner_size = inner
        head = _tag(number) + _varint(inner_size)
        pieces += (buf[copied:start], head, *inner_pieces)
        size += start - copied + len(head) + inner_size
        copied = end
    if not pieces:
        return None
    pieces.append(buf[copied:hi])
    return pieces, size + hi - copied


def _rebuild_entry(
    buf: memoryview, lo: int, hi: int, group: list[_Occurrence], number: int, leaf: bytes | None
) -> tuple[_Pieces, int] | None:
    """One entry (a ResourceSpans, a ScopeSpans, ...) with its resource or scope replaced by
    ``leaf``: written once, where it first was (first in the entry when it was absent, where a
    serializer puts it)."""
    if leaf is None:
        return None
    field = _tag(number) + _varint(len(leaf))
    if not group:
        return [field, leaf, buf[lo:hi]], len(field) + len(leaf) + hi - lo
    pieces: _Pieces = [buf[lo : group[0][0]], field, leaf]
    size = group[0][0] - lo + len(field) + len(leaf)
    for (_, _, end), following in zip(group, [*group[1:], None], strict=True):
        stop = following[0] if following is not None else hi
        pieces.append(buf[end:stop])
        size += stop - end
    return pieces, size


_NESTING = frozenset(("kvlist_value", "array_value"))


def _may_nest(pb: Any) -> bool:
    """Whether a resource or scope holds a map or list attribute value: only those can nest
    deeper than a decoder accepts (the rest of either message is a few levels deep at most)."""
    return any(kv.value.WhichOneof("value") in _NESTING for kv in pb.attributes)


def _parse_in_place(data: AnyData, path: tuple[int, ...], leaves: Iterable[bytes]) -> bool:
    """Whether the edited leaves, each nested as deep as it sits in the request, still parse (the
    decoder's depth limit counts from the request, so a standalone parse is not proof). One
    request holding every leaf is parsed."""
    wrapped: list[bytes] = []
    for leaf in leaves:
        for number in reversed(path):
            leaf = _tag(number) + _varint(len(leaf)) + leaf
        wrapped.append(leaf)
    probe = data.message_type()
    try:
        probe.ParseFromString(b"".join(wrapped))
    except (DecodeError, RuntimeError, ValueError):
        return False
    return True


def _fields(buf: memoryview, lo: int, hi: int) -> Iterator[tuple[int, int, int, int, int]]:
    """Every field of the message ``buf[lo:hi]``: (number, wire type, start, value start, end)."""
    pos = lo
    while pos < hi:
        start = pos
        key, pos = _read_varint(buf, pos, hi)
        field, wire_type = key >> 3, key & 7
        if field == 0:
            raise _CannotWalk
        if wire_type == _LEN:
            length, pos = _read_varint(buf, pos, hi)
            value_start, pos = pos, pos + length
        elif wire_type == _VARINT:
            value_start = pos
            _, pos = _read_varint(buf, pos, hi)
        elif wire_type == _I64:
            value_start, pos = pos, pos + 8
        elif wire_type == _I32:
            value_start, pos = pos, pos + 4
        else:  # groups (3, 4, deprecated) and invalid wire types
            raise _CannotWalk
        if pos > hi:
            raise _CannotWalk
        yield field, wire_type, start, value_start, pos


def _read_varint(buf: memoryview, pos: int, hi: int) -> tuple[int, int]:
    result = shift = 0
    while pos < hi and shift < 64:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
    raise _CannotWalk  # truncated, or longer than 10 bytes


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _SMALL[value]
    if value < 0x4000:
        return bytes((value & 0x7F | 0x80, value >> 7))
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _tag(number: int) -> bytes:
    tag = _TAGS.get(number)
    if tag is None:
        tag = _TAGS[number] = _varint(number << 3 | _LEN)
    return tag


_TAGS: dict[int, bytes] = {}

_SMALL = [bytes((n,)) for n in range(0x80)]
