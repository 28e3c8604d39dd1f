"""Apache htpasswd entries, with the hash formats Go's tg123/go-htpasswd accepts.

Tried in Go's order: MD5-crypt (``$apr1$``, ``$1$``), ``{SHA}``, bcrypt (``$2a$``/``$2b$``/``$2y$``/
``$2x$``; needs the ``bcrypt`` package), ``{SSHA}``, SHA-crypt (``$5$``, ``$6$``, optional
``rounds=N$``), and anything else as a plain-text password (``{PLAIN}`` prefix allowed). A line
that is malformed for its format is skipped. Every comparison is constant-time. Entries that
are slow to check (``slow``) are meant to be checked in a worker thread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

_ITOA64 = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class ParseError(ValueError):
    """A malformed entry; the message names the format, never the hash or password."""


class Entry(Protocol):
    @property
    def slow(self) -> bool: ...

    def matches(self, password: bytes) -> bool: ...


def _b64_24(out: bytearray, b2: int, b1: int, b0: int, n: int) -> None:
    w = (b2 << 16) | (b1 << 8) | b0
    for _ in range(n):
        out.append(_ITOA64[w & 0x3F])
        w >>= 6


# -- plain, {SHA}, {SSHA} -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlainEntry:
    stored: bytes
    slow: bool = False

    def matches(self, password: bytes) -> bool:
        # nginx writes plain passwords as {PLAIN}secret; accept both spellings, like Go.
        a = hmac.compare_digest(password, self.stored)
        b = hmac.compare_digest(b"{PLAIN}" + password, self.stored)
        return a or b


@dataclass(frozen=True, slots=True)
class ShaEntry:
    digest: bytes
    salt: bytes = b""
    slow: bool = False

    def matches(self, password: bytes) -> bool:
        return hmac.compare_digest(hashlib.sha1(password + self.salt).digest(), self.digest)


def _sha(encoded: str, salted: bool) -> ShaEntry:
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ParseError("malformed sha1 entry") from None
    if (len(raw) < 20) if salted else (len(raw) != 20):
        raise ParseError("malformed sha1 entry: wrong length")
    return ShaEntry(raw[:20], raw[20:])


# -- MD5-crypt ($1$, Apache $apr1$) --------------------------------------------------------------


def md5_crypt(password: bytes, salt: bytes, magic: bytes) -> bytes:
    """The 22-character MD5-crypt hash (Poul-Henning Kamp's algorithm, Apache's magic for apr1)."""
    salt = salt[:8]
    alt = hashlib.md5(password + salt + password).digest()
    ctx = hashlib.md5(password + magic + salt)
    remaining = len(password)
    while remaining > 0:
        ctx.update(alt[: min(16, remaining)])
        remaining -= 16
    i = len(password)
    while i:
        ctx.update(b"\0" if i & 1 else password[:1])
        i >>= 1
    final = ctx.digest()
    for r in range(1000):
        c = hashlib.md5(password if r & 1 else final)
        if r % 3:
            c.update(salt)
        if r % 7:
            c.update(password)
        c.update(final if r & 1 else password)
        final = c.digest()
    out = bytearray()
    for a, b, c_ in ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)):
        _b64_24(out, final[a], final[b], final[c_], 4)
    _b64_24(out, 0, 0, final[11], 2)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class Md5CryptEntry:
    magic: bytes
    salt: bytes
    hashed: bytes
    slow: bool = True

    def matches(self, password: bytes) -> bool:
        return hmac.compare_digest(md5_crypt(password, self.salt, self.magic), self.hashed)


# -- SHA-crypt ($5$ SHA-256, $6$ SHA-512; Ulrich Drepper's specification) -------------------------

_SHA256_ORDER = (
    (0, 10, 20),
    (21, 1, 11),
    (12, 22, 2),
    (3, 13, 23),
    (24, 4, 14),
    (15, 25, 5),
    (6, 16, 26),
    (27, 7, 17),
    (18, 28, 8),
    (9, 19, 29),
)
_SHA512_ORDER = (
    (0, 21, 42),
    (22, 43, 1),
    (44, 2, 23),
    (3, 24, 45),
    (25, 46, 4),
    (47, 5, 26),
    (6, 27, 48),
    (28, 49, 7),
    (50, 8, 29),
    (9, 30, 51),
    (31, 52, 10),
    (53, 11, 32),
    (12, 33, 54),
    (34, 55, 13),
    (56, 14, 35),
    (15, 36, 57),
    (37, 58, 16),
    (59, 17, 38),
    (18, 39, 60),
    (40, 61, 19),
    (62, 20, 41),
)
ROUNDS_DEFAULT = 5000
_ROUNDS_MIN, _ROUNDS_MAX = 1000, 999_999_999


def _repeat(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def sha_crypt(password: bytes, salt: bytes, rounds: int, algorithm: str) -> bytes:
    """The encoded SHA-crypt hash (43 characters for SHA-256, 86 for SHA-512)."""
    salt = salt[:16]
    size = 32 if algorithm == "sha256" else 64
    b = hashlib.new(algorithm, password + salt + password).digest()
    a = hashlib.new(algorithm, password + salt)
    a.update(_repeat(b, len(password)) if password else b"")
    i = len(password)
    while i > 0:
        a.update(b if i & 1 else password)
        i >>= 1
    c = a.digest()
    p = _repeat(hashlib.new(algorithm, password * len(password)).digest(), len(password)) if password else b""
    s = _repeat(hashlib.new(algorithm, salt * (16 + c[0])).digest(), len(salt)) if salt else b""
    for r in range(rounds):
        h = hashlib.new(algorithm, p if r & 1 else c)
        if r % 3:
            h.update(s)
        if r % 7:
            h.update(p)
        h.update(c if r & 1 else p)
        c = h.digest()
    out = bytearray()
    if size == 32:
        for x, y, z in _SHA256_ORDER:
            _b64_24(out, c[x], c[y], c[z], 4)
        _b64_24(out, 0, c[31], c[30], 3)
    else:
        for x, y, z in _SHA512_ORDER:
            _b64_24(out, c[x], c[y], c[z], 4)
        _b64_24(out, 0, 0, c[63], 2)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class ShaCryptEntry:
    algorithm: str
    salt: bytes
    rounds: int
    hashed: bytes
    slow: bool = True

    def matches(self, password: bytes) -> bool:
        return hmac.compare_digest(sha_crypt(password, self.salt, self.rounds, self.algorithm), self.hashed)


def _sha_crypt(encoded: str) -> ShaCryptEntry:
    algorithm = "sha256" if encoded.startswith("$5$") else "sha512"
    rest = encoded[3:]
    rounds = ROUNDS_DEFAULT
    if rest.startswith("rounds="):
        spec, sep, rest = rest.partition("$")
        if not sep or not spec[7:].isdigit():
            raise ParseError("malformed crypt-SHA entry")
        rounds = min(max(int(spec[7:]), _ROUNDS_MIN), _ROUNDS_MAX)
    salt, sep, hashed = rest.partition("$")
    if not sep:
        raise ParseError("malformed crypt-SHA entry")
    return ShaCryptEntry(algorithm, salt.encode()[:16], rounds, hashed.encode())


# -- bcrypt ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BcryptEntry:
    hashed: bytes
    slow: bool = True

    def matches(self, password: bytes) -> bool:
        import bcrypt

        try:
            return bool(bcrypt.checkpw(password, self.hashed))
        except ValueError:  # over 72 bytes, or a variant (2x) the library does not take
            return False


def _bcrypt(encoded: str) -> BcryptEntry:
    try:
        import bcrypt  # noqa: F401
    except ImportError:
        raise ParseError("bcrypt entries need the Python package 'bcrypt'") from None
    return BcryptEntry(encoded.encode())


# -- parsing --------------------------------------------------------------------------------------


def parse_entry(encoded: str) -> Entry:
    """The matcher for one ``user:<encoded>`` line's password part (Go's parser order)."""
    if encoded.startswith(("$apr1$", "$1$")):
        magic = "$apr1$" if encoded.startswith("$apr1$") else "$1$"
        salt, sep, hashed = encoded[len(magic) :].partition("$")
        if not sep:
            raise ParseError("malformed md5 entry")
        return Md5CryptEntry(magic.encode(), salt.encode(), hashed.encode())
    if encoded.startswith("{SHA}"):
        return _sha(encoded[5:], salted=False)
    if encoded.startswith(("$2y$", "$2a$", "$2b$", "$2x$")):
        return _bcrypt(encoded)
    if encoded.startswith("{SSHA}"):
        return _sha(encoded[6:], salted=True)
    if encoded.startswith(("$5$", "$6$")):
        return _sha_crypt(encoded)
    return PlainEntry(encoded.encode("utf-8", "surrogateescape"))


def parse_htpasswd(text: str) -> tuple[dict[str, Entry], list[tuple[int, str]]]:
    """``{user: entry}`` (a later line for a user wins) and the skipped lines as (number, reason)."""
    table: dict[str, Entry] = {}
    bad: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        user, sep, encoded = line.partition(":")
        if not sep:
            bad.append((number, "malformed line, no colon"))
            continue
        try:
            table[user] = parse_entry(encoded)
        except ParseError as exc:
            bad.append((number, str(exc)))
    return table, bad
