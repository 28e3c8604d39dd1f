"""File and HTTP service discovery, as Prometheus' ``discovery/file`` and ``discovery/http``.

Both read the same target-group document, a list of ``{targets: [...], labels: {...}}``, and
keep their current groups; the scrape pool asks for them when told something changed. A file
or response that cannot be read keeps the groups it gave before, and the error is logged."""

from __future__ import annotations

import asyncio
import glob
import json
import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import yaml

from .httpclient import auth_headers, ssl_context
from .promconfig import FileSDConfig, HTTPSDConfig
from .targets import TargetGroup

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]
#: how often the watched files' names, sizes and modification times are compared (Prometheus
#: gets the same changes from inotify through fsnotify).
FILE_POLL_SECONDS = 0.5
#: Prometheus' ``matchContentType`` for HTTP SD responses.
_JSON_CONTENT_TYPE = re.compile(r'^(?i:application/json(;\s*charset=("utf-8"|utf-8))?)$')


_FIELDS = ("targets", "labels")


class TargetGroupError(ValueError):
    pass


def parse_target_groups(text: str, fmt: str) -> list[tuple[list[str], dict[str, str]]]:
    """The ``(targets, labels)`` of each group of a JSON or YAML target-group document, checked
    as strictly as Prometheus decodes it (unknown keys, wrong types and null groups are errors)."""
    try:
        # YAML scalars stay text, as Go's yaml.v2 reads any scalar into a string label
        doc: Any = json.loads(text) if fmt == "json" else yaml.load(text, Loader=yaml.BaseLoader)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise TargetGroupError(str(exc).replace("\n", " ")) from None
    if doc is None and fmt != "json":
        return []  # an empty YAML file holds no groups
    if not isinstance(doc, list):
        raise TargetGroupError(f"a list of target groups is expected, got {type(doc).__name__}")
    groups = []
    for i, item in enumerate(doc):
        if item is None:
            raise TargetGroupError("nil target group item found")
        if not isinstance(item, dict):
            raise TargetGroupError(f"target group {i}: a map is expected, got {type(item).__name__}")
        if fmt == "json":  # Go's encoding/json matches field names regardless of case
            item = {k.lower() if isinstance(k, str) and k.lower() in _FIELDS else k: v for k, v in item.items()}
        unknown = sorted(str(k) for k in item if k not in _FIELDS)
        if unknown:
            raise TargetGroupError(f'target group {i}: unknown field "{unknown[0]}"')
        targets = item.get("targets") or []
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise TargetGroupError(f"target group {i}: targets must be a list of strings")
        labels = item.get("labels") or {}
        if not isinstance(labels, dict):
            raise TargetGroupError(f"target group {i}: labels must be a map of strings")
        for name, value in labels.items():
            if not isinstance(name, str) or not name:
                raise TargetGroupError(f'"{name}" is not a valid label name')
            if not isinstance(value, str):
                raise TargetGroupError(f"target group {i}: the value of label {name!r} must be a string")
        groups.append((list(targets), dict(labels)))
    return groups


def _groups(source: str, parsed: list[tuple[list[str], dict[str, str]]], meta: tuple[str, str]) -> list[TargetGroup]:
    return [
        TargetGroup(f"{source}:{i}", tuple(targets), tuple({**labels, meta[0]: meta[1]}.items()))
        for i, (targets, labels) in enumerate(parsed)
    ]


class FileDiscovery:
    """``file_sd_configs``: the files the globs match, read at start, when one of them changes
    and every ``refresh_interval``; each group gets ``__meta_filepath``."""

    def __init__(self, cfg: FileSDConfig, logger: Logger) -> None:
        self._cfg = cfg
        self._logger = logger
        self._by_file: dict[str, list[TargetGroup]] = {}

    def groups(self) -> list[TargetGroup]:
        return [g for groups in self._by_file.values() for g in groups]

    def _list_files(self) -> list[str]:
        files: list[str] = []
        for pattern in self._cfg.files:
            files.extend(sorted(glob.glob(pattern, include_hidden=True)))
        return files

    def _signature(self) -> list[tuple[str, int, int, int]]:
        sig = []
        for name in self._list_files():
            try:
                st = os.stat(name)
            except OSError:
                continue
            sig.append((name, st.st_mtime_ns, st.st_size, st.st_ino))
        return sig

    def refresh(self) -> bool:
        """Read every matching file; ``True`` when the groups changed."""
        fresh: dict[str, list[TargetGroup]] = {}
        for name in self._list_files():
            fmt = "json" if name.lower().endswith(".json") else "yaml"
            try:
                with open(name, encoding="utf-8") as f:
                    text = f.read()
                fresh[name] = _groups(name, parse_target_groups(text, fmt), ("__meta_filepath", name))
            except (OSError, UnicodeDecodeError, TargetGroupError) as exc:
                self._logger.error("Error reading file", extra={"fields": {"path": name, "err": str(exc)}})
                if name in self._by_file:  # keep what the file gave before
                    fresh[name] = self._by_file[name]
        changed = fresh != self._by_file
        self._by_file = fresh
        return changed

    async def run(self, notify: Callable[[], None]) -> None:
        sig = await asyncio.to_thread(self._signature)
        if await asyncio.to_thread(self.refresh):
            notify()
        next_refresh = time.monotonic() + self._cfg.refresh_s
        while True:
            await asyncio.sleep(FILE_POLL_SECONDS)
            now_sig = await asyncio.to_thread(self._signature)
            if now_sig == sig and time.monotonic() < next_refresh:
                continue
            sig = now_sig
            next_refresh = time.monotonic() + self._cfg.refresh_s
            if await asyncio.to_thread(self.refresh):
                notify()


class HTTPDiscovery:
    """``http_sd_configs``: the target groups a URL answers with, fetched at start and every
    ``refresh_interval``; each group gets ``__meta_url``."""

    def __init__(self, cfg: HTTPSDConfig, session: aiohttp.ClientSession, user_agent: str, logger: Logger) -> None:
        self._cfg = cfg
        self._session = session
        self._logger = logger
        self._headers = {
            "User-Agent": user_agent,
            "Accept": "application/json",
            # Go's FormatFloat(secs, 'f', -1): "60", "0.5", never an exponent
            "X-Prometheus-Refresh-Interval-Seconds": f"{cfg.refresh_s:f}".rstrip("0").rstrip("."),
        }
        self._groups: list[TargetGroup] = []

    def groups(self) -> list[TargetGroup]:
        return list(self._groups)

    async def _fetch(self) -> list[TargetGroup]:
        https = self._cfg.url.startswith("https:")
        async with self._session.get(
            self._cfg.url,
            headers={**self._headers, **auth_headers(self._cfg)},
            timeout=aiohttp.ClientTimeout(total=self._cfg.refresh_s),
            ssl=ssl_context(self._cfg) if https else True,
            server_hostname=(self._cfg.tls_config.server_name or None) if https else None,
            allow_redirects=self._cfg.follow_redirects,
        ) as resp:
            if resp.status != 200:
                raise TargetGroupError(f"server returned HTTP status {resp.status} {resp.reason}")
            content_type = resp.headers.get("Content-Type", "")
            if not _JSON_CONTENT_TYPE.match(content_type.strip()):
                raise TargetGroupError(f'unsupported content type "{content_type}"')
            text = (await resp.read()).decode("utf-8", errors="replace")
        return _groups(self._cfg.url, parse_target_groups(text, "json"), ("__meta_url", self._cfg.url))

    async def refresh(self) -> bool:
        """One fetch; ``True`` when the groups changed. A failure keeps the previous groups."""
        try:
            groups = await self._fetch()
        except (aiohttp.ClientError, TimeoutError, OSError, TargetGroupError) as exc:
            err = str(exc) or type(exc).__name__
            self._logger.error("Unable to refresh target groups", extra={"fields": {"err": err}})
            return False
        changed = groups != self._groups
        self._groups = groups
        return changed

    async def run(self, notify: Callable[[], None]) -> None:
        while True:
            if await self.refresh():
                notify()
            await asyncio.sleep(self._cfg.refresh_s)
