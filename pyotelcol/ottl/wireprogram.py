"""Span statement groups run straight over the request's wire bytes, by a C extension.

The OTTL engine runs statements on the decoded protobuf messages: for a few span statements
that is most of a transform pipeline's cost (``bench/README.md``). The common forms (the ones
``codegen`` inlines) on a span's name, kind, status code and its attributes by literal key are
also understood by ``_spanwire``, a C module that walks the request's bytes, indexes each span's
fields and attributes, runs the statements and writes the changed spans back, without a
message or a Python object per span.

``span_program`` turns a compiled group into the program ``_spanwire.run`` takes, or None when
any statement or the group's condition is outside those forms. ``_spanwire.run`` returns None
("not mine") for a request it does not model in every detail (an attribute read whose type it
does not handle, a key present twice, a field repeated, anything odd in the bytes); the engine
then runs the group on the messages as before. The C module is an optional build
(``setup.py``): without it every group runs in Python, with the same results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .contexts import IX_ITEM

try:
    from . import _spanwire
except ImportError:  # built without a C compiler: the engine runs everything
    _spanwire = None  # type: ignore[assignment]

__all__ = ["AVAILABLE", "Program", "run", "span_program"]

AVAILABLE = _spanwire is not None

Program = tuple[Any, ...]

_OPS = {"==": 0, "!=": 1, "<": 2, "<=": 3, ">": 4, ">=": 5}
_INT64 = range(-(2**63), 2**63)


class _Unsupported(Exception):
    """A form the wire program does not have."""


def span_program(
    statements: list[tuple[str, Callable[[Any], Any], Callable[[Any], bool] | None]],
    condition: Callable[[Any], bool] | None,
) -> Program | None:
    """The wire program of a span group's statements, or None when one is outside its forms."""
    if condition is not None or not statements:
        return None
    try:
        return tuple((None if where is None else _condition(where), _action(fn)) for _, fn, where in statements)
    except _Unsupported:
        return None


def run(program: Program, wire: bytes) -> bytes | None:
    """The request with the program run on every span; ``wire`` itself when nothing changed;
    None when the request is not one the program can run on (the engine must)."""
    assert _spanwire is not None
    return _spanwire.run(program, wire)


def _inline(obj: Any) -> tuple[Any, ...]:
    return getattr(obj, "ottl_inline", None) or (None,)


def _constant(value: Any) -> tuple[Any, ...]:
    if type(value) is str or (type(value) is int and value in _INT64):
        return ("const", value)
    raise _Unsupported


def _value(getter: Callable[[Any], Any]) -> tuple[Any, ...]:
    constant = getattr(getter, "ottl_constant", None)
    if constant is not None:
        return _constant(constant[0])
    field = getattr(getter, "ottl_wire", None)
    if field is not None:
        return (field,)
    inline = _inline(getter)
    if inline[0] == "key_read" and inline[1] == IX_ITEM:
        return ("attr", inline[2])
    if inline[0] == "concat":
        _, parts, sep = inline
        return ("concat", sep, tuple(_value(part) for part in parts))
    raise _Unsupported


def _condition(predicate: Callable[[Any], bool]) -> tuple[Any, ...]:
    inline = _inline(predicate)
    if inline[0] != "compare_literal" or inline[4] not in (str, int):
        raise _Unsupported
    _, left, op, constant, _kind = inline
    return ("cmp", _OPS[op], _value(left), _constant(constant)[1])


def _action(fn: Callable[[Any], Any]) -> tuple[Any, ...]:
    inline = _inline(fn)
    if inline[0] == "set":
        _, target, value_of = inline
        setter = target.set
        field = getattr(setter, "ottl_wire", None)
        value = _value(value_of)
        if field == "name":
            return ("set_name", value)
        if field == "status_code":
            return ("set_status_code", value)
        written = _inline(setter)
        if field is None and written[0] == "key_write" and written[1] == IX_ITEM:
            return ("set_attr", written[2], value)
        raise _Unsupported
    if inline[0] == "replace_literal":
        _, target, subn, escaped = inline
        read = _inline(target.get)
        if read[0] == "key_read" and read[1] == IX_ITEM:
            return ("replace_attr", read[2], subn, escaped)
        raise _Unsupported
    if inline[0] == "delete_key":
        _, remove, key = inline
        if _inline(remove)[0] == "key_remove" and _inline(remove)[1] == IX_ITEM:
            return ("delete_attr", key)
        raise _Unsupported
    raise _Unsupported
