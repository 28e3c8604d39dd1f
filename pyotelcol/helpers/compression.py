"""Bounded decompression of HTTP request bodies (confighttp's server-side decoders).

Every decoder stops as soon as the output would pass ``limit`` bytes and raises
``BodyTooLargeError`` without ever holding more than about ``limit`` bytes of output, so a
compression bomb costs a few milliseconds, not gigabytes. Malformed input raises
``DecompressError`` whose message follows the Go collector's wording where one exists
(``gzip: invalid header``, ``unexpected EOF``, ``snappy: corrupt input``, ...).

Values (``Content-Encoding``, exact and case-sensitive as in Go):
``""`` identity, ``gzip``, ``zlib`` and ``deflate`` (both zlib-wrapped, RFC 1950), ``zstd``,
``snappy`` (block format; a body that starts with the framing-format stream identifier is read
as framed, for backward compatibility), ``x-snappy-framed``, ``lz4`` (frame format).

zstd and lz4 use zstandard and lz4 rather than cramjam: their streaming decoders stop at the
limit, while cramjam only bounds output by decoding into a buffer of the limit's size, which
costs several times more per request; snappy (cramjam) declares its size before decoding.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import cramjam
import lz4.frame
import zstandard

__all__ = [
    "DEFAULT_ALGORITHMS",
    "KNOWN_ALGORITHMS",
    "TOO_LARGE_MESSAGE",
    "BodyTooLargeError",
    "DecompressError",
    "check_header",
    "decompress",
]

DEFAULT_ALGORITHMS: tuple[str, ...] = ("", "gzip", "zstd", "zlib", "snappy", "deflate", "lz4", "x-snappy-framed")
KNOWN_ALGORITHMS = frozenset(DEFAULT_ALGORITHMS)
TOO_LARGE_MESSAGE = "http: request body too large"

_SNAPPY_FRAMED_HEADER = b"\xff\x06\x00\x00sNaPpY"
_SNAPPY_MAX_CHUNK = 65536
_ZSTD_MAGIC = 0xFD2FB528
_READ_CHUNK = 1024 * 1024


class DecompressError(ValueError):
    """The body does not decode with its declared Content-Encoding (HTTP 400)."""


class BodyTooLargeError(ValueError):
    """The (decompressed) body exceeds the configured limit (HTTP 413)."""

    def __init__(self, message: str = TOO_LARGE_MESSAGE) -> None:
        super().__init__(message)


def check_header(encoding: str, head: bytes) -> None:
    """Validate what Go's decoders read eagerly, before routing: gzip and zlib headers.

    ``head`` holds the first bytes of the body (at most 10 are looked at).
    """
    if encoding == "gzip":
        if not head:
            raise DecompressError("EOF")
        if len(head) < 10:
            raise DecompressError("unexpected EOF")
        if head[0] != 0x1F or head[1] != 0x8B or head[2] != 8:
            raise DecompressError("gzip: invalid header")
    elif encoding in ("zlib", "deflate"):
        if not head:
            raise DecompressError("EOF")
        if len(head) < 2:
            raise DecompressError("unexpected EOF")
        cmf, flg = head[0], head[1]
        if cmf & 0x0F != 8 or cmf >> 4 > 7 or ((cmf << 8) | flg) % 31 != 0:
            raise DecompressError("zlib: invalid header")
        if flg & 0x20:
            raise DecompressError("zlib: invalid dictionary")


def decompress(encoding: str, body: bytes, limit: int) -> bytes:
    """Decode ``body`` per ``encoding`` with at most ``limit`` output bytes.

    Raises ``DecompressError`` for bad input, ``BodyTooLargeError`` past the limit and
    ``KeyError`` for an encoding that is not one of ``KNOWN_ALGORITHMS``.
    """
    if encoding == "":
        if len(body) > limit:
            raise BodyTooLargeError()
        return body
    return _DECODERS[encoding](body, limit)


# -- gzip / zlib ------------------------------------------------------------------------------


def _zlib_error(kind: str, exc: zlib.error) -> DecompressError:
    text = str(exc)
    if "incorrect header check" in text or "unknown compression method" in text:
        return DecompressError(f"{kind}: invalid header")
    if "incorrect data check" in text or "incorrect length check" in text:
        return DecompressError(f"{kind}: invalid checksum")
    if "dictionary" in text:
        return DecompressError(f"{kind}: invalid dictionary")
    return DecompressError("flate: corrupt input")


def _inflate_member(data: bytes, wbits: int, kind: str, out: bytearray, limit: int) -> bytes:
    """Inflate one gzip member / zlib stream into ``out``; returns the bytes after it."""
    dec = zlib.decompressobj(wbits)
    buf = data
    try:
        while not dec.eof:
            chunk = dec.decompress(buf, min(_READ_CHUNK, limit + 1 - len(out)))
            if chunk:
                out += chunk
                if len(out) > limit:
                    raise BodyTooLargeError()
            buf = dec.unconsumed_tail
            if not chunk and not buf:
                raise DecompressError("unexpected EOF")
    except zlib.error as exc:
        raise _zlib_error(kind, exc) from None
    return dec.unused_data


def _gzip(body: bytes, limit: int) -> bytes:
    check_header("gzip", body[:10])  # an empty body is an error here, unlike later members
    out = bytearray()
    rest = body
    while rest:  # Go's gzip reader reads concatenated members (multistream)
        check_header("gzip", rest[:10])
        rest = _inflate_member(rest, 31, "gzip", out, limit)
    return bytes(out)


def _zlib(body: bytes, limit: int) -> bytes:
    check_header("zlib", body[:2])
    out = bytearray()
    _inflate_member(body, 15, "zlib", out, limit)  # data after the stream is ignored, as in Go
    return bytes(out)


# -- zstd -------------------------------------------------------------------------------------


def _zstd_check_frames(body: bytes) -> None:
    """Walk the frame and block headers: zstandard's stream reader accepts a truncated frame
    silently, Go reports ``unexpected EOF``. Cost is one step per block (<= 128 KiB each)."""
    n = len(body)
    pos = 0
    while pos < n:
        if n - pos < 4:
            raise DecompressError("unexpected EOF")
        magic = int.from_bytes(body[pos : pos + 4], "little")
        pos += 4
        if magic & 0xFFFFFFF0 == 0x184D2A50:  # skippable frame
            if n - pos < 4:
                raise DecompressError("unexpected EOF")
            size = int.from_bytes(body[pos : pos + 4], "little")
            pos += 4 + size
            if pos > n:
                raise DecompressError("unexpected EOF")
            continue
        if magic != _ZSTD_MAGIC:
            raise DecompressError("invalid input: magic number mismatch")
        if pos >= n:
            raise DecompressError("unexpected EOF")
        fhd = body[pos]
        pos += 1
        single_segment = bool(fhd & 0x20)
        fcs_flag = fhd >> 6
        header_len = (0 if single_segment else 1) + (0, 1, 2, 4)[fhd & 0x03]
        header_len += (1 if single_segment else 0, 2, 4, 8)[fcs_flag]
        pos += header_len
        while True:
            if n - pos < 3:
                raise DecompressError("unexpected EOF")
            bh = int.from_bytes(body[pos : pos + 3], "little")
            pos += 3
            block_type = (bh >> 1) & 0x03
            size = bh >> 3
            if block_type == 3:
                raise DecompressError("zstd: invalid block type")
            pos += 1 if block_type == 1 else size
            if pos > n:
                raise DecompressError("unexpected EOF")
            if bh & 1:
                break
        if fhd & 0x04:
            pos += 4
            if pos > n:
                raise DecompressError("unexpected EOF")


def _zstd(body: bytes, limit: int) -> bytes:
    if not body:
        return b""  # Go's zstd reader returns an empty body for empty input
    _zstd_check_frames(body)
    window = 1 << max(23, min(31, (limit - 1).bit_length()))
    dctx = zstandard.ZstdDecompressor(max_window_size=window)
    parts: list[bytes] = []
    total = 0
    try:
        reader = dctx.stream_reader(body, read_across_frames=True)
        while True:
            chunk = reader.read(min(_READ_CHUNK, limit + 1 - total))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                raise BodyTooLargeError()
    except zstandard.ZstdError as exc:
        text = str(exc)
        if "Unknown frame descriptor" in text:
            raise DecompressError("invalid input: magic number mismatch") from None
        raise DecompressError("zstd: " + text.removeprefix("zstd decompress error: ")) from None
    return b"".join(parts)


# -- snappy -----------------------------------------------------------------------------------


def _snappy_block(body: bytes, limit: int) -> bytes:
    if body.startswith(_SNAPPY_FRAMED_HEADER):
        return _snappy_framed(body, limit)
    try:
        size = int(cramjam.snappy.decompress_raw_len(body))
    except Exception:
        raise DecompressError("snappy: corrupt input") from None
    if size > limit:
        raise BodyTooLargeError("snappy: decoded size exceeds max request body size")
    try:
        return bytes(cramjam.snappy.decompress_raw(body))
    except Exception:
        raise DecompressError("snappy: corrupt input") from None


def _snappy_framed(body: bytes, limit: int) -> bytes:
    """Sum the declared chunk sizes first (each <= 64 KiB), then let cramjam decode and
    check the CRCs; so the output can never pass ``limit``."""
    if not body:
        return b""
    n = len(body)
    pos = 0
    total = 0
    seen_identifier = False
    while pos < n:
        if n - pos < 4:
            raise DecompressError("snappy: corrupt input")
        kind = body[pos]
        length = int.from_bytes(body[pos + 1 : pos + 4], "little")
        pos += 4
        if pos + length > n:
            raise DecompressError("snappy: corrupt input")
        chunk = body[pos : pos + length]
        pos += length
        if kind == 0xFF:
            if chunk != b"sNaPpY":
                raise DecompressError("snappy: corrupt input")
            seen_identifier = True
            continue
        if not seen_identifier:
            raise DecompressError("snappy: corrupt input")
        if kind == 0x00:
            if length < 4:
                raise DecompressError("snappy: corrupt input")
            try:
                size = int(cramjam.snappy.decompress_raw_len(chunk[4:]))
            except Exception:
                raise DecompressError("snappy: corrupt input") from None
        elif kind == 0x01:
            if length < 4:
                raise DecompressError("snappy: corrupt input")
            size = length - 4
        elif kind < 0x80:
            raise DecompressError("snappy: unsupported input")
        else:
            continue  # skippable chunk (0x80-0xfe, incl. padding)
        if size > _SNAPPY_MAX_CHUNK:
            raise DecompressError("snappy: corrupt input")
        total += size
        if total > limit:
            raise BodyTooLargeError()
    try:
        return bytes(cramjam.snappy.decompress(body))
    except Exception:
        raise DecompressError("snappy: corrupt input") from None


# -- lz4 --------------------------------------------------------------------------------------


def _lz4(body: bytes, limit: int) -> bytes:
    out = bytearray()
    data: bytes = body
    try:
        while data:
            dec = lz4.frame.LZ4FrameDecompressor()
            chunk = dec.decompress(data, max_length=min(_READ_CHUNK, limit + 1 - len(out)))
            while True:
                out += chunk
                if len(out) > limit:
                    raise BodyTooLargeError()
                if dec.eof:
                    break
                if dec.needs_input:
                    raise DecompressError("unexpected EOF")
                chunk = dec.decompress(b"", max_length=min(_READ_CHUNK, limit + 1 - len(out)))
            data = dec.unused_data or b""
    except RuntimeError as exc:
        text = str(exc)
        if "frameType_unknown" in text:
            raise DecompressError("lz4: bad magic number") from None
        code = text.rsplit("ERROR_", 1)[-1] if "ERROR_" in text else text
        raise DecompressError("lz4: " + code.replace("_", " ")) from None
    return bytes(out)


_DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gzip,
    "zlib": _zlib,
    "deflate": _zlib,
    "zstd": _zstd,
    "snappy": _snappy_block,
    "x-snappy-framed": _snappy_framed,
    "lz4": _lz4,
}
