"""Decoding Jaeger thrift with thriftpy2: a ``Batch`` body (binary protocol, thrift_http) and an
``Agent.emitBatch`` oneway message (binary or compact protocol, the UDP agent ports).

thriftpy2 neither checks required fields nor complains about leftovers; Go's generated readers
reject a struct missing a required field, so the decoded objects are checked the same way.
"""

from __future__ import annotations

import importlib
from typing import Any

from thriftpy2.thrift import TType

from .. import thriftio
from . import idl
from .errors import JaegerDecodeError

# thriftpy2's C classes carry no type information
_protocols: Any = importlib.import_module("thriftpy2.protocol")
_transports: Any = importlib.import_module("thriftpy2.transport")
TCompactProtocolFactory = _protocols.TCompactProtocolFactory
TMemoryBuffer = _transports.TMemoryBuffer

thrift: Any = idl.load()
"""The loaded IDL: ``thrift.Batch``, ``thrift.Span``, ``thrift.Tag`` ... and ``thrift.Agent``."""

_BINARY = thriftio.BINARY
_COMPACT = TCompactProtocolFactory()


def _end_of_data(message: str) -> JaegerDecodeError:
    return JaegerDecodeError(f"cannot decode Jaeger thrift: {message}")


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
        batch.read(thriftio.binary_protocol(body))
    except Exception as exc:  # thriftpy2 raises several unrelated types for bad input
        raise _fail(exc) from exc
    _check(batch)
    return batch


def decode_agent_message(packet: bytes, compact: bool) -> Any | None:
    """The ``Batch`` of an ``Agent.emitBatch`` message (one UDP packet); None when the call has no
    batch argument. Any other method (``emitZipkinBatch`` included) is an error, as in Go."""
    try:
        protocol = (
            _COMPACT.get_protocol(thriftio.ExactSource(packet, _end_of_data))
            if compact
            else thriftio.binary_protocol(packet)
        )
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
    return thriftio.encode_binary(batch)


def encode_agent_message(batch: Any, compact: bool, seqid: int = 0) -> bytes:
    """An ``Agent.emitBatch`` oneway message carrying ``batch`` (one UDP packet)."""
    if compact:
        buffer: Any = TMemoryBuffer()
        protocol = _COMPACT.get_protocol(buffer)
    else:
        buffer = thriftio.TCyMemoryBuffer()
        protocol = _BINARY.get_protocol(buffer)
    protocol.write_message_begin("emitBatch", 4, seqid)  # 4: ONEWAY
    thrift.Agent.emitBatch_args(batch=batch).write(protocol)
    protocol.write_message_end()
    buffer.flush()
    return bytes(buffer.getvalue())
