"""Where the host's /proc, /sys and /dev are: ``root_path`` as Go's gopsutilenv applies it.

With ``root_path`` set (not "" or "/"), /proc is ``<root_path>/proc`` and so on, unless the
``HOST_PROC`` / ``HOST_SYS`` / ``HOST_DEV`` environment variables say otherwise (Go never
overrides them). The scrapers read those paths themselves and leave psutil's process-wide
``PROCFS_PATH`` alone (other components use psutil for the collector's own process). Go keeps one
root path per collector process and refuses a second, different one; so does ``acquire``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

__all__ = ["HostPaths", "acquire", "host_paths", "release", "validate_root_path"]


@dataclass(frozen=True)
class HostPaths:
    root: str  # "" when reading the collector's own view of the host
    proc: str
    sys: str
    dev: str

    def in_proc(self, *parts: str) -> str:
        return os.path.join(self.proc, *parts)

    def translate_mountpoint(self, mountpoint: str) -> str:
        """A mount point as the collector can reach it (Go's ``translateMountpoint``)."""
        if not self.root or self.root == os.sep:
            return mountpoint
        root = os.path.normpath(self.root) + os.sep
        if (os.path.normpath(mountpoint) + os.sep).startswith(root):
            return mountpoint  # already under root_path
        return os.path.join(self.root, mountpoint.lstrip(os.sep))


def host_paths(root_path: str) -> HostPaths:
    def pick(env: str, default: str) -> str:
        if env in os.environ:
            return os.environ[env]
        if root_path in ("", os.sep):
            return default
        return os.path.join(root_path, default.lstrip(os.sep))

    root = "" if root_path == os.sep else root_path
    return HostPaths(root, pick("HOST_PROC", "/proc"), pick("HOST_SYS", "/sys"), pick("HOST_DEV", "/dev"))


def validate_root_path(root_path: str) -> str | None:
    """Go's check: an error message when ``root_path`` is set and does not exist."""
    if root_path in ("", os.sep):
        return None
    try:
        os.stat(root_path)
    except FileNotFoundError:
        return f"invalid root_path: stat {root_path}: no such file or directory"
    except OSError as exc:
        return f"invalid root_path: stat {root_path}: {exc.strerror or exc}"
    return None


_lock = threading.Lock()
_users: dict[str, int] = {}  # root path → running receivers using it


def acquire(paths: HostPaths) -> None:
    """Register a running receiver's root path; refuse one that differs from another's (as Go)."""
    with _lock:
        others = [p for p, n in _users.items() if n and p != paths.root]
        if others:
            raise ValueError(
                f"inconsistent root_path configuration detected among components: `{others[0]}` != `{paths.root}`"
            )
        _users[paths.root] = _users.get(paths.root, 0) + 1


def release(paths: HostPaths) -> None:
    with _lock:
        _users[paths.root] = max(0, _users.get(paths.root, 0) - 1)
