"""One tracked file: its fingerprint, offset and attributes, and reading batches of tokens.

Blocking I/O: the manager calls these methods in a worker thread.
"""

from __future__ import annotations

import gzip
import io
import os
import time
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from .splitter import Splitter

READ_CHUNK = 256 * 1024


@dataclass
class Metadata:
    """What a checkpoint keeps of a file (Go's reader.Metadata)."""

    fingerprint: bytes
    offset: int = 0
    record_num: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)
    # a pending partial token: its length and since when (monotonic s) it has not grown
    pending_len: int = 0
    pending_since: float = 0.0

    def to_json(self) -> dict[str, Any]:
        import base64

        return {
            "fingerprint": base64.b64encode(self.fingerprint).decode(),
            "offset": self.offset,
            "record_num": self.record_num,
            "attributes": self.attributes,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Metadata:
        import base64

        return cls(
            fingerprint=base64.b64decode(raw["fingerprint"]),
            offset=int(raw.get("offset", 0)),
            record_num=int(raw.get("record_num", 0)),
            attributes=dict(raw.get("attributes") or {}),
        )


@dataclass
class Batch:
    tokens: list[tuple[int, bytes]]  # (absolute start offset, raw token)
    end_offset: int
    pending_len: int
    pending_since: float


def read_fingerprint(fh: IO[bytes], size: int, compressed: bool) -> bytes:
    fh.seek(0)
    if compressed:
        try:
            with gzip.GzipFile(fileobj=fh) as gz:
                return gz.read(size)
        except (OSError, EOFError, zlib.error):
            fh.seek(0)
    return fh.read(size)


class FileReader:
    def __init__(self, path: str, fh: IO[bytes], meta: Metadata, compressed: bool) -> None:
        self.path = path
        self.fh: IO[bytes] | None = fh
        self.meta = meta
        self.compressed = compressed
        # tokens split from the last chunk but not yet handed out: (absolute offset, token), and
        # where the split part of that chunk ended
        self._ready: list[tuple[int, bytes]] = []
        self._ready_end = -1

    def close(self) -> Metadata:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
        return self.meta

    def read_batch(self, splitter: Splitter, max_tokens: int, flush_period: float) -> Batch | None:
        """The next tokens after ``meta.offset`` (not committed: see ``commit``); None at the end."""
        if self.fh is None:
            return None
        if self.compressed:
            return self._read_gzip(splitter)
        if self._ready and self._ready[0][0] == self.meta.offset:
            # the rest of the last chunk: no re-read (offsets only move forward within it)
            batch, self._ready = self._ready[:max_tokens], self._ready[max_tokens:]
            end = self._ready[0][0] if self._ready else self._ready_end
            return Batch(batch, end, 0, 0.0)
        self._ready = []
        self.fh.seek(self.meta.offset)
        limit = max(READ_CHUNK, splitter.max_log_size + len(splitter.newline))
        buf = self.fh.read(limit)
        if not buf:
            return None
        at_eof = len(buf) < limit
        tokens, used = splitter.split(buf, flush=False)
        pending_len, pending_since = 0, 0.0
        if at_eof and used < len(buf):
            rest = len(buf) - used
            now = time.monotonic()
            if rest == self.meta.pending_len and flush_period >= 0 and now - self.meta.pending_since >= flush_period:
                # the partial last token did not grow for force_flush_period: emit it (Go's flush.State)
                more, extra = splitter.split(buf[used:], flush=True)
                tokens.extend((used + s, t) for s, t in more)
                used += extra
            elif rest != self.meta.pending_len:
                pending_len, pending_since = rest, now
            else:
                pending_len, pending_since = rest, self.meta.pending_since
        if len(tokens) > max_tokens:
            base = self.meta.offset
            self._ready = [(base + s, t) for s, t in tokens[max_tokens:]]
            self._ready_end = base + used
            cut = tokens[max_tokens][0]
            tokens, used, pending_len, pending_since = tokens[:max_tokens], cut, 0, 0.0
        if not tokens and used == 0:
            self.meta.pending_len, self.meta.pending_since = pending_len, pending_since
            return None
        return Batch(
            [(self.meta.offset + s, t) for s, t in tokens], self.meta.offset + used, pending_len, pending_since
        )

    def _read_gzip(self, splitter: Splitter) -> Batch | None:
        """A gzip file is read whole once it is complete; its offset is the compressed size read."""
        assert self.fh is not None
        size = os.fstat(self.fh.fileno()).st_size
        if size <= self.meta.offset:
            return None
        self.fh.seek(0)
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(self.fh.read(size))).read()
        except (OSError, EOFError, zlib.error):
            return None  # still being written: try again at the next poll
        tokens, _ = splitter.split(data, flush=True)
        return Batch(tokens, size, 0, 0.0)

    def commit(self, batch: Batch) -> None:
        self.meta.offset = batch.end_offset
        self.meta.record_num += len(batch.tokens)
        self.meta.pending_len, self.meta.pending_since = batch.pending_len, batch.pending_since
