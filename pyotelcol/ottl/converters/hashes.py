"""Hash converters: SHA1, SHA256, SHA512, MD5 (lowercase hex), FNV (FNV-1a 64 as int64) and
Murmur3Hash / Murmur3Hash128 (MurmurHash3 x86_32 / x64_128, seed 0, little-endian hex).

XXH3 and XXH128 (big-endian hex of the 64-/128-bit XXH3 digest, as Go's zeebo/xxh3 prints it)
are registered only when the ``xxhash`` package is installed.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from typing import Any

from pyotelcol.ottl.functions import Getter, Param, converter
from pyotelcol.ottl.values import expect_string

Item = Callable[[Any], Any]

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


def _rotl32(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (32 - shift))) & _M32


def _rotl64(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _M64


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86_32."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h1 = seed & _M32
    whole = len(data) - len(data) % 4
    for offset in range(0, whole, 4):
        k1 = int.from_bytes(data[offset : offset + 4], "little")
        k1 = _rotl32((k1 * c1) & _M32, 15) * c2 & _M32
        h1 ^= k1
        h1 = (_rotl32(h1, 13) * 5 + 0xE6546B64) & _M32
    tail = data[whole:]
    if tail:
        k1 = int.from_bytes(tail, "little")
        k1 = _rotl32((k1 * c1) & _M32, 15) * c2 & _M32
        h1 ^= k1
    h1 ^= len(data)
    return _fmix32(h1)


def _fmix32(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    return h ^ (h >> 16)


def _fmix64(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _M64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _M64
    return k ^ (k >> 33)


def murmur3_128(data: bytes, seed: int = 0) -> tuple[int, int]:
    """MurmurHash3 x64_128: the two 64-bit halves (h1, h2)."""
    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F
    h1 = h2 = seed & _M64
    whole = len(data) - len(data) % 16
    for offset in range(0, whole, 16):
        k1 = int.from_bytes(data[offset : offset + 8], "little")
        k2 = int.from_bytes(data[offset + 8 : offset + 16], "little")
        k1 = _rotl64((k1 * c1) & _M64, 31) * c2 & _M64
        h1 ^= k1
        h1 = (_rotl64(h1, 27) + h2) & _M64
        h1 = (h1 * 5 + 0x52DCE729) & _M64
        k2 = _rotl64((k2 * c2) & _M64, 33) * c1 & _M64
        h2 ^= k2
        h2 = (_rotl64(h2, 31) + h1) & _M64
        h2 = (h2 * 5 + 0x38495AB5) & _M64
    tail = data[whole:]
    if len(tail) > 8:
        k2 = int.from_bytes(tail[8:], "little")
        k2 = _rotl64((k2 * c2) & _M64, 33) * c1 & _M64
        h2 ^= k2
    if tail:
        k1 = int.from_bytes(tail[:8], "little")
        k1 = _rotl64((k1 * c1) & _M64, 31) * c2 & _M64
        h1 ^= k1
    h1 ^= len(data)
    h2 ^= len(data)
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    h1 = _fmix64(h1)
    h2 = _fmix64(h2)
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    return h1, h2


def fnv1a_64(data: bytes) -> int:
    value = 0xCBF29CE484222325
    for byte in data:
        value ^= byte
        value = (value * 0x100000001B3) & _M64
    return value


def _to_int64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _string_hash(name: str, digest: Callable[[bytes], Any]) -> None:
    @converter(name, Param("target", "getter"))
    def build(target: Getter) -> Item:
        def run(tctx: Any) -> Any:
            text = expect_string(target(tctx))
            # an empty string is hashed too (Go's pkg/ottl v1.4.0; older releases returned it as is)
            return digest(text.encode("utf-8", "surrogatepass"))

        return run


_string_hash("SHA1", lambda data: hashlib.sha1(data, usedforsecurity=False).hexdigest())
_string_hash("SHA256", lambda data: hashlib.sha256(data).hexdigest())
_string_hash("SHA512", lambda data: hashlib.sha512(data).hexdigest())
_string_hash("MD5", lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest())
_string_hash("FNV", lambda data: _to_int64(fnv1a_64(data)))


def _murmur(name: str, digest: Callable[[bytes], str]) -> None:
    @converter(name, Param("target", "getter"))
    def build(target: Getter) -> Item:
        def run(tctx: Any) -> str:
            return digest(expect_string(target(tctx)).encode("utf-8", "surrogatepass"))

        return run


_murmur("Murmur3Hash", lambda data: murmur3_32(data).to_bytes(4, "little").hex())
_murmur(
    "Murmur3Hash128",
    lambda data: b"".join(h.to_bytes(8, "little") for h in murmur3_128(data)).hex(),
)


def _optional_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_xxhash = _optional_module("xxhash")
if _xxhash is not None:
    _murmur("XXH3", lambda data: str(_xxhash.xxh3_64_hexdigest(data)))
    _murmur("XXH128", lambda data: str(_xxhash.xxh3_128_hexdigest(data)))
