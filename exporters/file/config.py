"""Configuration of the ``file`` exporter, with the Go (contrib) defaults and messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from pyotelcol.component import ID, IDError
from pyotelcol.config import OptionalSection

FORMAT_JSON = "json"
FORMAT_PROTO = "proto"
COMPRESSION_ZSTD = "zstd"
DEFAULT_FLUSH_INTERVAL = timedelta(seconds=1)
DEFAULT_DIRECTORY_PERMISSIONS = "0755"
_OCTAL = re.compile(r"[+-]?[0-7]+")


@dataclass
class Rotation:
    """Size-based rotation. Only active when the ``rotation`` key is present (``rotation:`` or
    ``rotation: {}`` turn it on with these defaults)."""

    max_megabytes: int = 100
    max_days: int = 0
    max_backups: int = 100
    localtime: bool = False

    @property
    def max_bytes(self) -> int:
        """0 or less means the default of 100 MiB, as in Go's rotating writer."""
        return (self.max_megabytes if self.max_megabytes > 0 else 100) * 1024 * 1024


@dataclass
class GroupBy:
    enabled: bool = False
    resource_attribute: str = "fileexporter.path_segment"
    max_open_files: int = 100


@dataclass
class Config:
    path: str = ""
    append: bool = False
    rotation: OptionalSection[Rotation] = field(default_factory=lambda: OptionalSection.default(Rotation()))
    format: str = FORMAT_JSON
    encoding: str | None = None
    compression: str = ""
    flush_interval: timedelta = DEFAULT_FLUSH_INTERVAL
    group_by: GroupBy = field(default_factory=GroupBy)
    create_directory: bool = False
    directory_permissions: str = ""

    @property
    def effective_flush_interval(self) -> timedelta:
        """Go replaces a zero ``flush_interval`` by one second."""
        return self.flush_interval if self.flush_interval > timedelta(0) else DEFAULT_FLUSH_INTERVAL

    @property
    def directory_mode(self) -> int:
        """Permission bits used when creating directories (``0755`` unless set)."""
        return int(self.directory_permissions or DEFAULT_DIRECTORY_PERMISSIONS, 8)

    @property
    def length_prefixed(self) -> bool:
        """``proto``, or ``json`` with compression: each message gets a 4-byte big-endian length."""
        return self.format == FORMAT_PROTO or self.compression != ""

    def validate(self) -> None:
        # Same checks, order and words as Go's Config.Validate (which stops at the first error).
        if self.path == "":
            raise ValueError("path must be non-empty")
        if self.append and self.compression != "":
            raise ValueError("append and compression enabled at the same time is not supported")
        if self.append and self.rotation.enabled:
            raise ValueError("append and rotation enabled at the same time is not supported")
        if self.format not in (FORMAT_JSON, FORMAT_PROTO):
            raise ValueError("format type is not supported")
        if self.compression not in ("", COMPRESSION_ZSTD):
            raise ValueError("compression is not supported")
        if self.flush_interval < timedelta(0):
            raise ValueError("flush_interval must be larger than zero")
        if self.group_by.enabled:
            parts = self.path.split("*")
            if len(parts) != 2:
                raise ValueError("path must contain exactly one * when group_by is enabled")
            if parts[0] == "":
                raise ValueError("path must not start with * when group_by is enabled")
            if self.group_by.resource_attribute == "":
                raise ValueError("resource_attribute must not be empty when group_by is enabled")
        if self.create_directory:
            text = self.directory_permissions or DEFAULT_DIRECTORY_PERMISSIONS
            # strconv.ParseInt(text, 8, 32): digits 0-7 with an optional sign, within int32.
            if not _OCTAL.fullmatch(text) or not -(2**31) <= int(text, 8) < 2**31:
                raise ValueError("directory_permissions value must be a valid octal representation")
            mode = int(text, 8)
            if mode & 0o777 != mode:
                raise ValueError("directory_permissions contain invalid bits for file access")
        elif self.directory_permissions != "":
            raise ValueError("directory_permissions requires create_directory to be true")
        if self.encoding is not None:
            try:
                ID.parse(self.encoding)
            except IDError as exc:
                raise ValueError(str(exc)) from None
            raise ValueError(
                f'encoding "{self.encoding}": encoding extensions are not supported by pyotelcol yet; '
                "use format: json or format: proto"
            )
