"""Decoding Jaeger thrift with thriftpy2: a ``Batch`` body (binary protocol, thrift_http) and an
``Agent.emitBatch`` oneway message (binary or compact protocol, the UDP agent ports).

thriftpy2 neither checks required fields nor complains about leftovers; Go's generated readers
reject a struct missing a required field, so the decoded objects are checked the same way.
"""

from __future__ import annotations

import importlib
from typing import Any

from thriftpy2.thrift import TType

from . import idl
from .errors import JaegerDecodeError

# thriftpy2's C classes carry no type information
_protocols: Any = importlib.import_module("thriftpy2.protocol")
_cybin: Any = importlib.import_module("thriftpy2.protocol.cybin")
_transports: Any = importlib.import_module("thriftpy2.transport")
TCompactProtocolFactory = _protocols.TCompactProtocolFactory
TCyBinaryProtocolFactory = _cybin.TCyBinaryProtocolFactory
TMemoryBuffer = _transports.TMemoryBuffer
TCyBufferedTransport = _transports.TCyBufferedTransport
TCyMemoryBuffer = _transports.TCyMemoryBuffer

thrift: Any = idl.load()
"""The loaded IDL: ``thrift.Batch``, ``thrift.Span``, ``thrift.Tag`` ... and ``thrift.Agent``."""

_BINARY = TCyBinaryProtocolFactory(strict_read=False, strict_write=True)
_COMPACT = TCompactProtocolFactory()
_MIN_BUFFER = 4096


class _Source:
    """Bytes read front to back. thriftpy2's in-memory buffer pads a short read with whatever is
    in memory, so reading goes through this instead: ``read`` hands out what is left (the C
    buffered transport then raises end-of-file when that is too little) and ``read_exact``, for
    the pure-Python compact protocol, raises itself."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def read(self, size: int) -> bytes:
        start = self._pos
        self._pos = min(len(self._data), start + max(size, 0))
        return bytes(self._data[start : self._pos])

    def read_exact(self, size: int) -> bytes:
        if size < 0 or size > len(self._data) - self._pos:
            raise JaegerDecodeError("cannot decode Jaeger thrift: unexpected end of data")
        return self.read(size)


class _ExactSource:
    """``_Source`` for the compact protocol, which trusts every read to be complete."""

    __slots__ = ("_source",)

    def __init__(self, data: bytes) -> None:
        self._source = _Source(data)

    def read(self, size: int) -> bytes:
        return self._source.read_exact(size)


def _binary_protocol(data: bytes) -> Any:
    transport = TCyBufferedTransport(_Source(data), buf_size=max(len(data), _MIN_BUFFER))
    return _BINARY.get_protocol(transport)


def _plan(cls: Any) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...]]:
    """A struct's required field names and its struct-valued fields (name, is a list)."""
    required: list[str] = []
    children: list[tuple[str, bool]] = []
    for spec in cls.thrift_spec.values():
        if isinstance(spec[-1], bool) and spec[-1]:
            required.append(spec[1])
        if spec[0] == TType.STRUCT:
            children.append((spec[1], False))
        elif spec[0] == TType.LIST and isinstance(spec[2], tuple) and spec[2][0] == TType.STRUCT:
            children.append((spec[1], True))
    return tuple(required), tuple(children)


_PLANS: dict[type, tuple[tuple[str, ...], tuple[tuple[str, bool], ...]]] = {}


def _check(obj: Any) -> None:
    """Raise for a missing required field, as Go's generated readers do."""
    cls = type(obj)
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _plan(cls)
    required, children = plan
    for name in required:
        if getattr(obj, name) is None:
            raise JaegerDecodeError(f"{cls.__name__}: required field {name} is not set")
    for name, is_list in children:
        value = getattr(obj, name)
        if value is None:
            continue
        if is_list:
            for item in value:
                _check(item)
        else:
            _check(value)


def _fail(exc: Exception) -> JaegerDecodeError:
    return JaegerDecodeError(f"cannot decode Jaeger thrift: {type(exc).__name__}: {exc}")


def decode_batch(body: bytes) -> Any:
    """A ``Batch`` from a thrift_http body (binary protocol)."""
    batch = thrift.Batch()
    try:
        batch.read(_binary_protocol(body))
    except Exception as exc:  # thriftpy2 raises several unrelated types for bad input
        raise _fail(exc) from exc
    _check(batch)
    return batch


def decode_agent_message(packet: bytes, compact: bool) -> Any | None:
    """The ``Batch`` of an ``Agent.emitBatch`` message (one UDP packet); None when the call has no
    batch argument. Any other method (``emitZipkinBatch`` included) is an error, as in Go."""
    try:
        protocol = _COMPACT.get_protocol(_ExactSource(packet)) if compact else _binary_protocol(packet)
        name, _type, _seqid = protocol.read_message_begin()
        if name != "emitBatch":
            raise JaegerDecodeError(f"unsupported Jaeger agent method {name!r}")
        args = thrift.Agent.emitBatch_args()
        args.read(protocol)
    except JaegerDecodeError:
        raise
    except Exception as exc:
        raise _fail(exc) from exc
    if args.batch is not None:
        _check(args.batch)
    return args.batch


def encode_batch(batch: Any) -> bytes:
    """The binary-protocol bytes of ``batch`` (a thrift_http body)."""
    buffer = TCyMemoryBuffer()
    protocol = _BINARY.get_protocol(buffer)
    batch.write(protocol)
    buffer.flush()
    return bytes(buffer.getvalue())


def encode_agent_message(batch: Any, compact: bool, seqid: int = 0) -> bytes:
    """An ``Agent.emitBatch`` oneway message carrying ``batch`` (one UDP packet)."""
    if compact:
        buffer: Any = TMemoryBuffer()
        protocol = _COMPACT.get_protocol(buffer)
    else:
        buffer = TCyMemoryBuffer()
        protocol = _BINARY.get_protocol(buffer)
    protocol.write_message_begin("emitBatch", 4, seqid)  # 4: ONEWAY
    thrift.Agent.emitBatch_args(batch=batch).write(protocol)
    protocol.write_message_end()
    buffer.flush()
    return bytes(buffer.getvalue())
