"""Configuration of the ``file_storage`` extension, with the contrib collector's keys, defaults and messages."""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from datetime import timedelta


def default_directory() -> str:
    if sys.platform == "win32":
        return os.path.join(os.environ.get("PROGRAMDATA", "C:\\ProgramData"), "Otelcol", "FileStorage")
    return "/var/lib/otelcol/file_storage"


_OCTAL = re.compile(r"^[+-]?[0-7]+$")


@dataclass
class CompactionConfig:
    on_start: bool = False
    on_rebound: bool = False
    # Empty: the storage ``directory`` (where SQLite compacts anyway, see README).
    directory: str = ""
    max_transaction_size: int = 65536
    rebound_needed_threshold_mib: int = 100
    rebound_trigger_threshold_mib: int = 10
    check_interval: timedelta = timedelta(seconds=5)
    cleanup_on_start: bool = False


@dataclass
class Config:
    directory: str = field(default_factory=default_directory)
    timeout: timedelta = timedelta(seconds=1)
    compaction: CompactionConfig = field(default_factory=CompactionConfig)
    fsync: bool = False
    create_directory: bool = False
    directory_permissions: str = "0750"
    recreate: bool = False
    max_size: int = 0

    @property
    def compaction_directory(self) -> str:
        return self.compaction.directory or self.directory

    def permissions(self) -> int:
        """``directory_permissions`` parsed (call after validate)."""
        return int(self.directory_permissions, 8)

    def validate(self) -> None:
        dirs = [self.directory]
        if self.compaction.on_start or self.compaction.on_rebound:
            dirs.append(self.compaction_directory)
        for path in dirs:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                if not self.create_directory:
                    raise ValueError(
                        f"directory must exist: stat {path}: no such file or directory. "
                        "You can enable the create_directory option to automatically create it"
                    ) from None
                continue
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                raise ValueError(
                    f"problem accessing configured directory: {path}, err: stat {path}: {reason}"
                ) from None
            if not stat.S_ISDIR(st.st_mode):
                raise ValueError(f"{path} is not a directory")
        if self.compaction.max_transaction_size < 0:
            raise ValueError("max transaction size for compaction cannot be less than 0")
        if self.compaction.on_rebound and self.compaction.check_interval <= timedelta(0):
            raise ValueError("compaction check interval must be positive when rebound compaction is set")
        if self.create_directory:
            text = self.directory_permissions
            if not _OCTAL.match(text) or not -(2**31) <= int(text, 8) < 2**31:
                raise ValueError("directory_permissions value must be a valid octal representation")
            perm = int(text, 8)
            if perm & 0o777 != perm:
                raise ValueError("directory_permissions contain invalid bits for file access")
        if self.max_size < 0:
            raise ValueError("max_size cannot be less than 0")
