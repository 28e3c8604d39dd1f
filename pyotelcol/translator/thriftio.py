"""Reading thrift from bytes with thriftpy2, for the translators that receive thrift (Jaeger,
Zipkin v1): a bounded source the C binary protocol can read from, and the end-of-data rule.

thriftpy2's in-memory buffer pads a short read with whatever is in memory, so reading goes
through ``Source`` instead: ``read`` hands out what is left (the C buffered transport then raises
end-of-file when that is too little) and ``read_exact``, for the pure-Python compact protocol,
raises ``error`` itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# thriftpy2's C classes carry no type information
_cybin: Any = importlib.import_module("thriftpy2.protocol.cybin")
_transports: Any = importlib.import_module("thriftpy2.transport")
TCyBinaryProtocolFactory = _cybin.TCyBinaryProtocolFactory
TCyBufferedTransport = _transports.TCyBufferedTransport
TCyMemoryBuffer = _transports.TCyMemoryBuffer

BINARY = TCyBinaryProtocolFactory(strict_read=False, strict_write=True)
_MIN_BUFFER = 4096


class Source:
    """Bytes read front to back; ``read_exact`` raises ``error(message)`` past the end."""

    __slots__ = ("_data", "_error", "_pos")

    def __init__(self, data: bytes, error: Callable[[str], Exception] = EOFError) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._error = error

    def read(self, size: int) -> bytes:
        start = self._pos
        self._pos = min(len(self._data), start + max(size, 0))
        return bytes(self._data[start : self._pos])

    def read_exact(self, size: int) -> bytes:
        if size < 0 or size > len(self._data) - self._pos:
            raise self._error("unexpected end of data")
        return self.read(size)


class ExactSource:
    """``Source`` for the pure-Python compact protocol, which trusts every read to be complete."""

    __slots__ = ("_source",)

    def __init__(self, data: bytes, error: Callable[[str], Exception] = EOFError) -> None:
        self._source = Source(data, error)

    def read(self, size: int) -> bytes:
        return self._source.read_exact(size)


def binary_protocol(data: bytes) -> Any:
    """A TBinaryProtocol (C) reading ``data``."""
    transport = TCyBufferedTransport(Source(data), buf_size=max(len(data), _MIN_BUFFER))
    return BINARY.get_protocol(transport)


def encode_binary(obj: Any) -> bytes:
    """The binary-protocol bytes of a thriftpy2 struct."""
    buffer = TCyMemoryBuffer()
    protocol = BINARY.get_protocol(buffer)
    obj.write(protocol)
    buffer.flush()
    return bytes(buffer.getvalue())
