"""``recombine`` (Go's transformer/recombine): joins consecutive entries of one source into one.

Entries are batched per ``source_identifier`` (``attributes["log.file.path"]``); with
``is_first_entry`` a match starts a new batch, with ``is_last_entry`` a match ends one. A batch
is emitted when it reaches ``max_batch_size`` entries, ``max_log_size`` bytes, or has waited
``force_flush_period`` (checked at each file poll), and at shutdown. ``overwrite_with`` picks the
entry whose other fields are kept (``oldest`` by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyotelcol.config.duration import parse_duration

from ..entry import Entry, Field
from ..expr import Compiled, ExprError, compile_expr, run_bool
from .base import Operator, Spec, logger
from .sizes import parse_byte_size

DEFAULT_SOURCE = "DefaultSourceIdentifier"


@dataclass
class _Batch:
    base: Entry
    parts: list[str] = field(default_factory=list)
    size: int = 0
    count: int = 0
    matched: bool = False
    first_seen_ns: int = 0


class Recombine(Operator):
    type_name = "recombine"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        first = spec.text("is_first_entry", "")
        last = spec.text("is_last_entry", "")
        if bool(first) == bool(last):
            raise spec.fail("exactly one of is_first_entry and is_last_entry must be set")
        try:
            self.expr: Compiled = compile_expr(first or last)
        except ExprError as exc:
            raise spec.fail(f"failed to compile is_first_entry/is_last_entry: {exc}") from None
        self.match_first = bool(first)
        self.combine_field = spec.field("combine_field")
        if self.combine_field is None:
            raise spec.fail("missing required argument 'combine_field'")
        self.combine_with = spec.text("combine_with", "\n")
        self.source = spec.field("source_identifier", Field.parse('attributes["log.file.path"]'))
        self.max_batch_size = spec.integer("max_batch_size", 1000)
        self.max_unmatched = spec.integer("max_unmatched_batch_size", 100)
        self.max_sources = spec.integer("max_sources", 1000)
        overwrite = spec.text("overwrite_with", "oldest")
        if overwrite not in ("oldest", "newest"):
            raise spec.fail(f"invalid value '{overwrite}' for parameter 'overwrite_with'")
        self.newest = overwrite == "newest"
        try:
            self.flush_ns = int(parse_duration(str(spec.get("force_flush_period", "5s"))).total_seconds() * 1e9)
            self.max_log_size = parse_byte_size(spec.get("max_log_size", 0))
        except ValueError as exc:
            raise spec.fail(str(exc)) from None
        self.batches: dict[str, _Batch] = {}
        self.now_ns = 0

    def process(self, entry: Entry) -> None:
        try:
            if self.skip(entry):
                self.write(entry)
                return
            matches = run_bool(self.expr, entry)
        except ExprError as exc:
            self.handle_error(entry, exc)
            return
        assert self.source is not None
        source, ok = self.source.get(entry)
        key = source if ok and isinstance(source, str) and source else DEFAULT_SOURCE
        if matches and self.match_first:
            self._flush(key)
            self._add(entry, key, matches)
        elif matches:
            if key not in self.batches:
                self.write(entry)  # a batch of one: combining it would change nothing
                return
            self._add(entry, key, matches)
            self._flush(key)
        else:
            self._add(entry, key, matches)

    def _add(self, entry: Entry, key: str, matches: bool) -> None:
        batch = self.batches.get(key)
        if batch is None:
            if len(self.batches) >= self.max_sources:
                logger.error("Too many sources. Flushing all batched logs. Consider increasing max_sources parameter")
                self.stop()
            batch = _Batch(entry, first_seen_ns=entry.observed_timestamp)
            self.batches[key] = batch
        elif self.newest:
            batch.base = entry
        batch.count += 1
        batch.matched |= matches
        assert self.combine_field is not None
        value, ok = self.combine_field.get(entry)
        if not ok or not isinstance(value, str):
            logger.error("entry does not contain the combine_field")
            return
        if batch.parts:
            batch.size += len(self.combine_with)
        batch.parts.append(value)
        batch.size += len(value.encode())
        if (
            (self.max_log_size > 0 and batch.size > self.max_log_size)
            or (self.max_batch_size > 0 and batch.count >= self.max_batch_size)
            or (not batch.matched and self.max_unmatched > 0 and batch.count >= self.max_unmatched)
        ):
            self._flush(key)

    def _flush(self, key: str) -> None:
        batch = self.batches.pop(key, None)
        if batch is None:
            return
        assert self.combine_field is not None
        self.combine_field.set(batch.base, self.combine_with.join(batch.parts))
        self.write(batch.base)

    def flush(self, now_ns: int) -> None:
        for key, batch in list(self.batches.items()):
            if now_ns - batch.first_seen_ns >= self.flush_ns:
                self._flush(key)

    def stop(self) -> None:
        for key in list(self.batches):
            self._flush(key)
