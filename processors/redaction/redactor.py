"""The redaction rules applied to one attribute map or one log body (Go's ``processor.go``).

For each attribute, in map order, Go decides in this sequence:

1. a summary attribute (``redaction.*``) is the processor's own bookkeeping: left alone, unless
   the summary is silent and the key is not allowed, then it is deleted like any other key;
2. an ignored key (``ignored_keys``, ``ignored_key_patterns``) is left alone and counted;
3. a key not allowed (fail closed: nothing is allowed unless listed or ``allow_all_keys``) is
   deleted;
4. a value matching ``allowed_values`` is left alone and counted as allowed;
5. a key matching ``blocked_key_patterns`` has its whole value masked;
6. otherwise every ``blocked_values`` pattern, in order, masks the parts of the value it matches,
   then ``url_sanitizer`` rewrites the value when its key is listed, then ``db_sanitizer``
   obfuscates it when its key is listed for the map's database system.

Only string values are checked unless ``redact_all_types`` (then numbers, booleans, ... through
their string form, and a masked one becomes a string). A non-string value reads as "" otherwise,
as Go's ``Value.Str()`` does. Masking writes ``masking_string`` ("****") or the hex digest of the
matched text with ``hash_function``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyotelcol.helpers.goregex import compile_go, go_replace_all
from pyotelcol.pdata.pcommon import Map, Value, ValueType
from pyotelcol.pdata.ptrace import Span

from .dbsanitizer import DBSanitizer, build_families, database_system
from .urlsanitizer import URLSanitizer

if TYPE_CHECKING:
    from .config import Config

SEPARATOR = ","
DEBUG = "debug"
INFO = "info"

REDACTED_KEYS = "redaction.redacted.keys"
REDACTED_COUNT = "redaction.redacted.count"
MASKED_KEYS = "redaction.masked.keys"
MASKED_COUNT = "redaction.masked.count"
ALLOWED_KEYS = "redaction.allowed.keys"
ALLOWED_COUNT = "redaction.allowed.count"
IGNORED_COUNT = "redaction.ignored.count"
BODY_REDACTED_KEYS = "redaction.body.redacted.keys"
BODY_REDACTED_COUNT = "redaction.body.redacted.count"
BODY_MASKED_KEYS = "redaction.body.masked.keys"
BODY_MASKED_COUNT = "redaction.body.masked.count"
BODY_ALLOWED_KEYS = "redaction.body.allowed.keys"
BODY_ALLOWED_COUNT = "redaction.body.allowed.count"
BODY_IGNORED_COUNT = "redaction.body.ignored.count"

SUMMARY_ATTRIBUTES = frozenset(
    {
        REDACTED_KEYS,
        REDACTED_COUNT,
        MASKED_KEYS,
        MASKED_COUNT,
        ALLOWED_KEYS,
        ALLOWED_COUNT,
        IGNORED_COUNT,
        BODY_REDACTED_KEYS,
        BODY_REDACTED_COUNT,
        BODY_MASKED_KEYS,
        BODY_MASKED_COUNT,
        BODY_ALLOWED_KEYS,
        BODY_ALLOWED_COUNT,
        BODY_IGNORED_COUNT,
    }
)

_DIGESTS: dict[str, Callable[[bytes], str]] = {
    "md5": lambda b: hashlib.md5(b, usedforsecurity=False).hexdigest(),
    "sha1": lambda b: hashlib.sha1(b, usedforsecurity=False).hexdigest(),
    "sha3": lambda b: hashlib.sha3_256(b).hexdigest(),
}


@dataclass
class _Found:
    """The keys one pass acted on, by outcome."""

    redacted: list[str]
    masked: list[str]
    allowed: list[str]
    ignored: list[str]

    @classmethod
    def new(cls) -> _Found:
        return cls([], [], [], [])


class Redactor:
    """The compiled rules of one processor; ``process_attributes`` and ``process_log_body`` edit
    in place."""

    def __init__(
        self,
        *,
        allow_all_keys: bool,
        allowed_keys: Iterable[str],
        ignored_keys: Iterable[str],
        ignored_key_patterns: list[re.Pattern[str]],
        blocked_key_patterns: list[re.Pattern[str]],
        blocked_values: list[re.Pattern[str]],
        allowed_values: list[re.Pattern[str]],
        redact_all_types: bool,
        mask: Callable[[str], str],
        summary: str,
        url_sanitizer: URLSanitizer | None = None,
        url_span_names: bool = False,
        db_sanitizer: DBSanitizer | None = None,
        db_span_names: bool = False,
    ) -> None:
        self._allow_all = allow_all_keys
        self._allowed_keys = frozenset(allowed_keys)
        self._ignored_keys = frozenset(ignored_keys)
        self._ignored_patterns = ignored_key_patterns
        self._blocked_keys = blocked_key_patterns
        self._blocked_values = blocked_values
        self._allowed_values = allowed_values
        self._all_types = redact_all_types
        self._mask = mask
        self._summary = summary
        self._summary_enabled = summary in (DEBUG, INFO)
        self._url = url_sanitizer
        self._url_span_names = url_sanitizer is not None and url_span_names
        self._db = db_sanitizer if db_sanitizer is not None and db_sanitizer.enabled else None
        self._db_span_names = self._db is not None and db_span_names

    def for_logs(self) -> Redactor:
        """Go's logs processor: database attributes without a system go through every family
        listing their key."""
        if self._db is None:
            return self
        clone = copy.copy(self)
        clone._db = self._db.for_logs()
        return clone

    @property
    def sanitizes_span_names(self) -> bool:
        return self._url_span_names or self._db_span_names

    @classmethod
    def from_config(cls, cfg: Config) -> Redactor:
        """Raises ValueError with Go's message (prefixed as Go's factory prefixes it) when a
        pattern does not compile."""
        return cls(
            allow_all_keys=cfg.allow_all_keys,
            allowed_keys=cfg.allowed_keys,
            ignored_keys=cfg.ignored_keys,
            ignored_key_patterns=_compile_all(cfg.ignored_key_patterns, "ignore keys list"),
            blocked_values=_compile_all(cfg.blocked_values, "block list"),
            blocked_key_patterns=_compile_all(cfg.blocked_key_patterns, "block keys list"),
            allowed_values=_compile_all(cfg.allowed_values, "allow list"),
            redact_all_types=cfg.redact_all_types,
            mask=_masker(cfg.hash_function.lower(), cfg.hmac_key, cfg.masking_string or "****"),
            summary=cfg.summary,
            url_sanitizer=URLSanitizer(cfg.url_sanitizer.attributes) if cfg.url_sanitizer.enabled else None,
            url_span_names=cfg.url_sanitizer.sanitize_span_name is not False,
            db_sanitizer=DBSanitizer(tuple(build_families(cfg.db_sanitizer.enabled_families()))),
            db_span_names=cfg.db_sanitizer.sanitize_span_name is not False,
        )

    # -- the key and value tests ---------------------------------------------------------------
    def _ignored(self, key: str) -> bool:
        return key in self._ignored_keys or any(p.search(key) for p in self._ignored_patterns)

    def _redacted(self, key: str) -> bool:
        return not self._allow_all and key not in self._allowed_keys

    def _key_blocked(self, key: str) -> bool:
        return any(p.search(key) for p in self._blocked_keys)

    def _value_allowed(self, text: str) -> bool:
        return any(p.search(text) for p in self._allowed_values)

    def _mask_blocked(self, text: str) -> str:
        for pattern in self._blocked_values:
            if pattern.search(text):
                text = go_replace_all(pattern, text, self._mask)
        return text

    def _process_attribute_text(self, text: str, key: str, system: str) -> str:
        text = self._mask_blocked(text)
        if self._url is not None:
            text = self._url.sanitize_attribute(text, key)
        if self._db is not None:
            text = self._db.obfuscate_attribute(text, key, system)
        return text

    def _process_body_text(self, text: str) -> str:
        text = self._mask_blocked(text)
        if self._url is not None:
            text = self._url.sanitize(text)
        if self._db is not None:
            text = self._db.obfuscate(text)
        return text

    # -- attributes ----------------------------------------------------------------------------
    def process_attributes(self, attributes: Map) -> None:
        found = _Found.new()
        system = database_system(attributes) if self._db is not None else ""
        for key, value in attributes.items():
            if key in SUMMARY_ATTRIBUTES:
                if not self._summary_enabled and self._redacted(key):
                    found.redacted.append(key)
                continue
            if self._ignored(key):
                found.ignored.append(key)
                continue
            if self._redacted(key):
                found.redacted.append(key)
                continue
            text = value.as_string() if self._all_types else value.str_value
            if self._value_allowed(text):
                found.allowed.append(key)
                continue
            if self._key_blocked(key):
                found.masked.append(key)
                value.set_str(self._mask(text))
                continue
            masked = self._process_attribute_text(text, key, system)
            if masked != text:
                found.masked.append(key)
                value.set_str(masked)
        if found.redacted:
            doomed = set(found.redacted)
            attributes.remove_if(lambda key, _: key in doomed)
        self._summarize(found.redacted, attributes, REDACTED_KEYS, REDACTED_COUNT, accumulate=True)
        self._summarize(found.masked, attributes, MASKED_KEYS, MASKED_COUNT, accumulate=True)
        self._summarize(found.allowed, attributes, ALLOWED_KEYS, ALLOWED_COUNT, accumulate=False)
        self._summarize(found.ignored, attributes, "", IGNORED_COUNT, accumulate=False)

    # -- log bodies ----------------------------------------------------------------------------
    def process_log_body(self, body: Value, attributes: Map) -> None:
        """A map body goes through the key rules at every depth (keys reported as dotted paths,
        list items as ``[i]``); any other body is checked as one string. The summary goes into
        the record's attributes."""
        found = _Found.new()
        kind = body.type
        if kind is ValueType.MAP:
            self._body_map(body.map, None, found)
        elif kind is ValueType.SLICE:
            for i, item in enumerate(body.slice):
                self._body_value(f"[{i}]", item, found)
        else:
            text = body.as_string()
            if self._value_allowed(text):
                found.allowed.append("body")
            else:
                masked = self._process_body_text(text)
                if masked != text:
                    found.masked.append("body")
                    body.set_str(masked)
        self._summarize(found.redacted, attributes, BODY_REDACTED_KEYS, BODY_REDACTED_COUNT, accumulate=True)
        self._summarize(found.masked, attributes, BODY_MASKED_KEYS, BODY_MASKED_COUNT, accumulate=True)
        self._summarize(found.allowed, attributes, BODY_ALLOWED_KEYS, BODY_ALLOWED_COUNT, accumulate=False)
        self._summarize(found.ignored, attributes, "", BODY_IGNORED_COUNT, accumulate=False)

    def _body_map(self, entries: Map, path: str | None, found: _Found) -> None:
        # Go reports a key masked for its name by its bare name at the top level only.
        doomed: list[str] = []
        for key, value in entries.items():
            where = key if path is None else f"{path}.{key}"
            if self._ignored(key):
                found.ignored.append(where)
            elif self._redacted(key):
                doomed.append(key)
            elif self._key_blocked(key):
                found.masked.append(where)
                value.set_str(self._mask(value.str_value))
            else:
                self._body_value(where, value, found)
        if doomed:
            gone = set(doomed)
            entries.remove_if(lambda key, _: key in gone)
            found.redacted.extend(key if path is None else f"{path}.{key}" for key in doomed)

    def _body_value(self, where: str, value: Value, found: _Found) -> None:
        kind = value.type
        if kind is ValueType.MAP:
            self._body_map(value.map, where, found)
            return
        if kind is ValueType.SLICE:
            for i, item in enumerate(value.slice):
                self._body_value(f"{where}.[{i}]", item, found)
            return
        text = value.as_string()
        if self._value_allowed(text):
            found.allowed.append(where)
            return
        masked = self._process_body_text(text)
        if masked != text:
            found.masked.append(where)
            value.set_str(masked)

    # -- span names ----------------------------------------------------------------------------
    def process_span_name(self, span: Span) -> None:
        """Go's ``sanitizeSpanName``: a name matching ``allowed_values`` stays; else the URL
        sanitizer, and only when it had nothing to say, the database sanitizer. An empty or
        ``...`` result is not applied."""
        name = span.name
        if self._value_allowed(name):
            return
        if self._url_span_names:
            renamed = URLSanitizer.sanitize_span_name(name, span.kind, span.attributes)
            if renamed is not None:
                _rename(span, renamed)
                return
        if self._db_span_names and self._db is not None:
            renamed = self._db.sanitize_span_name(name, span.kind, span.attributes)
            if renamed is not None:
                _rename(span, renamed)

    # -- the summary ---------------------------------------------------------------------------
    def _summarize(
        self, keys: list[str], attributes: Map, keys_attr: str, count_attr: str, *, accumulate: bool
    ) -> None:
        """Go's ``addMetaAttrs``: redactions and maskings add to what an earlier redaction
        processor recorded (they cannot be seen again); allowed and ignored outcomes describe the
        record as it now is and replace it, or remove it when this pass found none."""
        if not keys:
            if not accumulate and self._summary_enabled:
                if keys_attr:
                    attributes.remove(keys_attr)
                attributes.remove(count_attr)
            return
        count = len(keys)
        if self._summary == DEBUG and keys_attr:
            listed = list(keys)
            if accumulate:
                existing = attributes.get(keys_attr)
                if existing is not None and existing.str_value:
                    listed.extend(existing.str_value.split(SEPARATOR))
            attributes.put_str(keys_attr, SEPARATOR.join(sorted(listed)))
        if self._summary_enabled:
            if accumulate:
                existing = attributes.get(count_attr)
                if existing is not None:
                    count += existing.int_value
            attributes.put_int(count_attr, count)


def _rename(span: Span, name: str) -> None:
    if name not in ("", "..."):
        span.name = name


def _compile_all(patterns: list[str], what: str) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(compile_go(pattern))
        except ValueError as exc:
            raise ValueError(
                f"error creating a redaction processor: failed to process {what}: error compiling regex in list: {exc}"
            ) from None
    return compiled


def _masker(function: str, hmac_key: str, masking_string: str) -> Callable[[str], str]:
    digest = _DIGESTS.get(function)
    if digest is not None:
        return lambda text: digest(text.encode())
    if function == "hmac-sha256":
        key = hmac_key.encode()
        return lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    if function == "hmac-sha512":
        key = hmac_key.encode()
        return lambda text: hmac.new(key, text.encode(), hashlib.sha512).hexdigest()
    return lambda _text: masking_string
