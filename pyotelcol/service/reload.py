"""What a reload keeps: per-component config comparison, and the ``--watch-config`` poller.

Go's collector restarts every component on a reload. Here a component keeps running when its
factory and its resolved config are unchanged and it does not name an extension that changed
(an ``authenticator``, a queue's ``storage``): such a reference is looked up at start, so the
component must start again to see the new extension. Nor is it kept when a Python file its
config names (a ``python`` component's ``module: /path/code.py``) was edited: the reload is how
such code is picked up.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from ..component import ID, IDError, Kind
from ..confmap import to_plain
from .config import Config

_SECTIONS = (Kind.RECEIVER, Kind.PROCESSOR, Kind.EXPORTER, Kind.CONNECTOR, Kind.EXTENSION)


def component_bodies(cfg: Config) -> dict[tuple[Kind, ID], Any]:
    """Each component's resolved config as plain data, keyed by kind and ID."""
    out: dict[tuple[Kind, ID], Any] = {}
    raw = to_plain(cfg.raw)
    if not isinstance(raw, dict):
        return out
    for kind in _SECTIONS:
        section = raw.get(kind.plural)
        if not isinstance(section, dict):
            continue
        for key, body in section.items():
            try:
                out[(kind, ID.parse(str(key)))] = {} if body is None else body
            except IDError:
                continue
    return out


def _code_files(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.endswith(".py") else []
    if isinstance(value, dict):
        return [f for v in value.values() for f in _code_files(v)]
    if isinstance(value, list):
        return [f for v in value for f in _code_files(v)]
    return []


CodeDigests = dict[tuple[Kind, ID], dict[str, str]]


def code_digests(cfg: Config) -> CodeDigests:
    """The content hash of each Python file a component's config names, as loaded now."""
    out: CodeDigests = {}
    for key, body in component_bodies(cfg).items():
        digests = {}
        for name in _code_files(body):
            try:
                digests[name] = hashlib.sha256(Path(name).read_bytes()).hexdigest()
            except OSError:
                digests[name] = ""
        if digests:
            out[key] = digests
    return out


def _mentions(value: Any, names: set[str]) -> bool:
    if isinstance(value, str):
        return value in names
    if isinstance(value, dict):
        return any(_mentions(v, names) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, names) for v in value)
    return False


class ConfigDiff:
    """Which components of ``new`` may keep the instance running under ``old``."""

    def __init__(self, old: Config, new: Config, old_code: CodeDigests) -> None:
        self.old, self.new = old, new
        self._old_code = old_code
        self.new_code = code_digests(new)
        self._old_bodies = component_bodies(old)
        self._new_bodies = component_bodies(new)
        #: components that must not be kept whatever their config (see ``bar``)
        self.barred: set[tuple[Kind, ID]] = set()
        old_ext = old.components[Kind.EXTENSION]
        self.kept_extensions = [
            e for e in new.extensions if e in old.extensions and e in old_ext and self._same(Kind.EXTENSION, e)
        ]
        changed = {str(e) for e in old.extensions if e not in self.kept_extensions}
        self._changed_extension_names = changed

    def _same(self, kind: Kind, comp_id: ID) -> bool:
        old = self.old.components[kind].get(comp_id)
        new = self.new.components[kind].get(comp_id)
        if old is None or new is None or type(old.factory) is not type(new.factory):
            return False
        if old.factory.type != new.factory.type:
            return False
        if self._old_code.get((kind, comp_id)) != self.new_code.get((kind, comp_id)):
            return False
        return self._old_bodies.get((kind, comp_id)) == self._new_bodies.get((kind, comp_id))

    def unchanged(self, kind: Kind, comp_id: ID) -> bool:
        if (kind, comp_id) in self.barred or not self._same(kind, comp_id):
            return False
        body = self._new_bodies.get((kind, comp_id))
        return not _mentions(body, self._changed_extension_names)

    def bar(self, keys: Iterable[tuple[Kind, ID]]) -> None:
        self.barred.update(keys)


class ConfigWatcher:
    """``--watch-config``: poll the config files every ``interval`` seconds and call ``changed``
    when one's content differs (the modification time says when to hash again, the hash says
    whether the content really changed: an editor's save without a change is no reload)."""

    def __init__(
        self,
        paths: list[Path],
        changed: Callable[[], Awaitable[None]],
        log: logging.Logger | logging.LoggerAdapter[logging.Logger],
        interval: float = 1.0,
    ) -> None:
        self._paths = paths
        self._changed = changed
        self._log = log
        self._interval = interval
        self._seen = {p: self._stamp(p, None) for p in paths}

    @staticmethod
    def _stamp(path: Path, previous: tuple[float, str] | None) -> tuple[float, str] | None:
        try:
            mtime = path.stat().st_mtime
            if previous is not None and previous[0] == mtime:
                return previous
            return mtime, hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None

    def poll(self) -> bool:
        """Whether any file's content changed since the last poll."""
        changed = False
        for path in self._paths:
            stamp = self._stamp(path, self._seen[path])
            old = self._seen[path]
            if stamp is not None and (old is None or stamp[1] != old[1]):
                changed = True
            if stamp is not None:
                self._seen[path] = stamp
        return changed

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            if self.poll():
                self._log.info("Config file changed", extra={"fields": {"files": [str(p) for p in self._paths]}})
                await self._changed()


def watched_files(config_uris: list[str]) -> list[Path]:
    """The local files among ``--config`` URIs (bare paths and ``file:``); others are not watched."""
    from ..confmap import config_locations

    return [Path(opaque) for scheme, opaque in config_locations(config_uris) if scheme == "file"]
