"""Configuration of the ``file_log`` receiver: Go's fileconsumer keys squashed with the stanza
adapter's (``operators``, ``storage``, ``retry_on_failure``) and the input's ``attributes``/``resource``.

Everything is checked at ``validate`` time: globs, sizes, the encoding, multiline patterns and
the whole operator chain are built once there (kept in internal fields).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pyotelcol.component import ID
from pyotelcol.config.decode import DecodeError, decode
from pyotelcol.helpers.stanza.expr import ExprError, ExprString
from pyotelcol.helpers.stanza.fileconsumer import Splitter
from pyotelcol.helpers.stanza.fileconsumer.finder import validate_pattern
from pyotelcol.helpers.stanza.fileconsumer.ordering import Ordering, OrderingCriteria
from pyotelcol.helpers.stanza.operators import Pipeline, build_pipeline
from pyotelcol.helpers.stanza.operators.sizes import parse_byte_size

# fileconsumer keys pyotelcol reads but does not implement: refused unless left at Go's default
_UNSUPPORTED_DEFAULTS: dict[str, Any] = {
    "header": None,
    "acquire_fs_lock": False,
    "polls_to_archive": 0,
    "max_batches": 0,
}


@dataclass
class MultilineConfig:
    line_start_pattern: str = ""
    line_end_pattern: str = ""
    omit_pattern: bool = False


@dataclass
class RetryOnFailure:
    """consumerretry.Config: retries downstream refusals (off by default)."""

    enabled: bool = False
    initial_interval: timedelta = timedelta(seconds=1)
    max_interval: timedelta = timedelta(seconds=30)
    max_elapsed_time: timedelta = timedelta(minutes=5)


@dataclass
class Config:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    exclude_older_than: timedelta = timedelta(0)
    start_at: str = "end"
    poll_interval: timedelta = timedelta(milliseconds=200)
    fingerprint_size: Any = 1000
    max_log_size: Any = 1024 * 1024
    max_log_size_behavior: str = "split"
    max_concurrent_files: int = 1024
    max_batches: int = 0
    initial_buffer_size: Any = 16 * 1024
    encoding: str = "utf-8"
    multiline: MultilineConfig = field(default_factory=MultilineConfig)
    preserve_leading_whitespaces: bool = False
    preserve_trailing_whitespaces: bool = False
    force_flush_period: timedelta = timedelta(milliseconds=500)
    header: Any = None
    delete_after_read: bool = False
    include_file_name: bool = True
    include_file_path: bool = False
    include_file_name_resolved: bool = False
    include_file_path_resolved: bool = False
    include_file_owner_name: bool = False
    include_file_owner_group_name: bool = False
    include_file_permissions: bool = False
    include_file_record_number: bool = False
    include_file_record_offset: bool = False
    compression: str = ""
    polls_to_archive: int = 0
    acquire_fs_lock: bool = False
    file_cache_advise: bool = False
    on_truncate: str = "ignore"
    skip_unmodified_files: bool = False
    ordering_criteria: Any = None
    attributes: dict[str, Any] = field(default_factory=dict)
    resource: dict[str, Any] = field(default_factory=dict)
    operators: list[Any] = field(default_factory=list)
    storage: str | None = None
    retry_on_failure: RetryOnFailure = field(default_factory=RetryOnFailure)
    # the input operator's own keys (Go squashes helper.InputConfig in)
    id: str = ""
    type: str = ""
    output: Any = None

    fingerprint_bytes: int = field(default=1000, metadata={"internal": True})
    max_log_bytes: int = field(default=1024 * 1024, metadata={"internal": True})

    def validate(self) -> None:
        errors: list[str] = []

        def check(fn: Any) -> None:
            try:
                fn()
            except ValueError as exc:
                errors.append(str(exc))

        if not self.include:
            errors.append("'include' is required")
        for pattern in [*self.include, *self.exclude]:
            check(lambda p=pattern: validate_pattern(p))
        if self.start_at not in ("beginning", "end"):
            errors.append(f"invalid start_at location '{self.start_at}'")
        if self.max_concurrent_files <= 1:
            errors.append("'max_concurrent_files' must be greater than 1")
        if self.poll_interval <= timedelta(0):
            errors.append("'poll_interval' must be positive")
        if self.delete_after_read and self.start_at == "end":
            errors.append("'delete_after_read' cannot be used with 'start_at: end'")
        if self.compression not in ("", "gzip", "auto"):
            errors.append(f"'compression' must be one of '', 'gzip', 'auto', got '{self.compression}'")
        if self.on_truncate not in ("ignore", "read_whole_file", "read_new"):
            errors.append(f"invalid value for 'on_truncate': {self.on_truncate}")
        if self.max_log_size_behavior not in ("split", "truncate"):
            errors.append(f"invalid value for 'max_log_size_behavior': {self.max_log_size_behavior}")
        elif self.max_log_size_behavior == "truncate":
            errors.append("max_log_size_behavior 'truncate' is not supported by pyotelcol")
        for key, default in _UNSUPPORTED_DEFAULTS.items():
            if getattr(self, key) not in (default, None, [], {}):
                errors.append(f"'{key}' is not supported by pyotelcol")
        try:
            self.fingerprint_bytes = parse_byte_size(self.fingerprint_size)
            if self.fingerprint_bytes < 16:
                errors.append("'fingerprint_size' must be at least 16 bytes")
        except ValueError as exc:
            errors.append(f"'fingerprint_size': {exc}")
        try:
            self.max_log_bytes = parse_byte_size(self.max_log_size)
            if self.max_log_bytes <= 0:
                errors.append("'max_log_size' must be greater than zero")
        except ValueError as exc:
            errors.append(f"'max_log_size': {exc}")
        check(self.build_splitter)
        check(self.build_pipeline)
        check(self.build_ordering)
        for name, values in (("attributes", self.attributes), ("resource", self.resource)):
            for key, value in values.items():
                try:
                    ExprString(value)
                except ExprError as exc:
                    errors.append(f"'{name}.{key}': {exc}")
        if self.storage is not None:
            check(lambda: ID.parse(self.storage or ""))
        retry = self.retry_on_failure
        if retry.enabled and retry.max_elapsed_time and retry.max_elapsed_time < retry.initial_interval:
            errors.append("'retry_on_failure.max_elapsed_time' must not be less than 'initial_interval'")
        if errors:
            raise ValueError("\n".join(errors))

    def build_ordering(self) -> Ordering | None:
        """Go's matcher ``ordering_criteria`` (None when not configured)."""
        if not self.ordering_criteria:
            return None
        try:
            criteria = decode(OrderingCriteria, self.ordering_criteria)
        except DecodeError as exc:
            raise ValueError(f"'ordering_criteria': {exc}") from None
        return Ordering(criteria)

    def build_splitter(self) -> Splitter:
        return Splitter(
            self.encoding,
            self.max_log_bytes,
            self.multiline.line_start_pattern,
            self.multiline.line_end_pattern,
            self.multiline.omit_pattern,
            self.preserve_leading_whitespaces,
            self.preserve_trailing_whitespaces,
        )

    def build_pipeline(self) -> Pipeline:
        return build_pipeline(self.operators)
